"""Python plugins: row triggers written in Python.

A :class:`PythonPlugin` is a named piece of Python source that defines one
handler function per trigger event it is bound to::

    def on_before_insert(row: dict) -> dict:
        if "@" not in row.get("email", ""):
            raise TriggerAbort("Invalid email format", code="INVALID_EMAIL")
        row["email"] = row["email"].strip().lower()
        return row

A :class:`PluginRegistry` holds plugins and *fires* them:
``registry.fire("users", TriggerEvent.BEFORE_INSERT, row)`` runs the
``on_before_insert`` handler of every plugin bound to ``("users",
BEFORE INSERT)`` and returns the resulting row.

Handlers
--------
==============  =====================
event           handler function name
==============  =====================
BEFORE INSERT   ``on_before_insert``
AFTER INSERT    ``on_after_insert``
BEFORE UPDATE   ``on_before_update``
AFTER UPDATE    ``on_after_update``
BEFORE DELETE   ``on_before_delete``
AFTER DELETE    ``on_after_delete``
ON BATCH        ``on_batch``
==============  =====================

Each handler takes one ``dict`` and returns a ``dict`` (the row to pass on)
or ``None`` (keep the row it was given, including any changes it made in
place).

What :meth:`PluginRegistry.register` does
-----------------------------------------
* checks that every name in ``packages`` can be imported (else
  ``ModuleNotFoundError`` naming the plugin and the package);
* compiles ``code`` once (a syntax error raises ``SyntaxError`` there, with
  the file name ``<plugin NAME>`` and the line, never later at fire time);
* runs it once in a namespace of its own, where ``TriggerAbort`` and
  ``TriggerEvent`` are predefined (the plugin's imports and globals live
  there, not in any module of yours);
* checks that the code defines the handler of every event the plugin is
  bound to (else ``ValueError``);
* takes a snapshot of the plugin: changing the ``PythonPlugin`` object
  afterwards (``with_trigger``...) has no effect until it is unregistered and
  registered again.

What :meth:`PluginRegistry.fire` guarantees
-------------------------------------------
* The plugins bound to ``(table, event)`` run in the order they were
  registered. Table names match case-insensitively, as SQL names do in
  SochDB.
* The first handler receives a deep copy of the caller's row: the caller's
  dict (and anything nested in it) is never modified. Each next handler
  receives what the previous one returned (``None`` keeps the row). The
  result is always a new dict, also when no plugin is bound.
* A handler raising :class:`TriggerAbort` stops the chain; the very same
  exception (its message and ``code``) reaches the caller, with a
  ``plugin`` attribute naming the plugin that raised it.
* Any other exception stops the chain and is raised as
  :class:`PluginExecutionError` (a ``RuntimeError``),
  ``"plugin NAME failed in HANDLER: Type: message"``, chained from the
  original (``__cause__``). A handler returning something other than a
  mapping or ``None`` fails the same way.
* ``KeyboardInterrupt`` and ``SystemExit`` are not caught.
* Registering, unregistering and firing may happen from several threads;
  ``fire`` runs with the set of plugins bound when it started.

Plugin code is ordinary Python running in this process with all of its
rights: it is not a sandbox. Register only code you trust.

Firing by the engine
--------------------
A registry bound to an open database fires its triggers on every SQL
``INSERT`` (also ``INSERT ... SELECT`` and ``OR REPLACE``), ``UPDATE`` and
``DELETE`` of the bound tables, through ``execute_sql``, ``execute`` and
``Transaction.execute`` alike::

    db.register_plugin(plugin)          # same as db.plugins.register(plugin)
    db.execute_sql("INSERT INTO users (name, email) VALUES ('Bob', 'nope')")
    # -> TriggerAbort("Invalid email format", code="INVALID_EMAIL"); nothing written

* BEFORE handlers run per row, before it is written: ``on_before_insert(row)``
  gets the new row (all columns) and returns the row to write (or ``None``
  to keep it, with any change made in place); the result is type-checked
  like any inserted row, and a key that is not a column fails the statement.
  ``on_before_update(row)`` is the same for the row after the ``SET``;
  ``on_before_delete(row)`` gets the row being deleted (what it returns is
  ignored).
* AFTER handlers get the row as stored (the deleted row for DELETE) once
  all the statement's rows are written; ``on_batch(batch)`` runs last, once
  per statement that touched a row, with ``{"table", "operation", "rows",
  "old_rows"}``.
* A handler that takes a second parameter gets a :class:`TriggerContext`:
  ``context.old`` (the row before an UPDATE), and ``context.execute_sql``,
  ``put``, ``get`` and ``delete`` in the statement's transaction: what it
  writes commits or vanishes with the statement. A BEFORE handler may only
  read (SELECT, ``get``); no handler may change the schema.
* ``TriggerAbort`` raised in a handler reaches the caller of ``execute_sql``
  as that same exception, with its ``code``; any other exception as
  :class:`PluginExecutionError` (a :class:`DatabaseError`) naming the
  plugin. Either way nothing of the statement is written.

``registry.fire`` still runs handlers by hand, with no database. See
docs/triggers.md for the whole model (order, re-entrancy, retries).
"""

from __future__ import annotations

import builtins
import copy
import inspect
import importlib.metadata
import importlib.util
import linecache
import re
import textwrap
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from .errors import DatabaseError, TriggerAbort

__all__ = [
    "PythonPlugin",
    "PluginRegistry",
    "TriggerEvent",
    "TriggerAbort",
    "PluginExecutionError",
    "TriggerContext",
]


class TriggerEvent(str, Enum):
    """When a trigger runs. Each value is the string used in ``PythonPlugin.triggers``.

    Members compare equal to their strings (``TriggerEvent.BEFORE_INSERT ==
    "BEFORE INSERT"``); :meth:`parse` also accepts ``"before_insert"`` and
    other spellings differing only in case, underscores or spaces.
    """

    BEFORE_INSERT = "BEFORE INSERT"
    AFTER_INSERT = "AFTER INSERT"
    BEFORE_UPDATE = "BEFORE UPDATE"
    AFTER_UPDATE = "AFTER UPDATE"
    BEFORE_DELETE = "BEFORE DELETE"
    AFTER_DELETE = "AFTER DELETE"
    ON_BATCH = "ON BATCH"

    def __str__(self) -> str:
        return self.value

    @property
    def handler_name(self) -> str:
        """The function a plugin defines for this event, e.g. ``on_before_insert``."""
        if self is TriggerEvent.ON_BATCH:
            return "on_batch"
        return "on_" + self.value.lower().replace(" ", "_")

    @classmethod
    def parse(cls, event: Union["TriggerEvent", str]) -> "TriggerEvent":
        """The event named by ``event`` (a member or a string); ``ValueError`` if none is."""
        if isinstance(event, cls):
            return event
        if isinstance(event, str):
            key = " ".join(event.replace("_", " ").split()).upper()
            for member in cls:
                if member.value == key:
                    return member
        known = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"unknown trigger event {event!r}; expected one of {known}")


class PluginExecutionError(DatabaseError, RuntimeError):
    """A plugin's code failed (other than by ``TriggerAbort``).

    ``plugin`` is the plugin's name, ``handler`` the function that failed
    (``"<module>"`` when the code failed while it was being loaded); the
    original exception is ``__cause__``. A :class:`DatabaseError` with code
    841 (trigger failed) and a ``RuntimeError``.
    """

    def __init__(self, plugin: str, handler: str, message: str) -> None:
        super().__init__(f"plugin {plugin} failed in {handler}: {message}", 841)
        self.plugin = plugin
        self.handler = handler


class TriggerContext:
    """What a handler that takes a second parameter is given.

    ``event``, ``table`` and ``operation`` (``"INSERT"``, ``"UPDATE"``,
    ``"DELETE"``) describe the firing; ``old`` is the row before an UPDATE
    or DELETE (None otherwise); ``plugin`` names the plugin running.
    ``transaction`` (and its shortcuts ``execute_sql``, ``put``, ``get``,
    ``delete``) is the statement's own transaction when the engine fires
    the trigger: writes through it commit or vanish with the statement, and
    it cannot be committed or aborted. It exists only while the handler
    runs, and not at all for :meth:`PluginRegistry.fire` (a
    :class:`DatabaseError` then).
    """

    def __init__(self, event: "TriggerEvent", table: str, operation: Optional[str] = None,
                 old: Optional[Dict[str, Any]] = None, plugin: Optional[str] = None,
                 transaction_factory: Optional[Callable[[], Any]] = None) -> None:
        self.event = event
        self.table = table
        self.operation = operation
        self.old = old
        self.plugin = plugin
        self._factory = transaction_factory
        self._transaction = None

    @property
    def transaction(self):
        """The statement's transaction (a :class:`sochdb.Transaction`)."""
        if self._transaction is None:
            if self._factory is None:
                raise DatabaseError("this trigger runs without a database (registry.fire): it has no transaction")
            self._transaction = self._factory()
        return self._transaction

    def execute_sql(self, query: str, params: Optional[List[Any]] = None):
        """Runs SQL in the statement's transaction (its own triggers fire)."""
        return self.transaction.execute(query, params)

    def put(self, key: bytes, value: bytes) -> None:
        self.transaction.put(key, value)

    def get(self, key: bytes) -> Optional[bytes]:
        return self.transaction.get(key)

    def delete(self, key: bytes) -> None:
        self.transaction.delete(key)

    def _close(self) -> None:
        self._factory = None
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            transaction._finish()

    def __repr__(self) -> str:
        return f"<TriggerContext {self.event.value} on {self.table}>"


def _takes_context(handler: Callable) -> bool:
    """Whether ``handler`` accepts a second positional argument (the context)."""
    try:
        parameters = list(inspect.signature(handler).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)


def _normalize_triggers(triggers: Optional[Mapping]) -> Dict[str, List[str]]:
    if triggers is None:
        return {}
    if not isinstance(triggers, Mapping):
        raise TypeError(f"triggers must be a dict of table -> list of events, not {type(triggers).__name__}")
    out: Dict[str, List[str]] = {}
    for table, events in triggers.items():
        if not isinstance(table, str) or not table:
            raise ValueError(f"trigger table names must be non-empty strings, not {table!r}")
        if isinstance(events, (str, TriggerEvent)):
            events = [events]
        values: List[str] = []
        for event in events:
            value = TriggerEvent.parse(event).value
            if value not in values:
                values.append(value)
        out[table] = values
    return out


@dataclass
class PythonPlugin:
    """A named piece of Python code bound to trigger events of tables.

    Args:
        name: unique name of the plugin in a registry.
        code: Python source defining a handler per bound event
            (``on_before_insert(row) -> dict``...). It may be indented as a
            whole (it is dedented before compiling).
        version: the plugin's own version string (informational).
        packages: modules or distributions the code needs; checked at
            registration. A version specifier (``"numpy>=1.20"``) is allowed
            and ignored: only presence is checked.
        triggers: ``{table: [event, ...]}`` with events as strings
            (``"BEFORE INSERT"``) or :class:`TriggerEvent` members; they are
            stored as the strings. An unknown event raises ``ValueError``.
    """

    name: str
    code: str
    version: str = "1.0.0"
    packages: List[str] = field(default_factory=list)
    triggers: Dict[str, List[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"a plugin name must be a non-empty string, not {self.name!r}")
        if not isinstance(self.code, str):
            raise TypeError(f"plugin {self.name}: code must be a string, not {type(self.code).__name__}")
        if not isinstance(self.version, str):
            raise TypeError(f"plugin {self.name}: version must be a string, not {type(self.version).__name__}")
        if isinstance(self.packages, str):
            self.packages = [self.packages]
        self.packages = list(self.packages or [])
        for p in self.packages:
            if not isinstance(p, str) or not p.strip():
                raise ValueError(f"plugin {self.name}: package names must be non-empty strings, not {p!r}")
        self.triggers = _normalize_triggers(self.triggers)

    def with_trigger(self, table: str, event: Union[TriggerEvent, str]) -> "PythonPlugin":
        """Bind the plugin to ``event`` on ``table`` and return the plugin (to chain calls).

        Binding the same pair twice is a no-op. An unknown event raises
        ``ValueError``. This changes this object only: a registry that
        already holds the plugin keeps the bindings it registered.
        """
        if not isinstance(table, str) or not table:
            raise ValueError(f"trigger table names must be non-empty strings, not {table!r}")
        value = TriggerEvent.parse(event).value
        events = self.triggers.setdefault(table, [])
        if value not in events:
            events.append(value)
        return self

    def to_dict(self) -> Dict[str, Any]:
        """The plugin as plain data (JSON-serialisable): name, code, version, packages, triggers."""
        return {
            "name": self.name,
            "code": self.code,
            "version": self.version,
            "packages": list(self.packages),
            "triggers": {table: list(events) for table, events in self.triggers.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> "PythonPlugin":
        """The plugin described by ``data`` (what :meth:`to_dict` returns)."""
        return cls(
            name=data["name"],
            code=data["code"],
            version=data.get("version", "1.0.0"),
            packages=list(data.get("packages", [])),
            triggers=dict(data.get("triggers", {})),
        )


_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _check_package(plugin: str, spec: str) -> None:
    match = _REQUIREMENT_NAME.match(spec)
    if not match:
        raise ValueError(f"plugin {plugin}: cannot read a package name in {spec!r}")
    name = match.group(1)
    module = name.replace("-", "_")
    try:
        if importlib.util.find_spec(module) is not None:
            return
    except (ImportError, ValueError):  # a parent package that is missing or broken
        pass
    try:
        importlib.metadata.distribution(name)
        return
    except importlib.metadata.PackageNotFoundError:
        pass
    raise ModuleNotFoundError(
        f"plugin {plugin} requires package {name!r}, which cannot be imported here (pip install {name})",
        name=module,
    )


@dataclass
class _Loaded:
    plugin: PythonPlugin  # the registry's own snapshot
    namespace: Dict[str, Any]
    filename: str
    bindings: Tuple[Tuple[str, TriggerEvent, Callable], ...]  # (lowercased table, event, handler)

    def handlers(self, table: str) -> Dict[TriggerEvent, Callable]:
        """The plugin's handler of each event it binds on ``table`` (lowercased)."""
        return {event: handler for t, event, handler in self.bindings if t == table}


class PluginRegistry:
    """The plugins of one database (or of a test): register them, then fire triggers.

    See the module documentation (``help(sochdb.plugins)``) for what
    :meth:`register` checks and what :meth:`fire` guarantees.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plugins: Dict[str, _Loaded] = {}  # in registration order
        self._chains: Dict[Tuple[str, TriggerEvent], Tuple[Tuple[str, Callable, bool], ...]] = {}

    def register(self, plugin: PythonPlugin) -> None:
        """Check, compile and load ``plugin``, then bind it to its triggers.

        Raises:
            ValueError: a plugin of that name is registered, or the code lacks
                the handler of an event the plugin is bound to.
            ModuleNotFoundError: a name in ``packages`` cannot be imported.
            SyntaxError: the code does not compile (file ``<plugin NAME>``).
            PluginExecutionError: running the code's top level raised.
        """
        if not isinstance(plugin, PythonPlugin):
            raise TypeError(f"register takes a PythonPlugin, not {type(plugin).__name__}")
        snapshot = PythonPlugin.from_dict(copy.deepcopy(plugin.to_dict()))
        name = snapshot.name
        with self._lock:
            if name in self._plugins:
                raise ValueError(f"a plugin named {name!r} is already registered")
        for spec in snapshot.packages:
            _check_package(name, spec)
        filename = f"<plugin {name}>"
        source = textwrap.dedent(snapshot.code)
        code = compile(source, filename, "exec", dont_inherit=True)
        namespace: Dict[str, Any] = {
            "__name__": f"sochdb_plugin_{re.sub(r'[^0-9A-Za-z_]', '_', name)}",
            "__builtins__": builtins,
            "TriggerAbort": TriggerAbort,
            "TriggerEvent": TriggerEvent,
        }
        # Tracebacks through plugin code show its lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            try:
                exec(code, namespace)
            except Exception as e:
                raise PluginExecutionError(name, "<module>", f"{type(e).__name__}: {e}") from e
            bindings = []
            for table, events in snapshot.triggers.items():
                for value in events:
                    event = TriggerEvent(value)
                    handler = namespace.get(event.handler_name)
                    if not callable(handler):
                        raise ValueError(
                            f"plugin {name} is bound to {event.value} on {table} "
                            f"but its code defines no function {event.handler_name}(row)")
                    key = (table.lower(), event, handler)
                    if key not in bindings:
                        bindings.append(key)
            with self._lock:
                if name in self._plugins:
                    raise ValueError(f"a plugin named {name!r} is already registered")
                loaded = _Loaded(snapshot, namespace, filename, tuple(bindings))
                self._plugins[name] = loaded
                try:
                    self._attach(loaded)
                except BaseException:
                    del self._plugins[name]
                    raise
                self._rebuild_chains()
        except BaseException:
            if name not in self._plugins or self._plugins[name].filename != filename:
                linecache.cache.pop(filename, None)
            raise

    def unregister(self, name: str) -> None:
        """Remove the plugin ``name``; ``KeyError`` if no plugin has that name."""
        with self._lock:
            loaded = self._plugins.pop(name, None)
            if loaded is None:
                raise KeyError(f"no plugin named {name!r} is registered")
            self._detach(loaded)
            self._rebuild_chains()
        linecache.cache.pop(loaded.filename, None)

    def list_plugins(self) -> List[str]:
        """The names of the registered plugins, in registration order."""
        with self._lock:
            return list(self._plugins)

    def get(self, name: str) -> Optional[PythonPlugin]:
        """The plugin registered as ``name`` (the registry's snapshot of it), or None."""
        with self._lock:
            loaded = self._plugins.get(name)
        return loaded.plugin if loaded else None

    def triggers_for(self, table: str, event: Union[TriggerEvent, str]) -> List[str]:
        """The names of the plugins :meth:`fire` would run for ``(table, event)``, in order."""
        key = (table.lower(), TriggerEvent.parse(event))
        return [name for name, _, _ in self._chains.get(key, ())]

    # Called with the lock held when a plugin is added or removed: a registry
    # bound to a database (Database.plugins) binds the plugin's handlers to
    # the engine here. The plain registry fires only by hand.
    def _attach(self, loaded: _Loaded) -> None:
        pass

    def _detach(self, loaded: _Loaded) -> None:
        pass

    def fire(self, table: str, event: Union[TriggerEvent, str], row: Mapping) -> Dict[str, Any]:
        """Run the handlers bound to ``event`` on ``table`` over a copy of ``row``; return the result.

        Handlers run in registration order, each receiving the row the
        previous one returned (``None`` keeps the row). ``row`` itself is
        never modified.

        Raises:
            TriggerAbort: a handler aborted (the handler's own exception,
                with its ``code``; ``plugin`` names the plugin).
            PluginExecutionError: a handler raised anything else, or returned
                something other than a mapping or ``None`` (a
                ``RuntimeError``: ``"plugin NAME failed in HANDLER: ..."``).
            ValueError: ``event`` is not a trigger event.
        """
        if not isinstance(table, str):
            raise TypeError(f"table must be a string, not {type(table).__name__}")
        ev = TriggerEvent.parse(event)
        if not isinstance(row, Mapping):
            raise TypeError(f"row must be a dict, not {type(row).__name__}")
        chain = self._chains.get((table.lower(), ev), ())
        current: Dict[str, Any] = copy.deepcopy(dict(row))
        for name, handler, takes_context in chain:
            try:
                if takes_context:
                    result = handler(current, TriggerContext(ev, table, plugin=name))
                else:
                    result = handler(current)
            except TriggerAbort as abort:
                if getattr(abort, "plugin", None) is None:
                    abort.plugin = name  # type: ignore[attr-defined]
                raise
            except Exception as e:
                raise PluginExecutionError(name, ev.handler_name, f"{type(e).__name__}: {e}") from e
            if result is None:
                continue
            if not isinstance(result, Mapping):
                cause = TypeError(f"returned {type(result).__name__}, expected a dict or None")
                raise PluginExecutionError(name, ev.handler_name, f"TypeError: {cause}") from cause
            current = result if type(result) is dict else dict(result)
        return current

    def __contains__(self, name: object) -> bool:
        return name in self._plugins

    def __len__(self) -> int:
        return len(self._plugins)

    def __repr__(self) -> str:
        return f"PluginRegistry({self.list_plugins()!r})"

    # Called with the lock held. Chains are rebuilt whole and swapped in one
    # assignment, so fire() reads a consistent set without taking the lock.
    def _rebuild_chains(self) -> None:
        chains: Dict[Tuple[str, TriggerEvent], List[Tuple[str, Callable, bool]]] = {}
        for name, loaded in self._plugins.items():
            for table, event, handler in loaded.bindings:
                chains.setdefault((table, event), []).append((name, handler, _takes_context(handler)))
        self._chains = {key: tuple(chain) for key, chain in chains.items()}
