"""Builds the native parts of the sochdb package from the checkout it lives in.

``pip install ./python`` (or ``pip wheel ./python``) runs
``scripts/build-native.sh`` (a release ``swift build`` of libsochdb,
sochdb-bulk and sochdb-server) and bundles the results into the package:
``sochdb/_lib/libsochdb.so`` and ``sochdb/_bin/<platform>/``. The wheel is
platform-specific. ``SOCHDB_SKIP_NATIVE_BUILD=1`` skips the Swift build and
bundles what ``.build/native`` already holds.
"""

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def platform_tag() -> str:
    return f"{sys.platform}-{platform.machine().lower()}"


class BuildNative(build_py):
    """build_py that first builds and bundles the Swift library and binaries."""

    def run(self):
        native = REPO / ".build" / "native"
        if os.environ.get("SOCHDB_SKIP_NATIVE_BUILD") != "1":
            script = REPO / "scripts" / "build-native.sh"
            if not script.is_file():
                raise SystemExit(f"{script} not found: build the sochdb package from a SochDB checkout")
            subprocess.check_call(["bash", str(script), "--prefix", str(native)])
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install finds .build/native in the checkout
        target = Path(self.build_lib) / "sochdb"
        lib_name = "libsochdb.dylib" if sys.platform == "darwin" else "libsochdb.so"
        (target / "_lib").mkdir(parents=True, exist_ok=True)
        shutil.copy2(native / "lib" / lib_name, target / "_lib" / lib_name)
        bin_dir = target / "_bin" / platform_tag()
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name in ("sochdb-bulk", "sochdb-server", "sochdb-grpc-server"):
            shutil.copy2(native / "bin" / name, bin_dir / name)


class BinaryDistribution(Distribution):
    """Native code inside: the wheel is tagged for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildNative}, distclass=BinaryDistribution)
