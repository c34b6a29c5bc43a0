"""The exceptions of the SochDB SDK.

Every error SochDB reports carries a stable integer ``code`` shared by the
Swift library, the C ABI (``include/sochdb.h``) and the IPC protocol
(``docs/errors.md``). :func:`error_for_code` maps a code to the class a
caller catches:

=================  ==========================================================
class              codes
=================  ==========================================================
TransactionError   600 conflict, 601 finished, 820/821 SQL transaction state
ConnectionError    700 (server unreachable or gone)
ProtocolError      701 malformed frame or payload, 702 limit exceeded
TriggerAbort       840 a trigger refused the statement (``code`` is the trigger's own)
DatabaseError      everything else (bad input 1xx/8xx, corruption 2xx, I/O 3xx,
                   not found 4xx, closed 5xx, 841 trigger failed, internal 799)
=================  ==========================================================

``InvalidArgumentError`` (codes 100-199 but 121/122, and 800-819) is also a
``ValueError``, so callers may catch either the SochDB or the Python idiom;
``NotFoundError`` (4xx, 121) and ``AlreadyExistsError`` (122) are subclasses of
``DatabaseError``.

"""

from __future__ import annotations

import re
from typing import Optional

__all__ = [
    "SochDBError",
    "ConnectionError",
    "TransactionError",
    "ProtocolError",
    "DatabaseError",
    "InvalidArgumentError",
    "NotFoundError",
    "AlreadyExistsError",
    "TriggerAbort",
    "error_for_code",
]


class SochDBError(Exception):
    """Base class of every SochDB exception; ``code`` is the stable error code (or None)."""

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code


class ConnectionError(SochDBError):  # noqa: A001 - the seed's name
    """The server could not be reached, or the connection was lost."""


class TransactionError(SochDBError):
    """A transaction conflicted, or was used after commit or abort."""


class ProtocolError(SochDBError):
    """A malformed frame or payload, or a server limit that closed the connection."""


class DatabaseError(SochDBError):
    """A database operation failed (bad input, corruption, I/O, not found, closed)."""


class InvalidArgumentError(DatabaseError, ValueError):
    """An argument was refused (key too long, bad name, bad SQL, bad TOON, wrong dimension)."""


class NotFoundError(DatabaseError):
    """The named thing (collection, index file, vector id) does not exist."""


class AlreadyExistsError(DatabaseError):
    """Creating something whose name is taken (a collection; a socket another server listens on)."""


class TriggerAbort(SochDBError):
    """Raised by trigger code to abort the operation; ``code`` is the trigger's own string code."""

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        Exception.__init__(self, message)
        self.code = code  # type: ignore[assignment]


_ABORT = re.compile(r"^trigger (\S+) aborted the statement: (.*?)(?: \[([^\]]*)\])?$", re.S)


def error_for_code(code: int, message: str) -> SochDBError:
    """The exception for a SochDB error code (docs/errors.md) with its message."""
    if code == 840:
        # A refusal by a trigger outside Python (a C or Swift trigger); a
        # Python plugin's own TriggerAbort is re-raised as itself instead.
        # The engine's text is "trigger NAME aborted the statement: MESSAGE [CODE]".
        match = _ABORT.match(message)
        if match is None:
            return TriggerAbort(message)
        abort = TriggerAbort(match.group(2), code=match.group(3))
        abort.plugin = match.group(1)  # type: ignore[attr-defined]
        return abort
    if code == 842:
        return AlreadyExistsError(message, code)
    if code == 843:
        return NotFoundError(message, code)
    if code in (600, 601, 820, 821):
        return TransactionError(message, code)
    if code == 700:
        return ConnectionError(message, code)
    if code in (701, 702):
        return ProtocolError(message, code)
    if code == 121:
        return NotFoundError(message, code)
    if code == 122:
        return AlreadyExistsError(message, code)
    if 100 <= code < 200 or 800 <= code < 820:
        return InvalidArgumentError(message, code)
    if 400 <= code < 500:
        return NotFoundError(message, code)
    return DatabaseError(message, code)
