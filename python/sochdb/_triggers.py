"""The engine side of Python plugins: a registry bound to an open Database.

Internal. :class:`DatabasePlugins` is the :class:`~sochdb.plugins.PluginRegistry`
of ``db.plugins``. Registering a plugin there also registers, per table it
binds, one engine trigger (``sochdb_trigger_register`` in include/sochdb.h,
named ``plugin:<plugin>:<table>``) whose C callback runs the plugin's
handlers. The engine calls it on the thread running the statement, inside
the ctypes call that runs it; ctypes takes the GIL for the callback.

Nothing may escape a ctypes callback, so the callback catches everything:
a ``TriggerAbort`` is reported to the engine with ``sochdb_trigger_abort``
and any other exception with ``sochdb_trigger_fail``; the exception itself
is kept per thread (``_ffi.stash_trigger_failure``) and re-raised, as the
very same object, by the ``check()`` of the call whose statement it failed.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

import itertools
import threading
import weakref

from ._ffi import RELEASE_FN, TRIGGER_FN, check, lib, stash_trigger_failure
from .database import _param, _sql_value
from .plugins import PluginExecutionError, PluginRegistry, TriggerContext, TriggerEvent, _Loaded, _takes_context
from .errors import DatabaseError, TriggerAbort

# SOCHDB_TRIGGER_* bits (include/sochdb.h), in TriggerEvent order.
_BITS = {event: 1 << i for i, event in enumerate(TriggerEvent)}
_CHANGES_ROW = (TriggerEvent.BEFORE_INSERT, TriggerEvent.BEFORE_UPDATE)

# Every binding the engine may still call, by the key passed as its user
# data: a statement that started before an unregister still runs the
# trigger, so its C function must live until the engine releases it.
_alive: Dict[int, "_TableBinding"] = {}
_alive_lock = threading.Lock()
_keys = itertools.count(1)


def _release(user_data: Optional[int]) -> None:
    try:
        with _alive_lock:
            _alive.pop(user_data or 0, None)
    except BaseException:  # at interpreter exit the module may be half gone
        pass


_RELEASE = RELEASE_FN(_release)  # module-level: lives as long as the library


def _decode_row(row: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """A row of the engine's event JSON with its blobs as bytes."""
    return None if row is None else {column: _sql_value(value) for column, value in row.items()}


class _TableBinding:
    """One plugin's handlers on one table, as one engine trigger."""

    def __init__(self, db, plugin: str, table: str, handlers: Dict[TriggerEvent, Callable]) -> None:
        # Weak: the engine keeps the binding alive (until it releases it) and
        # must not keep an unclosed Database from being collected and freed.
        self.db = weakref.ref(db)
        self.plugin = plugin
        self.name = f"plugin:{plugin}:{table}"
        # By the event's string, as the engine's JSON names it.
        self.handlers = {event.value: (event, handler, _takes_context(handler)) for event, handler in handlers.items()}
        self.mask = sum(_BITS[event] for event in handlers)
        self.function = TRIGGER_FN(self._callback)  # kept alive as long as the binding

    def _callback(self, _user_data: Any, call: int, event_json: int, event_len: int) -> int:
        # Nothing may escape a ctypes callback (ctypes would print it and
        # return an undefined status): whatever even the reporting raises
        # fails the statement.
        try:
            return self._run(call, event_json, event_len)
        except BaseException:
            return 1

    def _transaction(self, call: int):
        db = self.db()
        if db is None:
            raise DatabaseError("the database of this trigger is gone")
        return db._trigger_transaction(call)

    def _run(self, call: int, event_json: int, event_len: int) -> int:
        context: Optional[TriggerContext] = None
        handler_name = "the trigger callback"
        try:
            info = json.loads(ctypes.string_at(event_json, event_len))
            event, handler, takes_context = self.handlers[info["event"]]
            handler_name = event.handler_name
            old = _decode_row(info["old"])
            if event is TriggerEvent.ON_BATCH:
                batch = info["batch"]
                argument: Dict[str, Any] = {
                    "table": info["table"],
                    "operation": info["operation"],
                    "rows": [_decode_row(c["new"] if c["new"] is not None else c["old"]) for c in batch],
                    "old_rows": [_decode_row(c["old"]) for c in batch],
                }
            else:
                argument = _decode_row(info["row"]) if info["row"] is not None else old
            original = dict(argument) if event in _CHANGES_ROW else None
            if takes_context:
                context = TriggerContext(event, info["table"], info["operation"], old, self.plugin,
                                         lambda: self._transaction(call))
                result = handler(argument, context)
            else:
                result = handler(argument)
            if original is not None:
                row = argument if result is None else result
                if not isinstance(row, dict):
                    if not hasattr(row, "keys"):
                        raise TypeError(f"returned {type(row).__name__}, expected a dict or None")
                    row = dict(row)
                if row != original:
                    changed = json.dumps({k: _param(v) for k, v in row.items()}).encode("utf-8")
                    check(lib().sochdb_trigger_set_row(call, changed, len(changed)))
            return 0
        except TriggerAbort as abort:
            if getattr(abort, "plugin", None) is None:
                abort.plugin = self.plugin  # type: ignore[attr-defined]
            message = str(abort)
            stash_trigger_failure(abort, message)
            code = None if abort.code is None else str(abort.code).encode("utf-8")
            lib().sochdb_trigger_abort(call, message.encode("utf-8"), code)
            return 1
        except PluginExecutionError as failure:  # a nested statement's plugin failed: keep it
            message = str(failure)
            stash_trigger_failure(failure, message)
            lib().sochdb_trigger_fail(call, message.encode("utf-8"))
            return 1
        except Exception as e:
            failure = PluginExecutionError(self.plugin, handler_name, f"{type(e).__name__}: {e}")
            failure.__cause__ = e
            message = str(failure)
            stash_trigger_failure(failure, message)
            lib().sochdb_trigger_fail(call, message.encode("utf-8"))
            return 1
        except BaseException as e:  # KeyboardInterrupt, SystemExit: fail the statement, then re-raise
            message = f"plugin {self.plugin} interrupted: {type(e).__name__}"
            stash_trigger_failure(e, message)
            lib().sochdb_trigger_fail(call, message.encode("utf-8"))
            return 1
        finally:
            if context is not None:
                context._close()


class DatabasePlugins(PluginRegistry):
    """``db.plugins``: a plugin registry whose triggers the engine fires on
    the database's SQL writes (see :mod:`sochdb.plugins`)."""

    def __init__(self, db) -> None:
        super().__init__()
        self._db_ref = weakref.ref(db)
        self._bindings: Dict[str, List[_TableBinding]] = {}

    @property
    def _db(self):
        db = self._db_ref()
        if db is None:
            raise DatabaseError("the database of this registry is gone")
        return db

    def _attach(self, loaded: _Loaded) -> None:
        name = loaded.plugin.name
        tables: List[str] = []
        for table, _, _ in loaded.bindings:
            if table not in tables:
                tables.append(table)
        bound: List[_TableBinding] = []
        try:
            for table in tables:
                binding = _TableBinding(self._db, name, table, loaded.handlers(table))
                key = next(_keys)
                with _alive_lock:
                    _alive[key] = binding
                try:
                    check(lib().sochdb_trigger_register(self._db._live(), binding.name.encode("utf-8"),
                                                        table.encode("utf-8"), binding.mask, binding.function,
                                                        key, _RELEASE))
                except BaseException:
                    _release(key)  # not registered: the engine never releases it
                    raise
                bound.append(binding)
        except BaseException:
            for binding in bound:
                lib().sochdb_trigger_unregister(self._db._live(), binding.name.encode("utf-8"))
            raise
        self._bindings[name] = bound

    def _detach(self, loaded: _Loaded) -> None:
        for binding in self._bindings.pop(loaded.plugin.name, []):
            if not self._db._closed:
                lib().sochdb_trigger_unregister(self._db._live(), binding.name.encode("utf-8"))

    def __repr__(self) -> str:
        return f"<sochdb plugins of {self._db.path!r}: {self.list_plugins()!r}>"

