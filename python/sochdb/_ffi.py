"""ctypes bindings of libsochdb (the C ABI in ``include/sochdb.h``).

Internal: the public classes in :mod:`sochdb.database` and
:mod:`sochdb.collection` wrap these calls. The library is loaded once, on
first use, from the place :func:`sochdb._paths.find_library` names. ctypes
releases the GIL for the duration of every call, so calls from several
Python threads run in parallel inside the library (which is thread-safe).
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import POINTER, byref, c_char_p, c_float, c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Optional

from . import _paths
from .errors import DatabaseError, error_for_code

ABI_VERSION = 1

_lib: Optional[ctypes.CDLL] = None
_lock = threading.Lock()

_P = c_void_p  # every handle is an opaque pointer
_OUT_P = POINTER(c_void_p)
_OUT_SIZE = POINTER(c_size_t)
_OUT_I32 = POINTER(c_int32)
_OUT_U64 = POINTER(c_uint64)
_FP = POINTER(c_float)

# int32_t (*sochdb_trigger_fn)(void *user_data, sochdb_trigger_call *call,
#                              const char *event_json, size_t event_len)
TRIGGER_FN = ctypes.CFUNCTYPE(c_int32, c_void_p, c_void_p, c_void_p, c_size_t)
# void (*release)(void *user_data)
RELEASE_FN = ctypes.CFUNCTYPE(None, c_void_p)

# name -> (restype, argtypes)
_SIGNATURES = {
    "sochdb_abi_version": (c_int32, []),
    "sochdb_version": (c_char_p, []),
    "sochdb_last_error_message": (c_char_p, []),
    "sochdb_free": (None, [c_void_p]),
    "sochdb_open": (c_int32, [c_char_p, c_char_p, _OUT_P]),
    "sochdb_close": (c_int32, [_P]),
    "sochdb_db_close": (c_int32, [_P]),
    "sochdb_db_free": (None, [_P]),
    "sochdb_put": (c_int32, [_P, c_char_p, c_size_t, c_char_p, c_size_t, _OUT_U64]),
    "sochdb_get": (c_int32, [_P, c_char_p, c_size_t, _OUT_P, _OUT_SIZE, _OUT_I32]),
    "sochdb_delete": (c_int32, [_P, c_char_p, c_size_t, _OUT_U64]),
    "sochdb_put_path": (c_int32, [_P, c_char_p, c_char_p, c_size_t, _OUT_U64]),
    "sochdb_get_path": (c_int32, [_P, c_char_p, _OUT_P, _OUT_SIZE, _OUT_I32]),
    "sochdb_delete_path": (c_int32, [_P, c_char_p, _OUT_U64]),
    "sochdb_checkpoint": (c_int32, [_P, _OUT_U64]),
    "sochdb_stats_json": (c_int32, [_P, _OUT_P]),
    "sochdb_scan_open": (c_int32, [_P, c_char_p, c_size_t, c_char_p, c_size_t, _OUT_P]),
    "sochdb_scan_next": (c_int32, [_P, c_size_t, _OUT_P, _OUT_SIZE, _OUT_SIZE]),
    "sochdb_scan_close": (None, [_P]),
    "sochdb_txn_begin": (c_int32, [_P, _OUT_P]),
    "sochdb_txn_id": (c_uint64, [_P]),
    "sochdb_txn_put": (c_int32, [_P, c_char_p, c_size_t, c_char_p, c_size_t]),
    "sochdb_txn_get": (c_int32, [_P, c_char_p, c_size_t, _OUT_P, _OUT_SIZE, _OUT_I32]),
    "sochdb_txn_delete": (c_int32, [_P, c_char_p, c_size_t]),
    "sochdb_txn_put_path": (c_int32, [_P, c_char_p, c_char_p, c_size_t]),
    "sochdb_txn_get_path": (c_int32, [_P, c_char_p, _OUT_P, _OUT_SIZE, _OUT_I32]),
    "sochdb_txn_delete_path": (c_int32, [_P, c_char_p]),
    "sochdb_txn_scan_open": (c_int32, [_P, c_char_p, c_size_t, c_char_p, c_size_t, _OUT_P]),
    "sochdb_txn_execute": (c_int32, [_P, c_char_p, c_char_p, c_int32, _OUT_P, _OUT_SIZE]),
    "sochdb_txn_commit": (c_int32, [_P, _OUT_U64]),
    "sochdb_txn_abort": (c_int32, [_P]),
    "sochdb_txn_free": (None, [_P]),
    "sochdb_execute": (c_int32, [_P, c_char_p, c_char_p, c_int32, _OUT_P, _OUT_SIZE]),
    "sochdb_trigger_register": (c_int32, [_P, c_char_p, c_char_p, c_uint32, TRIGGER_FN, c_void_p, RELEASE_FN]),
    "sochdb_trigger_unregister": (c_int32, [_P, c_char_p]),
    "sochdb_trigger_list": (c_int32, [_P, _OUT_P, _OUT_SIZE]),
    "sochdb_trigger_call_txn": (c_int32, [_P, _OUT_P]),
    "sochdb_trigger_set_row": (c_int32, [_P, c_char_p, c_size_t]),
    "sochdb_trigger_abort": (c_int32, [_P, c_char_p, c_char_p]),
    "sochdb_trigger_fail": (c_int32, [_P, c_char_p]),
    "sochdb_toon_encode": (c_int32, [c_char_p, c_char_p, c_char_p, _OUT_P]),
    "sochdb_toon_decode": (c_int32, [c_char_p, _OUT_P]),
    "sochdb_collection_create": (c_int32, [_P, c_char_p, c_size_t, c_char_p, c_size_t, c_size_t, _OUT_P]),
    "sochdb_collection_open": (c_int32, [_P, c_char_p, _OUT_P]),
    "sochdb_collection_release": (None, [_P]),
    "sochdb_collection_drop": (c_int32, [_P, c_char_p]),
    "sochdb_collection_list": (c_int32, [_P, _OUT_P]),
    "sochdb_collection_info": (c_int32, [_P, _OUT_P]),
    "sochdb_collection_count": (c_int32, [_P, _OUT_U64]),
    "sochdb_collection_upsert": (c_int32, [_P, c_size_t, c_char_p, POINTER(c_uint64), _FP, c_size_t, c_char_p,
                                            _OUT_U64]),
    "sochdb_collection_search": (c_int32, [_P, _FP, c_size_t, c_size_t, c_size_t, c_size_t, c_char_p, c_int32,
                                            _FP, POINTER(c_uint32), _OUT_P]),
    "sochdb_collection_get": (c_int32, [_P, c_char_p, c_size_t, _FP, c_size_t, _OUT_P, _OUT_I32]),
    "sochdb_collection_delete": (c_int32, [_P, c_char_p, c_size_t, _OUT_I32]),
    "sochdb_index_build": (c_int32, [_FP, c_size_t, c_size_t, c_char_p, c_char_p, _OUT_P]),
    "sochdb_index_build_file": (c_int32, [c_char_p, c_char_p, c_char_p, _OUT_P]),
    "sochdb_index_open": (c_int32, [c_char_p, _OUT_P]),
    "sochdb_index_close": (None, [_P]),
    "sochdb_index_search": (c_int32, [_P, _FP, c_size_t, c_size_t, c_size_t, c_size_t, c_size_t,
                                       POINTER(c_int64), _FP]),
    "sochdb_index_info": (c_int32, [_P, _OUT_P]),
}


def lib() -> ctypes.CDLL:
    """The loaded library, with every prototype declared (loads it on first call)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = _paths.find_library()
            if path is None:
                raise DatabaseError(
                    "could not find libsochdb: install the package with `pip install ./python` "
                    "(which builds it), set SOCHDB_LIB_PATH to the folder holding "
                    f"{_paths.library_file_name()}, or run `bash scripts/build-native.sh`"
                )
            try:
                loaded = ctypes.CDLL(str(path))
            except OSError as e:
                raise DatabaseError(f"could not load {path}: {e}") from e
            for name, (restype, argtypes) in _SIGNATURES.items():
                fn = getattr(loaded, name)
                fn.restype = restype
                fn.argtypes = argtypes
            version = loaded.sochdb_abi_version()
            if version != ABI_VERSION:
                raise DatabaseError(f"{path} speaks C ABI version {version}; this package needs {ABI_VERSION}")
            _lib = loaded
    return _lib


# The exception a Python trigger raised, per thread, until the call that ran
# the trigger returns its failure (840/841) and check() raises it as itself.
_trigger_failure = threading.local()


def stash_trigger_failure(error: BaseException, message: str) -> None:
    """Keeps ``error`` (raised by a Python trigger on this thread, reported
    to the library with ``message``) for the check() of the SochDB call
    whose statement it fails."""
    _trigger_failure.error = error
    _trigger_failure.message = message


def check(code: int) -> None:
    """Raises the exception for a non-zero return code of the library."""
    if code != 0:
        message = lib().sochdb_last_error_message() or b""
        text = message.decode("utf-8", "replace")
        if code in (840, 841):
            pending = getattr(_trigger_failure, "error", None)
            if pending is not None:
                _trigger_failure.error = None
                # Only the failure this error reports: a stale one (from a
                # statement whose failure a caller swallowed) is dropped.
                if _trigger_failure.message in text:
                    raise pending
        raise error_for_code(code, text)


def take_bytes(pointer: c_void_p, length: int) -> bytes:
    """Copies a buffer the library returned, then frees it."""
    if not pointer.value:
        return b""
    try:
        return ctypes.string_at(pointer.value, length)
    finally:
        lib().sochdb_free(pointer)


def take_text(pointer: c_void_p) -> str:
    """Decodes a NUL-terminated UTF-8 buffer the library returned, then frees it."""
    if not pointer.value:
        return ""
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib().sochdb_free(pointer)


__all__ = ["lib", "check", "stash_trigger_failure", "TRIGGER_FN", "RELEASE_FN", "take_bytes", "take_text", "byref", "c_void_p", "c_size_t", "c_int32", "c_uint64"]
