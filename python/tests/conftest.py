"""Shared pytest setup for the sochdb package.

By default the tests import ``sochdb`` from this checkout (``python/``),
which finds the native parts in ``.build/native``. With
``SOCHDB_TEST_INSTALLED=1`` (what ``scripts/test.sh`` sets after
``pip install ./python`` into a fresh virtualenv) they must import the
installed package instead, so a missing install step fails the run.
"""

import os
import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]

if os.environ.get("SOCHDB_TEST_INSTALLED") == "1":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != PYTHON_DIR]
elif str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))


def pytest_report_header(config):
    import sochdb
    from sochdb import _paths

    return [f"sochdb from {Path(sochdb.__file__).parent}", f"libsochdb: {_paths.find_library()}"]


def pytest_sessionstart(session):
    if os.environ.get("SOCHDB_TEST_INSTALLED") == "1":
        import sochdb

        where = Path(sochdb.__file__).resolve()
        if PYTHON_DIR in where.parents:
            raise pytest.UsageError(f"SOCHDB_TEST_INSTALLED=1 but sochdb was imported from the checkout ({where})")
        from sochdb import _paths

        # The installed package must carry its native parts: no test may skip for want of them.
        bundled = Path(sochdb.__file__).resolve().parent
        for found in (_paths.find_library(), *(_paths.find_binary(b) for b in ("sochdb-bulk", "sochdb-server", "sochdb-grpc-server"))):
            if found is None or bundled not in found.resolve().parents:
                raise pytest.UsageError(f"the installed package does not bundle its native parts (found {found})")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Runs the test with the working directory in a fresh temporary folder,
    so the seed's relative paths ("./my_database") land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
