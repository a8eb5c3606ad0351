"""The seal ceremony at the console: a unit's seal is made, its fingerprint read aloud, and the master
key that encrypts the seals' private keys is changed without a document losing its signature."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.test_documents import apply, clerk, documents, office  # noqa: F401  (fixtures)
from yichuang.documents.ceremony import fingerprint
from yichuang.documents.crypto import KeyDecryptionError, decrypt_private_key
from yichuang.documents.models import Document, DocumentKind, Seal, SealKind
from yichuang.documents.selectors import verify_document
from yichuang.documents.services import document_sign

OLD_KEY = "00112233445566778899aabbccddeeff"
OTHER_KEY = "ffeeddccbbaa99887766554433221100"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


# —— making a seal ——


def test_a_town_approval_center_gets_the_towns_approval_seal_and_its_fingerprint_is_printed(
    world: Any,
) -> None:
    out = run("seal", "create", "--unit", "SPA", "--kind", "approval")

    seal = Seal.objects.get(code="SPA-SPZ")
    assert (seal.kind, seal.department, seal.name, seal.holder_name, seal.caption) == (
        SealKind.APPROVAL,
        world.departments["center_a"],
        "甲镇人民政府行政审批专用章",
        "信阳市浉河区甲镇人民政府",
        "行政审批专用章",
    )
    groups = fingerprint(seal.public_key).split()
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)
    assert " ".join(groups[:8]) in out and " ".join(groups[8:]) in out
    # The verify page shows the first four groups: the minutes and the page can be compared.
    assert "".join(groups[:4]) == seal.fingerprint
    assert seal.private_key.startswith("sm4cbc$") and seal.private_key not in out


def test_numbered_seals_are_issued_by_the_countys_approval_bureau_and_numbered_in_turn(world: Any) -> None:
    run("seal", "create", "--unit", "SPA", "--kind", "delegated")
    run("seal", "create", "--unit", "SPB", "--kind", "delegated")

    first, second = Seal.objects.get(code="SPA-YWZ"), Seal.objects.get(code="SPB-YWZ")
    assert (first.number, second.number) == ("001", "002")
    assert first.issuer == second.issuer == world.departments["approval"]
    assert first.name == "浉河区行政审批服务局行政审批业务专用章（甲镇）"
    assert first.holder_name == "信阳市浉河区行政审批服务局"


def test_an_output_seal_belongs_to_a_service_point(world: Any) -> None:
    run("seal", "create", "--unit", "CA", "--kind", "output", "--valid-from", "2027-01-01")

    seal = Seal.objects.get(code="CA-CJZ")
    assert (seal.point, seal.name, seal.holder_name) == (
        world.points["center_a"],
        "甲镇便民服务中心出件专用章",
        "信阳市浉河区甲镇便民服务中心",
    )
    assert timezone.localtime(seal.valid_from).isoformat() == "2027-01-01T00:00:00+08:00"


def test_a_seal_is_never_made_twice_and_an_unknown_unit_is_named(world: Any) -> None:
    run("seal", "create", "--unit", "MZJ", "--kind", "department")
    public_key = Seal.objects.get(code="MZJ-GZ").public_key

    with pytest.raises(CommandError, match="印章编码“MZJ-GZ”已存在"):
        run("seal", "create", "--unit", "MZJ", "--kind", "department")
    with pytest.raises(CommandError, match="部门“NOPE”不存在"):
        run("seal", "create", "--unit", "NOPE", "--kind", "approval")
    with pytest.raises(CommandError, match="服务点“MZJ”不存在"):
        run("seal", "create", "--unit", "MZJ", "--kind", "output")

    assert Seal.objects.get(code="MZJ-GZ").public_key == public_key and Seal.objects.count() == 1


def test_the_list_shows_every_seal_with_its_fingerprint_and_a_revoked_one_as_such(world: Any) -> None:
    run("seal", "create", "--unit", "SPA", "--kind", "approval")
    run("seal", "create", "--unit", "HALL", "--kind", "output")
    run("seal", "revoke", "HALL-CJZ", "--reason", "印章遗失")

    out = run("seal", "list")

    for seal in Seal.objects.all():
        assert fingerprint(seal.public_key).split()[0] in out
    assert "HALL-CJZ" in out and "停用" in out and "共 2 枚印章" in out


# —— changing the master key ——


@pytest.fixture
def old_key(settings: Any) -> str:
    settings.SEAL_MASTER_KEY = OLD_KEY
    return OLD_KEY


def test_rotating_the_master_key_keeps_old_signatures_genuine_and_new_documents_signable(
    old_key: str,
    office: Any,  # noqa: F811
    clerk: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    before = document_sign(document=documents(apply(clerk, "OWN")["number"])[DocumentKind.ACCEPTANCE_NOTICE])
    pending = documents(apply(clerk, "OWN")["number"])[DocumentKind.ACCEPTANCE_NOTICE]
    stored = dict(Seal.objects.values_list("code", "private_key"))
    key_file = tmp_path / "seal-master.new.key"

    out = run("rotate_master_key", "--new-key-file", str(key_file), "--generate")

    new_key = key_file.read_text().strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert f"重新加密 {len(stored)} 枚印章的私钥" in out and new_key not in out
    assert all(Seal.objects.get(code=code).private_key != encrypted for code, encrypted in stored.items())
    seal = Seal.objects.get(code="A-SPZ")
    with pytest.raises(KeyDecryptionError):  # a process still on the old key cannot sign
        decrypt_private_key(seal.private_key, public_key=seal.public_key)

    settings.SEAL_MASTER_KEY = new_key  # the restart with SEAL_MASTER_KEY_FILE pointing at the new file
    after = document_sign(document=Document.objects.get(pk=pending.pk))

    assert verify_document(before).genuine
    assert after.status == "signed" and verify_document(after).genuine
    assert after.seal == before.seal


def test_rotation_refuses_and_changes_nothing_when_one_seal_does_not_decrypt(
    old_key: str,
    office: Any,  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.SEAL_MASTER_KEY = OTHER_KEY
    run("seal", "create", "--unit", "SPB", "--kind", "delegated", "--code", "STRAY")  # under another key
    settings.SEAL_MASTER_KEY = OLD_KEY
    stored = dict(Seal.objects.values_list("code", "private_key"))
    key_file = tmp_path / "new.key"

    with pytest.raises(CommandError, match=r"当前主密钥解不开 1 枚印章的私钥，未做任何改动：STRAY"):
        run("rotate_master_key", "--new-key-file", str(key_file), "--generate")

    assert dict(Seal.objects.values_list("code", "private_key")) == stored


def test_rotation_wants_a_well_formed_key_that_differs_from_the_current_one(
    old_key: str, db: Any, tmp_path: Path
) -> None:
    same, short = tmp_path / "same.key", tmp_path / "short.key"
    same.write_text(OLD_KEY + "\n")
    short.write_text("abc\n")

    with pytest.raises(CommandError, match="与当前主密钥相同"):
        run("rotate_master_key", "--new-key-file", str(same))
    with pytest.raises(CommandError, match="32位十六进制"):
        run("rotate_master_key", "--new-key-file", str(short))
    with pytest.raises(CommandError, match="已存在"):
        run("rotate_master_key", "--new-key-file", str(same), "--generate")
