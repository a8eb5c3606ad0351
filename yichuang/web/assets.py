"""Front-end libraries that no Python package ships, fetched from the npm registry at setup.

htmx comes from PyPI (``django-js-lib-htmx``); ECharts has no such package, so ``yichuang fetchassets``
(run by ``make setup``) downloads the pinned tarball from the npm registry, checks it against the
``dist.integrity`` npm published for that version (Subresource Integrity, sha512), and extracts only
the files the pages need, with their licence, into ``web/static/vendor/<package>/`` (gitignored;
Django's app finder and WhiteNoise serve it, ``collectstatic`` collects it). No Node, no CDN, nothing
copied into the repository.

A folder already holding the pinned version, file for file (a stamp records each file's sha256), is
left alone, so the command is cheap to run on every ``make``. ``NPM_REGISTRY`` names a mirror
(``https://registry.npmmirror.com``); the integrity check makes any mirror as good as the original.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
STAMP = ".fetched.json"
#: Far above the ECharts tarball (12 MB): a registry answering with something huge is refused.
MAX_TARBALL_BYTES = 64 * 1024 * 1024
TIMEOUT_SECONDS = 60
#: SRI algorithms, strongest first (the W3C rule: only the strongest one listed is compared).
ALGORITHMS = ("sha512", "sha384", "sha256")

Opener = Callable[[str], bytes]


@dataclass(frozen=True)
class NpmAsset:
    """One npm package version and the files taken from its tarball (path inside → name in the folder)."""

    package: str
    version: str
    #: ``dist.integrity`` of that version on the registry (``npm view <package>@<version> dist.integrity``)
    integrity: str
    files: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        return f"{self.package} {self.version}"

    @property
    def folder_name(self) -> str:
        return self.package.rsplit("/", 1)[-1]

    @property
    def tarball_name(self) -> str:
        """The file's name on the registry, and what ``npm pack <package>@<version>`` writes."""
        return f"{self.folder_name}-{self.version}.tgz"

    def tarball_url(self, registry: str) -> str:
        """Where npm keeps the tarball: ``<registry>/<package>/-/<name>-<version>.tgz``."""
        return f"{registry.rstrip('/')}/{self.package}/-/{self.tarball_name}"


ECHARTS = NpmAsset(
    package="echarts",
    version="6.1.0",
    integrity="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
    files=(
        ("package/dist/echarts.min.js", "echarts.min.js"),
        ("package/LICENSE", "LICENSE"),
        ("package/NOTICE", "NOTICE"),
        ("package/licenses/LICENSE-d3", "LICENSE-d3"),
    ),
)
ASSETS: tuple[NpmAsset, ...] = (ECHARTS,)

#: axe-core, the accessibility engine the browser tests inject into the pages (``tests/test_axe.py``).
#: For tests only: fetched by ``yichuang fetchassets --tests`` into ``TEST_VENDOR_DIR``, outside the
#: static folders, so no page can ever serve it.
AXE_CORE = NpmAsset(
    package="axe-core",
    version="4.14.1",
    integrity="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
    files=(("package/axe.min.js", "axe.min.js"), ("package/LICENSE", "LICENSE")),
)
TEST_ASSETS: tuple[NpmAsset, ...] = (AXE_CORE,)
#: Where the test-only assets go: the checkout's ``tests/vendor/`` (gitignored), never a static folder.
TEST_VENDOR_DIR = Path(__file__).resolve().parents[2] / "tests" / "vendor"


class AssetError(Exception):
    """The asset could not be fetched or did not match its pinned integrity; nothing was written."""


def folder_of(asset: NpmAsset, root: Path | None = None) -> Path:
    return (root or VENDOR_DIR) / asset.folder_name


def check_integrity(data: bytes, integrity: str, *, label: str = "") -> None:
    """Raise AssetError unless ``data`` matches the SRI string (``sha512-<base64>``, possibly several
    space-separated; the strongest algorithm listed decides)."""
    expected: dict[str, list[bytes]] = {}
    for token in integrity.split():
        algorithm, _dash, value = token.partition("-")
        if algorithm not in ALGORITHMS or not value:
            continue
        try:
            digest = base64.b64decode(value, validate=True)
        except binascii.Error:
            continue
        expected.setdefault(algorithm, []).append(digest)
    strongest = next((a for a in ALGORITHMS if a in expected), None)
    if strongest is None:
        raise AssetError(
            f"{label} 的校验值 {integrity!r} 无法识别（应为 sha512-…）。Unusable integrity {integrity!r}."
        )
    digest = hashlib.new(strongest, data).digest()
    if digest not in expected[strongest]:
        actual = f"{strongest}-{base64.b64encode(digest).decode()}"
        raise AssetError(
            f"{label} 下载内容的校验值不符，已拒绝使用：应为 {integrity}，实为 {actual}。"
            f"The download does not match its pinned integrity and was refused."
        )


def http_get(url: str) -> bytes:
    """GET ``url``; at most MAX_TARBALL_BYTES."""
    request = urllib.request.Request(url, headers={"User-Agent": "yichuang-fetchassets"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        data: bytes = response.read(MAX_TARBALL_BYTES + 1)
    if len(data) > MAX_TARBALL_BYTES:
        raise AssetError(f"{url} 超过 {MAX_TARBALL_BYTES} 字节，已拒绝。The download is too large.")
    return data


def from_folder(folder: Path) -> Opener:
    """An opener that reads ``<folder>/<file name of the URL>`` instead of downloading it: the offline
    install of a server without internet (政务外网), with tarballs carried over from a machine with it."""

    def read(url: str) -> bytes:
        path = folder / url.rsplit("/", 1)[-1]
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise AssetError(
                f"{path} 不存在：请在联网机器上下载（yichuang fetchassets --list 列出地址）后拷入。"
                f"{path} is missing."
            ) from exc
        if size > MAX_TARBALL_BYTES:
            raise AssetError(f"{path} 超过 {MAX_TARBALL_BYTES} 字节，已拒绝。The file is too large.")
        return path.read_bytes()

    return read


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_stamp(folder: Path) -> dict[str, object] | None:
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def is_current(asset: NpmAsset, root: Path | None = None) -> bool:
    """Whether the folder holds exactly the pinned version: its stamp names the same version and
    integrity, and every file is there with the sha256 recorded when it was extracted."""
    folder = folder_of(asset, root)
    stamp = _read_stamp(folder)
    if stamp is None or stamp.get("version") != asset.version or stamp.get("integrity") != asset.integrity:
        return False
    recorded = stamp.get("files")
    if not isinstance(recorded, dict):
        return False
    for _inside, name in asset.files:
        path = folder / name
        if not path.is_file() or recorded.get(name) != _sha256(path):
            return False
    return True


def _members(data: bytes, asset: NpmAsset) -> dict[str, bytes]:
    """The wanted files of the tarball, read by name: nothing else is unpacked, so a path in the
    archive can never write outside the folder."""
    wanted = dict(asset.files)
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                if member.name not in wanted or member.name in found:
                    continue
                if not member.isfile():
                    raise AssetError(f"{asset.label}：{member.name} 不是普通文件。Not a regular file.")
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have contents
                    raise AssetError(f"{asset.label}：{member.name} 无法读取。")
                found[member.name] = handle.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise AssetError(f"{asset.label} 的压缩包无法解开：{exc}。The tarball cannot be read.") from exc
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise AssetError(f"{asset.label} 的压缩包中缺少 {', '.join(missing)}。Missing from the tarball.")
    return {wanted[inside]: content for inside, content in found.items()}


def _write(folder: Path, files: dict[str, bytes], asset: NpmAsset) -> None:
    """Each file through a temporary name and an atomic rename, the stamp last: an interrupted run
    leaves no stamp that matches, and the next run fetches again."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STAMP).unlink(missing_ok=True)
    for name, content in files.items():
        temporary = folder / f".{name}.part"
        temporary.write_bytes(content)
        os.replace(temporary, folder / name)
    stamp = {
        "package": asset.package,
        "version": asset.version,
        "integrity": asset.integrity,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }
    (folder / STAMP).write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def fetch(
    asset: NpmAsset,
    *,
    registry: str,
    root: Path | None = None,
    opener: Opener = http_get,
    force: bool = False,
) -> bool:
    """Make the asset's folder hold the pinned version. Returns False when it already did (nothing
    downloaded), True after a verified download. Raises AssetError when the registry cannot be
    reached or answers with anything but the pinned bytes; the folder is then left as it was."""
    if not force and is_current(asset, root):
        return False
    url = asset.tarball_url(registry)
    try:
        data = opener(url)
    except urllib.error.HTTPError as exc:
        raise AssetError(
            f"npm 仓库 {registry} 没有提供 {asset.label}（HTTP {exc.code}）：{url}。"
            f"The registry answered HTTP {exc.code}."
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AssetError(
            f"无法连接 npm 仓库下载 {asset.label}：{url}（{reason}）。请检查网络，"
            f"或设置 NPM_REGISTRY 为可访问的镜像，例如 https://registry.npmmirror.com 。"
            f"The npm registry cannot be reached; set NPM_REGISTRY to a mirror."
        ) from exc
    check_integrity(data, asset.integrity, label=asset.label)
    _write(folder_of(asset, root), _members(data, asset), asset)
    return True
