"""ECharts comes from the npm registry at setup, checked against the sha512 npm published for the
pinned version; nothing here touches the network (a registry of our own on 127.0.0.1, or a fake opener)."""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import tarfile
import threading
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.test_settings import _settings_in_subprocess
from yichuang.web import assets
from yichuang.web.assets import AssetError, NpmAsset, fetch, is_current
from yichuang.web.checks import vendor_assets_present

LIBRARY = b"/*! a charting library */ window.echarts = {init: function () {}};\n"
LICENSE = b"Apache License 2.0\n"


def tarball(files: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


GOOD = tarball(
    {
        "package/dist/echarts.min.js": LIBRARY,
        "package/LICENSE": LICENSE,
        "package/README.md": b"not wanted\n",
    }
)


def pinned(data: bytes = GOOD, version: str = "9.9.9") -> NpmAsset:
    return NpmAsset(
        package="echarts",
        version=version,
        integrity=sri(data),
        files=(("package/dist/echarts.min.js", "echarts.min.js"), ("package/LICENSE", "LICENSE")),
    )


class Registry:
    """An npm registry on 127.0.0.1 serving tarballs by path, counting the requests."""

    def __init__(self) -> None:
        self.tarballs: dict[str, bytes] = {}
        self.requests: list[str] = []
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                body = registry.tarballs.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry() -> Iterator[Registry]:
    served = Registry()
    served.tarballs["/echarts/-/echarts-9.9.9.tgz"] = GOOD
    yield served
    served.close()


@pytest.fixture
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The vendor folder of these tests: never the real one."""
    root = tmp_path / "vendor"
    monkeypatch.setattr(assets, "VENDOR_DIR", root)
    return root


def test_the_pinned_tarball_is_downloaded_checked_and_only_the_wanted_files_kept(registry, vendor):
    assert fetch(pinned(), registry=registry.url) is True
    folder = vendor / "echarts"
    assert (folder / "echarts.min.js").read_bytes() == LIBRARY
    assert (folder / "LICENSE").read_bytes() == LICENSE
    assert sorted(p.name for p in folder.iterdir()) == [".fetched.json", "LICENSE", "echarts.min.js"]
    assert registry.requests == ["/echarts/-/echarts-9.9.9.tgz"]


def test_a_second_run_downloads_nothing_when_the_files_match(registry, vendor):
    fetch(pinned(), registry=registry.url)
    assert fetch(pinned(), registry=registry.url) is False
    assert len(registry.requests) == 1


def test_an_edited_or_deleted_file_is_fetched_again(registry, vendor):
    fetch(pinned(), registry=registry.url)
    (vendor / "echarts" / "echarts.min.js").write_text("tampered")
    assert not is_current(pinned())
    assert fetch(pinned(), registry=registry.url) is True
    (vendor / "echarts" / "LICENSE").unlink()
    assert fetch(pinned(), registry=registry.url) is True
    assert (vendor / "echarts" / "echarts.min.js").read_bytes() == LIBRARY
    assert len(registry.requests) == 3


def test_a_new_pinned_version_replaces_the_old_one(registry, vendor):
    fetch(pinned(), registry=registry.url)
    newer = tarball({"package/dist/echarts.min.js": b"/* 10 */", "package/LICENSE": LICENSE})
    registry.tarballs["/echarts/-/echarts-10.0.0.tgz"] = newer
    assert fetch(pinned(newer, version="10.0.0"), registry=registry.url) is True
    assert (vendor / "echarts" / "echarts.min.js").read_bytes() == b"/* 10 */"


def test_a_tarball_that_does_not_match_its_integrity_is_refused_and_nothing_changes(registry, vendor):
    fetch(pinned(), registry=registry.url)
    tampered = tarball({"package/dist/echarts.min.js": b"alert('pwned')", "package/LICENSE": LICENSE})
    registry.tarballs["/echarts/-/echarts-10.0.0.tgz"] = tampered
    expected = pinned(GOOD, version="10.0.0")  # the integrity of other bytes than the registry serves
    with pytest.raises(AssetError, match="校验值不符"):
        fetch(expected, registry=registry.url)
    assert (vendor / "echarts" / "echarts.min.js").read_bytes() == LIBRARY
    assert is_current(pinned()), "the version already there stays usable"


def test_a_wrong_integrity_is_refused_even_into_an_empty_folder(vendor):
    wrong = NpmAsset("echarts", "9.9.9", sri(b"something else"), pinned().files)
    with pytest.raises(AssetError, match="已拒绝使用"):
        fetch(wrong, registry="https://registry.example", opener=lambda url: GOOD)
    assert not (vendor / "echarts").exists()


def test_an_integrity_that_is_not_sri_is_refused():
    with pytest.raises(AssetError, match="无法识别"):
        assets.check_integrity(GOOD, "md5-abc")
    with pytest.raises(AssetError, match="无法识别"):
        assets.check_integrity(GOOD, "sha512-not*base64")


def test_the_strongest_listed_algorithm_decides():
    sha1_and_512 = f"sha1-{base64.b64encode(hashlib.sha1(b'x').digest()).decode()} {sri(GOOD)}"
    assets.check_integrity(GOOD, sha1_and_512)
    weak_match = f"sha256-{base64.b64encode(hashlib.sha256(GOOD).digest()).decode()} {sri(b'other')}"
    with pytest.raises(AssetError):
        assets.check_integrity(GOOD, weak_match)


def test_an_unreachable_registry_is_a_clear_error(vendor):
    def offline(url: str) -> bytes:
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))

    with pytest.raises(AssetError) as raised:
        fetch(pinned(), registry="https://registry.npmjs.org", opener=offline)
    message = str(raised.value)
    assert "无法连接 npm 仓库" in message and "NPM_REGISTRY" in message
    assert "https://registry.npmjs.org/echarts/-/echarts-9.9.9.tgz" in message
    assert not (vendor / "echarts").exists()


def test_a_refused_connection_is_the_same_clear_error(vendor):
    closed = Registry()
    url = closed.url
    closed.close()  # nothing listens there any more
    with pytest.raises(AssetError, match="无法连接 npm 仓库"):
        fetch(pinned(), registry=url)


def test_a_version_the_registry_does_not_have_is_a_404_error(registry, vendor):
    with pytest.raises(AssetError, match="HTTP 404"):
        fetch(pinned(version="0.0.1"), registry=registry.url)


def test_a_tarball_without_a_wanted_file_is_refused(vendor):
    partial = tarball({"package/dist/echarts.min.js": LIBRARY})
    with pytest.raises(AssetError, match="缺少 package/LICENSE"):
        fetch(pinned(partial), registry="https://registry.example", opener=lambda url: partial)
    assert not (vendor / "echarts" / "echarts.min.js").exists()


def test_a_link_in_place_of_a_wanted_file_is_refused(vendor):
    linked = tarball({"package/LICENSE": LICENSE}, links={"package/dist/echarts.min.js": "/etc/passwd"})
    with pytest.raises(AssetError, match="不是普通文件"):
        fetch(pinned(linked), registry="https://registry.example", opener=lambda url: linked)


def test_paths_outside_the_folder_in_the_tarball_are_never_written(tmp_path, vendor):
    hostile = tarball(
        {
            "package/dist/echarts.min.js": LIBRARY,
            "package/LICENSE": LICENSE,
            "../../escaped.txt": b"x",
            "/tmp/absolute.txt": b"x",
        }
    )
    fetch(pinned(hostile), registry="https://registry.example", opener=lambda url: hostile)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert sorted(p.name for p in (vendor / "echarts").iterdir()) == [
        ".fetched.json",
        "LICENSE",
        "echarts.min.js",
    ]


def test_a_registry_url_is_built_the_way_npm_lays_out_tarballs():
    assert pinned().tarball_url("https://registry.npmmirror.com/") == (
        "https://registry.npmmirror.com/echarts/-/echarts-9.9.9.tgz"
    )
    scoped = NpmAsset("@scope/lib", "1.0.0", "sha512-x", ())
    assert scoped.tarball_url("https://r.example") == "https://r.example/@scope/lib/-/lib-1.0.0.tgz"


def test_the_pinned_echarts_is_a_sha512_of_a_registry_tarball_with_its_licence():
    assert assets.ECHARTS.integrity.startswith("sha512-")
    assert len(base64.b64decode(assets.ECHARTS.integrity.removeprefix("sha512-"))) == 64
    names = dict(assets.ECHARTS.files).values()
    assert "echarts.min.js" in names and "LICENSE" in names


# —— the command and the system check ——


@pytest.fixture
def only_the_test_asset(monkeypatch: pytest.MonkeyPatch) -> NpmAsset:
    from yichuang.web import checks
    from yichuang.web.management.commands import fetchassets

    asset = pinned()
    monkeypatch.setattr(fetchassets, "ASSETS", (asset,))
    monkeypatch.setattr(checks, "ASSETS", (asset,))
    return asset


def test_the_command_fetches_from_the_registry_the_settings_name(
    registry, vendor, only_the_test_asset, settings
):
    settings.NPM_REGISTRY = registry.url
    out = io.StringIO()
    call_command("fetchassets", stdout=out)
    assert "已从" in out.getvalue() and (vendor / "echarts" / "echarts.min.js").exists()
    out = io.StringIO()
    call_command("fetchassets", stdout=out)
    assert "已就绪" in out.getvalue()
    assert len(registry.requests) == 1


def test_the_command_fails_with_the_reason_when_the_registry_is_unreachable(
    vendor, only_the_test_asset, settings
):
    closed = Registry()
    closed.close()
    settings.NPM_REGISTRY = closed.url
    with pytest.raises(CommandError, match="无法连接 npm 仓库"):
        call_command("fetchassets", stdout=io.StringIO())


def test_a_missing_asset_is_a_system_check_warning(registry, vendor, only_the_test_asset):
    warnings = vendor_assets_present()
    assert [w.id for w in warnings] == ["yichuang.web.W001"]
    assert "fetchassets" in (warnings[0].hint or "")
    fetch(only_the_test_asset, registry=registry.url)
    assert vendor_assets_present() == []


def test_a_registry_that_is_not_an_http_url_refuses_to_start():
    result = _settings_in_subprocess(NPM_REGISTRY="registry.npmjs.org")
    assert result.returncode != 0
    assert "NPM_REGISTRY" in result.stderr


def test_offline_the_command_takes_the_tarball_from_a_folder_and_still_checks_it(
    tmp_path, vendor, only_the_test_asset, settings
):
    settings.NPM_REGISTRY = "http://127.0.0.1:9"  # nothing there: the network is never asked
    listed = io.StringIO()
    call_command("fetchassets", "--list", stdout=listed)
    assert listed.getvalue().split()[:3] == [
        "echarts-9.9.9.tgz",
        "http://127.0.0.1:9/echarts/-/echarts-9.9.9.tgz",
        only_the_test_asset.integrity,
    ]
    carried = tmp_path / "carried"
    carried.mkdir()
    with pytest.raises(CommandError, match=r"echarts-9\.9\.9\.tgz 不存在"):
        call_command("fetchassets", "--from", str(carried), stdout=io.StringIO())
    (carried / "echarts-9.9.9.tgz").write_bytes(GOOD[:-10] + b"tampered!!")
    with pytest.raises(CommandError, match="校验值不符"):
        call_command("fetchassets", "--from", str(carried), stdout=io.StringIO())
    (carried / "echarts-9.9.9.tgz").write_bytes(GOOD)
    out = io.StringIO()
    call_command("fetchassets", "--from", str(carried), stdout=out)
    assert "echarts-9.9.9.tgz" in out.getvalue()
    assert (vendor / "echarts" / "echarts.min.js").read_bytes() == LIBRARY


# —— the test-only assets (axe-core): fetched on request, outside every static folder ——


def test_the_test_only_assets_come_only_with_tests_and_land_outside_the_static_folders(
    registry, vendor, only_the_test_asset, settings, tmp_path, monkeypatch
):
    from yichuang.web.management.commands import fetchassets

    data = tarball({"package/axe.min.js": b"window.axe = {};", "package/LICENSE": LICENSE})
    engine = NpmAsset(
        "axe-core", "9.9.9", sri(data), (("package/axe.min.js", "axe.min.js"), ("package/LICENSE", "LICENSE"))
    )
    registry.tarballs["/axe-core/-/axe-core-9.9.9.tgz"] = data
    test_vendor = tmp_path / "tests-vendor"
    monkeypatch.setattr(fetchassets, "TEST_ASSETS", (engine,))
    monkeypatch.setattr(fetchassets, "TEST_VENDOR_DIR", test_vendor)
    settings.NPM_REGISTRY = registry.url
    call_command("fetchassets", stdout=io.StringIO())
    assert not test_vendor.exists() and "/axe-core/-/axe-core-9.9.9.tgz" not in registry.requests
    call_command("fetchassets", "--tests", stdout=io.StringIO())
    assert (test_vendor / "axe-core" / "axe.min.js").read_bytes() == b"window.axe = {};"
    assert not (vendor / "axe-core").exists(), "never beside the served assets"


def test_the_pinned_axe_core_is_kept_out_of_the_package_static_files():
    from yichuang.web.assets import AXE_CORE, TEST_VENDOR_DIR

    assert AXE_CORE.integrity.startswith("sha512-")
    assert TEST_VENDOR_DIR.parent.name == "tests" and "static" not in TEST_VENDOR_DIR.parts
