"""Where the SDK finds its native parts: ``libsochdb.so`` and the binaries.

Resolution order (the seed's, after an explicit override):

1. an override: ``SOCHDB_LIB_PATH`` (the library file or a folder holding
   it) for the library, ``SOCHDB_BIN_PATH`` (a folder) for the binaries;
2. bundled in the installed package: ``sochdb/_bin/<platform>/<name>``
   (``<platform>`` is ``linux-x86_64``, ``linux-aarch64``, ``darwin-arm64``...);
   the library is ``sochdb/_lib/libsochdb.so``;
3. the system ``PATH`` (binaries only);
4. the checkout this package was installed from (development):
   ``<repo>/.build/native/{lib,bin}`` (what ``scripts/build-native.sh``
   installs), then the SwiftPM folders ``<repo>/.build/release`` and
   ``<repo>/.build/debug`` (where the library is ``libsochdb-ffi.so``).
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path
from typing import List, Optional

_PACKAGE_DIR = Path(__file__).resolve().parent


def platform_tag() -> str:
    """This machine's folder name under ``_bin/``: ``<os>-<machine>``, e.g. ``linux-x86_64``."""
    return f"{sys.platform}-{platform.machine().lower()}"


def library_file_name() -> str:
    return "libsochdb.dylib" if sys.platform == "darwin" else "libsochdb.so"


def _build_folders() -> List[Path]:
    # The package lives at <repo>/python/sochdb when installed editable or
    # imported from the checkout.
    roots = [_PACKAGE_DIR.parent.parent]
    out = []
    for root in roots:
        out += [root / ".build" / "native" / "lib", root / ".build" / "native" / "bin"]
        out += [root / ".build" / config for config in ("release", "debug")]
    return out


def find_library() -> Optional[Path]:
    """The path of ``libsochdb`` by the resolution order, or None."""
    name = library_file_name()
    candidates = []
    override = os.environ.get("SOCHDB_LIB_PATH")
    if override:
        candidates.append(Path(override) / name if Path(override).is_dir() else Path(override))
    candidates.append(_PACKAGE_DIR / "_lib" / name)
    for folder in _build_folders():
        candidates += [folder / name, folder / name.replace("libsochdb", "libsochdb-ffi")]
    for c in candidates:
        if c.is_file():
            return c
    return None


def _is_script(path: Path) -> bool:
    """True for an interpreter script (this package's own console-script
    wrapper of the same name), which must not be mistaken for the binary."""
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return True


def find_binary(name: str) -> Optional[Path]:
    """The path of a SochDB binary (``sochdb-bulk``, ``sochdb-server``...) by the resolution order, or None."""
    override = os.environ.get("SOCHDB_BIN_PATH")
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    bundled = _PACKAGE_DIR / "_bin" / platform_tag() / name
    if bundled.is_file() and os.access(bundled, os.X_OK):
        return bundled
    on_path = shutil.which(name)
    if on_path and not _is_script(Path(on_path)):
        return Path(on_path)
    for folder in _build_folders():
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None
