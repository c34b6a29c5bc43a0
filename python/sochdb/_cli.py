"""Console scripts ``sochdb-server``, ``sochdb-grpc-server`` and ``sochdb-bulk``: run the bundled
binaries (found as :func:`sochdb._paths.find_binary` says) with the same
arguments, replacing this process."""

from __future__ import annotations

import os
import sys

from ._paths import find_binary


def _exec(name: str) -> None:
    path = find_binary(name)
    if path is None:
        sys.stderr.write(f"{name}: binary not found (reinstall the sochdb package, or set SOCHDB_BIN_PATH)\n")
        raise SystemExit(127)
    os.execv(str(path), [name, *sys.argv[1:]])


def server() -> None:
    _exec("sochdb-server")


def bulk() -> None:
    _exec("sochdb-bulk")


def grpc_server() -> None:
    _exec("sochdb-grpc-server")
