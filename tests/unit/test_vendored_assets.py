"""The third-party front-end files committed in the repository are those `make vendor` fetches,
and the pages point at them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "inventory" / "static"


def makefile_version(name: str) -> str:
    match = re.search(rf"^{name}\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, name
    return match[1]


def camera_decoder_dir() -> Path:
    match = re.search(r'DECODER_DIR = "/static/(vendor/[^"]+)/"',
                      (STATIC / "camera.js").read_text())
    assert match
    return STATIC / match[1]


def test_the_camera_script_loads_the_decoder_version_that_make_vendor_fetches():
    folder = camera_decoder_dir()
    assert folder.name == f"barcode-detector-{makefile_version('BARCODE_DETECTOR')}"
    for name in ("ponyfill.js", "zxing_reader.wasm", "LICENSE", "LICENSE.zxing-wasm",
                 "LICENSE.zxing-cpp", "NOTICE"):
        assert (folder / name).is_file(), name


def test_the_wasm_is_the_one_the_decoder_script_was_built_for():
    folder = camera_decoder_dir()
    script = (folder / "ponyfill.js").read_text()
    digest = hashlib.sha256((folder / "zxing_reader.wasm").read_bytes()).hexdigest()
    assert digest in script
    assert f"zxing-wasm@{makefile_version('ZXING_WASM')}/" in script


def test_the_decoder_never_fetches_its_wasm_from_a_cdn_by_itself():
    """The package's default .wasm address is a CDN: camera.js must override it."""
    camera = (STATIC / "camera.js").read_text()
    assert "prepareZXingModule" in camera and "locateFile" in camera
    assert "://" not in camera  # every address in it is on this server


def test_axe_core_for_the_browser_tests_is_the_version_make_vendor_fetches():
    folder = ROOT / "tests" / "e2e" / "vendor" / f"axe-core-{makefile_version('AXE_CORE')}"
    assert (folder / "axe.min.js").is_file() and (folder / "LICENSE").is_file()
    assert folder.name in (ROOT / "tests" / "e2e" / "test_accessibility.py").read_text()
