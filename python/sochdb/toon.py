"""TOON, the token-efficient table text for LLM context (docs/formats/toon.md).

``to_toon("users", records)`` gives ``users[2]{id,name}:1,Alice;2,Bob``;
``from_toon`` parses it back to ``(table, fields, records)``. Both run the
engine's own codec through the C ABI, so Python and Swift agree byte for
byte; errors are :class:`sochdb.errors.InvalidArgumentError` (codes 130-143)
naming the position.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._ffi import byref, c_void_p, check, lib, take_text
from .errors import InvalidArgumentError

__all__ = ["to_toon", "from_toon"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a TOON value must be None, bool, int, float, str, list or dict, not {type(value).__name__}")


def to_toon(table: str, records: Sequence[Mapping[str, Any]], fields: Optional[Sequence[str]] = None) -> str:
    """Encodes ``records`` (dicts) as the TOON table ``table``.

    ``fields`` selects and orders the columns; by default every key, in the
    order keys first appear in the records. A record missing a field gets
    an empty cell (null)."""
    if not isinstance(table, str):
        raise TypeError(f"table must be str, not {type(table).__name__}")
    if isinstance(records, Mapping) or not isinstance(records, Sequence):
        raise TypeError("records must be a sequence of dicts")
    for r in records:
        if not isinstance(r, Mapping):
            raise TypeError(f"every record must be a dict, not {type(r).__name__}")
    if fields is None:
        seen: Dict[str, None] = {}
        for r in records:
            for k in r:
                seen.setdefault(str(k), None)
        fields = list(seen)
    elif isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
        raise TypeError("fields must be a sequence of str")
    try:
        records_json = json.dumps([_jsonable(r) for r in records], allow_nan=False)
    except ValueError:
        raise InvalidArgumentError("TOON cannot hold NaN or infinity", 142) from None
    out = c_void_p()
    check(lib().sochdb_toon_encode(table.encode("utf-8"), records_json.encode("utf-8"),
                                   json.dumps(list(fields)).encode("utf-8"), byref(out)))
    return take_text(out)


def from_toon(toon_str: str) -> Tuple[str, List[str], List[Dict[str, Any]]]:
    """``(table, fields, records)`` of a TOON table; each record's keys in field order."""
    if not isinstance(toon_str, str):
        raise TypeError(f"toon_str must be str, not {type(toon_str).__name__}")
    out = c_void_p()
    check(lib().sochdb_toon_decode(toon_str.encode("utf-8"), byref(out)))
    doc = json.loads(take_text(out))
    return doc["table"], doc["fields"], doc["records"]
