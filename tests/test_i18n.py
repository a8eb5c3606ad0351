"""Chinese first, English second: the interface switches language and the English catalog is complete.

The catalog is ``yichuang/locale/en/LC_MESSAGES/django.po``; its compiled ``django.mo`` is committed so a
machine without GNU gettext still has English. These tests read the .po with a tiny parser (no new
dependency) and check it against the committed .mo.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from yichuang.catalog.models import ItemType
from yichuang.org.models import Role, Staff

PACKAGE = Path(__file__).resolve().parent.parent / "yichuang"
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

ADMIN_INDEX = "/admin/"
TOKEN = "/api/v1/auth/token/"
ADD = "/api/v1/calendar/workdays/add/"


# ------------------------------------------------------------------------------------------ .po parser


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(text: str) -> str:
    value = ast.literal_eval(text.strip())
    assert isinstance(value, str)
    return value


def parse_po(text: str) -> list[Entry]:
    """Entries of a .po file (header included, as the entry with an empty msgid)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = Entry()
        key: str | None = None
        index = -1
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
                continue
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
                continue
            if line.startswith("#") or not line.strip():
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
            if match:
                key, number, literal = match.groups()
                value = _unquote(literal)
                if key == "msgstr":
                    index = int(number or 0)
                    while len(entry.msgstr) <= index:
                        entry.msgstr.append("")
                    entry.msgstr[index] = value
                else:
                    setattr(entry, key, value)
                continue
            assert line.startswith('"') and key is not None, f"unexpected line in {PO.name}: {line!r}"
            if key == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, key, (getattr(entry, key) or "") + _unquote(line))
        if key is not None:
            entries.append(entry)
    return entries


def catalog() -> list[Entry]:
    return [entry for entry in parse_po(PO.read_text(encoding="utf-8")) if not entry.obsolete]


def messages() -> list[Entry]:
    return [entry for entry in catalog() if entry.msgid]


def _placeholders(text: str) -> list[str]:
    named = re.findall(r"%\((\w+)\)[sdif]", text)
    braced = re.findall(r"\{(\w+)\}", text)
    return sorted(named + braced)


# --------------------------------------------------------------------------------------- the catalog


def test_the_catalog_has_messages_and_a_usable_header():
    entries = catalog()
    header = entries[0]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Language: en" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert len(entries) > 300


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [e.msgid for e in messages() if not e.msgstr or not all(s.strip() for s in e.msgstr)]
    fuzzy = [e.msgid for e in messages() if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {PO}: {untranslated}"
    assert not fuzzy, f"fuzzy (check, then drop the flag) in {PO}: {fuzzy}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_message_in_the_code_and_templates_is_in_the_catalog(tmp_path):
    """A string marked for translation but missing from the .po shows in Chinese on an English page;
    makemessages over a copy of the package finds any such string."""
    copy = tmp_path / "yichuang"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "yichuang.settings"},
        check=True,
        capture_output=True,
    )
    merged = parse_po((copy / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    # makemessages keeps the catalog's translations; a new string arrives empty or guessed (fuzzy).
    missing = sorted(
        e.msgid
        for e in merged
        if e.msgid and not e.obsolete and ("fuzzy" in e.flags or not all(s.strip() for s in e.msgstr or [""]))
    )
    assert missing == [], f"{len(missing)} messages have no English translation, e.g. {missing[:5]}"


def test_no_translation_is_left_in_chinese_and_placeholders_survive():
    for entry in messages():
        for text in entry.msgstr:
            assert _placeholders(text) == _placeholders(entry.msgid), entry.msgid
        if entry.msgid.startswith(("“", "%", "第")) or "<strong>" in entry.msgid:
            continue  # may legitimately quote the Chinese sheet or column names of a file format
        chinese = re.sub(r"“[^”]*”|（[^）]*）|\([^)]*\)|e\.g\. .*|E\.g\. .*|: .*", "", " ".join(entry.msgstr))
        assert not re.search(r"[\u4e00-\u9fff]", chinese), (entry.msgid, entry.msgstr)


def test_the_committed_mo_matches_the_po():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages():
        if entry.msgid_plural is not None:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            if entry.msgctxt is not None:
                got = [compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            if got != entry.msgstr[:2]:
                stale.append(entry.msgid)
        elif entry.msgctxt is not None:
            if compiled.pgettext(entry.msgctxt, entry.msgid) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif compiled.gettext(entry.msgid) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert not stale, f"django.mo is older than django.po: run `yichuang compilemessages` ({stale[:5]} …)"


# ------------------------------------------------------------------------------------- in the running app


@pytest.fixture(autouse=True)
def _restore_language():
    """A request activates its language for the whole thread (LocaleMiddleware): don't leak English."""
    with translation.override(translation.get_language()):
        yield


def test_a_choice_label_is_english_under_english_and_chinese_by_default():
    with translation.override("en"):
        assert str(ItemType.LICENSING.label) == "Administrative licensing"
    with translation.override("zh-hans"):
        assert str(ItemType.LICENSING.label) == "行政许可"


@pytest.fixture
def root_client(db) -> Client:
    root = Staff.objects.create_superuser(username="root", role=Role.ADMIN)
    client = Client()
    client.force_login(root)
    return client


def test_the_admin_index_speaks_english_when_chosen_with_lang(root_client):
    content = root_client.get(ADMIN_INDEX, {"lang": "en"}).content.decode()
    assert "Service items" in content
    assert "Holiday adjustments" in content
    assert "Yichuang administration" in content
    assert "政务服务事项" not in content


def test_the_admin_index_speaks_english_with_the_language_cookie(root_client):
    root_client.cookies["django_language"] = "en"
    content = root_client.get(ADMIN_INDEX).content.decode()
    assert "Service items" in content and "Service catalog" in content


def test_the_admin_index_is_chinese_by_default_even_for_an_english_browser(root_client):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "en"}):
        content = root_client.get(ADMIN_INDEX, **headers).content.decode()
        assert "政务服务事项" in content
        assert "Service items" not in content


@pytest.fixture
def clerk(db) -> Staff:
    return Staff.objects.create_superuser(username="clerk", password="pw-12345678", role=Role.ADMIN)


def test_a_bad_login_is_refused_in_english_when_asked(clerk):
    response = APIClient().post(
        TOKEN, {"username": "clerk", "password": "nope"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Incorrect username or password."


def test_a_bad_login_is_refused_in_chinese_by_default(clerk):
    response = APIClient().post(TOKEN, {"username": "clerk", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "用户名或密码错误。"


def test_field_errors_are_english_when_asked(db):
    client = APIClient()
    negative = client.get(ADD, {"start": "2025-01-02", "days": "-1"}, HTTP_ACCEPT_LANGUAGE="en").json()
    too_many = client.get(ADD, {"start": "2025-01-02", "days": "99999"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert negative["fields"]["days"] == ["The number of days cannot be negative."]
    assert too_many["fields"]["days"] == ["The number of days cannot exceed 3650."]
    assert negative["detail"] == "The submitted data is invalid; please check the marked fields."
    chinese = client.get(ADD, {"start": "2025-01-02", "days": "99999"}).json()
    assert chinese["fields"]["days"] == ["天数不能超过 3650。"]


def test_the_api_documentation_follows_the_language(db):
    english = APIClient().get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Search and list service items" in english
    chinese = APIClient().get("/api/schema/").content.decode()
    assert "事项搜索与列表" in chinese
