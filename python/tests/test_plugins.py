"""Tests of sochdb.plugins: the seed README's "Python Plugin System" blocks, then the edge cases."""

from __future__ import annotations

import json
import threading
import traceback

import pytest

# (conftest.py puts the package on sys.path, or checks the installed one is used)

import sochdb.errors as errors  # noqa: E402
import sochdb.plugins as plugins  # noqa: E402
from sochdb.plugins import (  # noqa: E402
    PluginExecutionError,
    PluginRegistry,
    PythonPlugin,
    TriggerAbort,
    TriggerEvent,
)

# --------------------------------------------------------------------------
# The seed's code blocks, as written (indentation restored), run in order in
# one namespace as a reader would paste them into one session.

SEED_EMAIL = '''
from sochdb.plugins import PythonPlugin, PluginRegistry, TriggerEvent
# Define a simple validation plugin
plugin = PythonPlugin(
    name="email_validator",
    code=\'\'\'
def on_before_insert(row: dict) -> dict:
    """Validate and normalize email addresses."""
    if "email" in row:
        email = row["email"].strip().lower()
        if "@" not in email:
            raise TriggerAbort("Invalid email format", code="INVALID_EMAIL")
        row["email"] = email
    return row
\'\'\',
    triggers={"users": ["BEFORE INSERT"]}
)
# Register plugin
registry = PluginRegistry()
registry.register(plugin)
# Test trigger
row = {"name": "Alice", "email": " ALICE@EXAMPLE.COM "}
result = registry.fire("users", TriggerEvent.BEFORE_INSERT, row)
print(result["email"]) # "alice@example.com"
'''

SEED_FRAUD = '''
from sochdb.plugins import PythonPlugin, TriggerAbort
# ML-powered fraud detection
fraud_detector = PythonPlugin(
    name="fraud_detector",
    code=\'\'\'
import numpy as np
def on_before_insert(row: dict) -> dict:
    """Detect fraudulent transactions using ML."""
    amount = row.get("amount", 0)
    # Simple heuristic (replace with real ML model)
    if amount > 10000:
        raise TriggerAbort(
            f"Transaction amount ${amount} exceeds limit",
            code="FRAUD_DETECTED"
        )
    # Add fraud score
    row["fraud_score"] = min(amount / 10000, 1.0)
    return row
\'\'\',
    version="1.0.0",
    packages=["numpy"],
    triggers={"transactions": ["BEFORE INSERT"]}
)
registry.register(fraud_detector)
'''

SEED_EVENTS = '''
from sochdb.plugins import TriggerEvent
# Row-level triggers
TriggerEvent.BEFORE_INSERT # Before inserting a row
TriggerEvent.AFTER_INSERT # After inserting a row
TriggerEvent.BEFORE_UPDATE # Before updating a row
TriggerEvent.AFTER_UPDATE # After updating a row
TriggerEvent.BEFORE_DELETE # Before deleting a row
TriggerEvent.AFTER_DELETE # After deleting a row
# Batch triggers
TriggerEvent.ON_BATCH # On batch operations
'''

SEED_REGISTRY = '''
from sochdb.plugins import PluginRegistry
registry = PluginRegistry()
# Register plugin
registry.register(my_plugin)
# List all plugins
plugins = registry.list_plugins()
print(plugins) # ["email_validator", "fraud_detector"]
# Get plugin by name
plugin = registry.get("email_validator")
# Unregister plugin
registry.unregister("email_validator")
# Fire trigger manually
row = {"email": "test@example.com"}
result = registry.fire("users", TriggerEvent.BEFORE_INSERT, row)
'''

SEED_ERRORS = '''
from sochdb.plugins import TriggerAbort
try:
    result = registry.fire("users", TriggerEvent.BEFORE_INSERT, row)
except TriggerAbort as e:
    print(f"Trigger aborted: {e}")
    print(f"Error code: {e.code}")
except RuntimeError as e:
    print(f"Plugin execution failed: {e}")
'''


def run(block: str, ns: dict) -> dict:
    exec(compile(block, "<seed block>", "exec"), ns)
    return ns


def test_seed_email_validator(capsys):
    ns = run(SEED_EMAIL, {})
    assert capsys.readouterr().out == "alice@example.com\n"
    assert ns["row"] == {"name": "Alice", "email": " ALICE@EXAMPLE.COM "}  # the caller's row is untouched
    assert ns["result"] == {"name": "Alice", "email": "alice@example.com"}


def test_seed_fraud_detector(capsys):
    ns = run(SEED_FRAUD, run(SEED_EMAIL, {}))
    capsys.readouterr()
    registry = ns["registry"]
    assert registry.list_plugins() == ["email_validator", "fraud_detector"]
    ok = registry.fire("transactions", TriggerEvent.BEFORE_INSERT, {"id": 1, "amount": 2500})
    assert ok == {"id": 1, "amount": 2500, "fraud_score": 0.25}
    with pytest.raises(TriggerAbort) as info:
        registry.fire("transactions", TriggerEvent.BEFORE_INSERT, {"id": 2, "amount": 20000})
    assert str(info.value) == "Transaction amount $20000 exceeds limit"
    assert info.value.code == "FRAUD_DETECTED"
    assert info.value.plugin == "fraud_detector"
    # Each table sees only its own plugins.
    assert registry.fire("users", "BEFORE INSERT", {"amount": 20000}) == {"amount": 20000}


def test_seed_trigger_events(capsys):
    run(SEED_EVENTS, {})
    assert capsys.readouterr().out == ""
    assert [e.name for e in TriggerEvent] == [
        "BEFORE_INSERT", "AFTER_INSERT", "BEFORE_UPDATE", "AFTER_UPDATE",
        "BEFORE_DELETE", "AFTER_DELETE", "ON_BATCH"]
    assert [e.value for e in TriggerEvent] == [
        "BEFORE INSERT", "AFTER INSERT", "BEFORE UPDATE", "AFTER UPDATE",
        "BEFORE DELETE", "AFTER DELETE", "ON BATCH"]


def test_seed_registry_management_as_written(capsys):
    # As written the block registers only my_plugin in a fresh registry, so it
    # lists that one plugin.
    ns = run(SEED_EMAIL, {})
    ns["my_plugin"] = ns["plugin"]
    capsys.readouterr()
    run(SEED_REGISTRY, ns)
    assert capsys.readouterr().out == "['email_validator']\n"
    assert ns["plugin"].name == "email_validator"
    assert ns["registry"].list_plugins() == []
    assert ns["result"] == {"email": "test@example.com"}
    assert ns["result"] is not ns["row"]


def test_seed_registry_management_with_both_plugins(capsys):
    # The listing the seed shows: a registry holding both seed plugins.
    ns = run(SEED_FRAUD, run(SEED_EMAIL, {}))
    ns["my_plugin"] = ns["plugin"]
    block = SEED_REGISTRY.replace("registry.register(my_plugin)\n",
                                  "registry.register(my_plugin)\nregistry.register(fraud_detector)\n")
    capsys.readouterr()
    run(block, ns)
    assert capsys.readouterr().out == "['email_validator', 'fraud_detector']\n"
    assert ns["registry"].list_plugins() == ["fraud_detector"]


def test_seed_error_handling_abort(capsys):
    ns = run(SEED_EMAIL, {})
    ns["row"] = {"name": "Mallory", "email": "not-an-address"}
    capsys.readouterr()
    run(SEED_ERRORS, ns)
    assert capsys.readouterr().out == "Trigger aborted: Invalid email format\nError code: INVALID_EMAIL\n"


def test_seed_error_handling_failure(capsys):
    ns = run(SEED_EMAIL, {})
    ns["row"] = {"name": "Bob", "email": 42}  # .strip() on an int: the plugin itself fails
    capsys.readouterr()
    run(SEED_ERRORS, ns)
    assert capsys.readouterr().out == (
        "Plugin execution failed: plugin email_validator failed in on_before_insert: "
        "AttributeError: 'int' object has no attribute 'strip'\n")


# --------------------------------------------------------------------------
# PythonPlugin and TriggerEvent


def test_trigger_abort_is_the_errors_module_class():
    assert plugins.TriggerAbort is errors.TriggerAbort
    assert issubclass(TriggerAbort, errors.SochDBError)


def test_trigger_event_values_and_handlers():
    assert TriggerEvent.BEFORE_INSERT == "BEFORE INSERT"
    assert str(TriggerEvent.AFTER_DELETE) == "AFTER DELETE"
    assert f"{TriggerEvent.ON_BATCH}" == "ON BATCH"
    assert {e.handler_name for e in TriggerEvent} == {
        "on_before_insert", "on_after_insert", "on_before_update", "on_after_update",
        "on_before_delete", "on_after_delete", "on_batch"}
    for spelling in ("BEFORE INSERT", "before insert", "BEFORE_INSERT", "before_insert", " Before  Insert "):
        assert TriggerEvent.parse(spelling) is TriggerEvent.BEFORE_INSERT
    assert TriggerEvent("ON BATCH") is TriggerEvent.ON_BATCH
    for bad in ("INSERT", "BEFORE INSERTS", "", 3, None):
        with pytest.raises(ValueError):
            TriggerEvent.parse(bad)


def test_plugin_defaults_and_to_dict():
    p = PythonPlugin(name="p", code="x = 1")
    assert (p.version, p.packages, p.triggers) == ("1.0.0", [], {})
    q = PythonPlugin(name="q", code="x = 1")
    p.packages.append("numpy")
    assert q.packages == []  # no shared mutable default
    p = PythonPlugin(name="p", code="c", version="2.1", packages=["numpy"],
                     triggers={"users": [TriggerEvent.AFTER_INSERT, "before_update"]})
    d = p.to_dict()
    assert d == {"name": "p", "code": "c", "version": "2.1", "packages": ["numpy"],
                 "triggers": {"users": ["AFTER INSERT", "BEFORE UPDATE"]}}
    assert json.loads(json.dumps(d)) == d
    assert PythonPlugin.from_dict(d) == p
    d["triggers"]["users"].append("ON BATCH")
    assert p.triggers == {"users": ["AFTER INSERT", "BEFORE UPDATE"]}  # to_dict copies


def test_unknown_event_at_construction_and_with_trigger():
    with pytest.raises(ValueError, match="unknown trigger event 'BEFORE UPSERT'"):
        PythonPlugin(name="p", code="", triggers={"users": ["BEFORE UPSERT"]})
    p = PythonPlugin(name="p", code="")
    with pytest.raises(ValueError, match="unknown trigger event"):
        p.with_trigger("users", "WHENEVER")
    assert p.triggers == {}
    with pytest.raises(ValueError):
        PythonPlugin(name="", code="")
    with pytest.raises(ValueError):
        p.with_trigger("", "BEFORE INSERT")


def test_with_trigger_is_fluent():
    p = PythonPlugin(name="p", code="")
    same = p.with_trigger("users", "BEFORE INSERT").with_trigger("users", TriggerEvent.AFTER_INSERT) \
        .with_trigger("orders", "on_batch").with_trigger("users", "before insert")
    assert same is p
    assert p.triggers == {"users": ["BEFORE INSERT", "AFTER INSERT"], "orders": ["ON BATCH"]}


def test_triggers_accept_one_event_string():
    p = PythonPlugin(name="p", code="", triggers={"users": "AFTER DELETE"})
    assert p.triggers == {"users": ["AFTER DELETE"]}


# --------------------------------------------------------------------------
# Registration


def plugin_appending(name: str, tag: str, table: str = "t", event: str = "BEFORE INSERT",
                     returns: str = "row") -> PythonPlugin:
    handler = TriggerEvent.parse(event).handler_name
    code = f'''
def {handler}(row):
    row.setdefault("seen", []).append({tag!r})
    return {returns}
'''
    return PythonPlugin(name=name, code=code, triggers={table: [event]})


def test_syntax_error_at_register_not_fire():
    bad = PythonPlugin(name="broken", code="def on_before_insert(row)\n    return row\n",
                       triggers={"t": ["BEFORE INSERT"]})
    registry = PluginRegistry()
    with pytest.raises(SyntaxError) as info:
        registry.register(bad)
    assert info.value.filename == "<plugin broken>"
    assert info.value.lineno == 1
    assert registry.list_plugins() == []
    assert registry.fire("t", "BEFORE INSERT", {"a": 1}) == {"a": 1}


def test_code_is_compiled_and_run_once(tmp_path):
    counter = tmp_path / "loads"
    code = f'''
from pathlib import Path
_p = Path({str(counter)!r})
_p.write_text(str(int(_p.read_text() or 0) + 1) if _p.exists() else "1")
calls = 0
def on_after_insert(row):
    global calls
    calls += 1
    row["calls"] = calls
'''
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="once", code=code, triggers={"t": ["AFTER INSERT"]}))
    assert [registry.fire("t", TriggerEvent.AFTER_INSERT, {})["calls"] for _ in range(3)] == [1, 2, 3]
    assert counter.read_text() == "1"


def test_indented_code_is_dedented():
    code = """
        def on_before_insert(row):
            row["ok"] = True
            return row
    """
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="indented", code=code, triggers={"t": ["BEFORE INSERT"]}))
    assert registry.fire("t", "BEFORE INSERT", {}) == {"ok": True}


def test_duplicate_name_raises_value_error():
    registry = PluginRegistry()
    registry.register(plugin_appending("a", "first"))
    with pytest.raises(ValueError, match="'a' is already registered"):
        registry.register(plugin_appending("a", "second"))
    assert registry.fire("t", "BEFORE INSERT", {}) == {"seen": ["first"]}


def test_missing_package_is_refused_at_register():
    p = PythonPlugin(name="needs", code="def on_before_insert(row): return row",
                     packages=["numpy", "sochdb_no_such_package_xyz"], triggers={"t": ["BEFORE INSERT"]})
    registry = PluginRegistry()
    with pytest.raises(ModuleNotFoundError, match="plugin needs requires package 'sochdb_no_such_package_xyz'"):
        registry.register(p)
    assert "needs" not in registry


def test_package_with_version_specifier_and_dotted_module():
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="ok", code="", packages=["numpy>=1.0", "os.path", "json"]))
    assert registry.list_plugins() == ["ok"]


def test_missing_handler_is_refused_at_register():
    p = PythonPlugin(name="half", code="def on_before_insert(row): return row",
                     triggers={"t": ["BEFORE INSERT", "AFTER INSERT"]})
    registry = PluginRegistry()
    with pytest.raises(ValueError, match="bound to AFTER INSERT on t but its code defines no function on_after_insert"):
        registry.register(p)
    assert registry.list_plugins() == []
    # A handler must be a function, not just a name.
    with pytest.raises(ValueError):
        registry.register(PythonPlugin(name="v", code="on_batch = 3", triggers={"t": ["ON BATCH"]}))


def test_failing_top_level_code_is_refused_at_register():
    registry = PluginRegistry()
    with pytest.raises(PluginExecutionError, match=r"plugin boom failed in <module>: ZeroDivisionError") as info:
        registry.register(PythonPlugin(name="boom", code="x = 1 / 0"))
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert isinstance(info.value, RuntimeError)
    assert registry.list_plugins() == []


def test_register_takes_a_snapshot():
    p = plugin_appending("snap", "x")
    registry = PluginRegistry()
    registry.register(p)
    p.with_trigger("other", "BEFORE INSERT")
    p.code = "raise SystemExit"
    assert registry.fire("other", "BEFORE INSERT", {}) == {}
    assert registry.fire("t", "BEFORE INSERT", {}) == {"seen": ["x"]}
    assert registry.get("snap").triggers == {"t": ["BEFORE INSERT"]}
    assert registry.get("snap") is not p
    assert registry.get("nope") is None


def test_unregister_and_register_again_moves_to_the_end():
    registry = PluginRegistry()
    for name in ("a", "b", "c"):
        registry.register(plugin_appending(name, name))
    registry.unregister("a")
    registry.register(plugin_appending("a", "a"))
    assert registry.list_plugins() == ["b", "c", "a"]
    assert registry.fire("t", "BEFORE INSERT", {})["seen"] == ["b", "c", "a"]
    assert registry.triggers_for("t", TriggerEvent.BEFORE_INSERT) == ["b", "c", "a"]
    with pytest.raises(KeyError):
        registry.unregister("zzz")
    assert len(registry) == 3 and "b" in registry


def test_register_refuses_non_plugins():
    with pytest.raises(TypeError):
        PluginRegistry().register({"name": "x", "code": ""})


# --------------------------------------------------------------------------
# fire


def test_fire_chains_in_registration_order():
    registry = PluginRegistry()
    registry.register(plugin_appending("one", "1"))
    registry.register(plugin_appending("two", "2", returns="None"))  # None keeps the (changed) row
    registry.register(PythonPlugin(name="three", code='''
def on_before_insert(row):
    return {"seen": row["seen"] + ["3"], "replaced": True}
''', triggers={"t": ["BEFORE INSERT"]}))
    registry.register(plugin_appending("four", "4"))
    assert registry.fire("t", "BEFORE INSERT", {"x": 0}) == {"seen": ["1", "2", "3", "4"], "replaced": True}


def test_fire_does_not_mutate_the_callers_row():
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="m", code='''
def on_before_update(row):
    row["tags"].append("new")
    row["nested"]["k"] = "changed"
    row["added"] = 1
''', triggers={"t": ["BEFORE UPDATE"]}))
    row = {"tags": ["old"], "nested": {"k": "v"}}
    result = registry.fire("t", TriggerEvent.BEFORE_UPDATE, row)
    assert row == {"tags": ["old"], "nested": {"k": "v"}}
    assert result == {"tags": ["old", "new"], "nested": {"k": "changed"}, "added": 1}


def test_fire_without_plugins_returns_a_copy():
    registry = PluginRegistry()
    row = {"a": [1]}
    result = registry.fire("t", "AFTER DELETE", row)
    assert result == row and result is not row and result["a"] is not row["a"]


def test_fire_accepts_any_mapping():
    import types as _types
    registry = PluginRegistry()
    registry.register(plugin_appending("a", "a"))
    assert registry.fire("t", "BEFORE INSERT", _types.MappingProxyType({"k": 1})) == {"k": 1, "seen": ["a"]}
    with pytest.raises(TypeError):
        registry.fire("t", "BEFORE INSERT", [("k", 1)])


def test_trigger_abort_stops_the_chain():
    registry = PluginRegistry()
    registry.register(plugin_appending("first", "1"))
    registry.register(PythonPlugin(name="guard", code='''
def on_before_delete(row):
    raise TriggerAbort("protected row", code="PROTECTED")
''', triggers={"t": ["BEFORE DELETE"]}))
    registry.register(PythonPlugin(name="after", code='''
def on_before_delete(row):
    raise AssertionError("must not run")
''', triggers={"t": ["BEFORE DELETE"]}))
    registry.register(plugin_appending("d", "d", event="BEFORE DELETE"))
    with pytest.raises(TriggerAbort) as info:
        registry.fire("t", TriggerEvent.BEFORE_DELETE, {"id": 1})
    assert (str(info.value), info.value.code, info.value.plugin) == ("protected row", "PROTECTED", "guard")
    assert not isinstance(info.value, RuntimeError)


def test_other_exceptions_are_wrapped_with_the_cause():
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="kv", code='''
def on_after_update(row):
    return row["missing"]
''', triggers={"t": ["AFTER UPDATE"]}))
    with pytest.raises(RuntimeError) as info:
        registry.fire("t", TriggerEvent.AFTER_UPDATE, {})
    e = info.value
    assert isinstance(e, PluginExecutionError)
    assert str(e) == "plugin kv failed in on_after_update: KeyError: 'missing'"
    assert (e.plugin, e.handler) == ("kv", "on_after_update")
    assert isinstance(e.__cause__, KeyError)
    # The traceback shows the plugin's own source line.
    cause = e.__cause__
    text = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
    assert '<plugin kv>", line 3, in on_after_update' in text
    assert 'return row["missing"]' in text


def test_a_non_dict_return_is_a_failure():
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="bad", code="def on_batch(row): return [row]",
                                   triggers={"t": ["ON BATCH"]}))
    with pytest.raises(RuntimeError, match="plugin bad failed in on_batch: TypeError: returned list"):
        registry.fire("t", TriggerEvent.ON_BATCH, {"rows": []})


def test_keyboard_interrupt_is_not_wrapped():
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="ki", code="def on_before_insert(row): raise KeyboardInterrupt",
                                   triggers={"t": ["BEFORE INSERT"]}))
    with pytest.raises(KeyboardInterrupt):
        registry.fire("t", "BEFORE INSERT", {})


def test_each_event_calls_its_own_handler():
    code = "\n".join(
        f"def {e.handler_name}(row):\n    row['handler'] = {e.handler_name!r}\n    return row\n" for e in TriggerEvent)
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="all", code=code, triggers={"t": list(TriggerEvent)}))
    for e in TriggerEvent:
        assert registry.fire("t", e, {}) == {"handler": e.handler_name}
        assert registry.fire("t", e.value, {}) == {"handler": e.handler_name}
    assert registry.fire("u", TriggerEvent.BEFORE_INSERT, {}) == {}


def test_unknown_event_at_fire():
    with pytest.raises(ValueError, match="unknown trigger event"):
        PluginRegistry().fire("t", "BEFORE MERGE", {})


def test_table_names_match_case_insensitively():
    registry = PluginRegistry()
    registry.register(plugin_appending("a", "a", table="Users"))
    assert registry.fire("users", "BEFORE INSERT", {}) == {"seen": ["a"]}
    assert registry.fire("USERS", "BEFORE INSERT", {}) == {"seen": ["a"]}
    assert registry.triggers_for("uSeRs", "before_insert") == ["a"]
    assert registry.triggers_for("orders", "before_insert") == []


def test_plugins_have_separate_namespaces():
    registry = PluginRegistry()
    registry.register(PythonPlugin(name="a", code='''
SECRET = "a"
def on_before_insert(row):
    row["a"] = SECRET
''', triggers={"t": ["BEFORE INSERT"]}))
    registry.register(PythonPlugin(name="b", code='''
def on_before_insert(row):
    row["b_sees_secret"] = "SECRET" in globals()
    row["abort_available"] = TriggerAbort.__name__
''', triggers={"t": ["BEFORE INSERT"]}))
    assert registry.fire("t", "BEFORE INSERT", {}) == {"a": "a", "b_sees_secret": False,
                                                       "abort_available": "TriggerAbort"}
    assert not hasattr(plugins, "SECRET")


def test_two_registries_are_independent():
    r1, r2 = PluginRegistry(), PluginRegistry()
    r1.register(plugin_appending("a", "1"))
    r2.register(plugin_appending("a", "2"))
    assert r1.fire("t", "BEFORE INSERT", {}) == {"seen": ["1"]}
    assert r2.fire("t", "BEFORE INSERT", {}) == {"seen": ["2"]}


def test_concurrent_fire_and_register():
    registry = PluginRegistry()
    registry.register(plugin_appending("base", "base"))
    errors_seen = []

    def fire_many():
        try:
            for _ in range(300):
                seen = registry.fire("t", "BEFORE INSERT", {})["seen"]
                assert seen[0] == "base"
        except Exception as e:  # pragma: no cover - reported below
            errors_seen.append(e)

    threads = [threading.Thread(target=fire_many) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(30):
        registry.register(plugin_appending(f"p{i}", str(i)))
        if i % 2:
            registry.unregister(f"p{i}")
    for t in threads:
        t.join()
    assert errors_seen == []
    assert registry.list_plugins() == ["base"] + [f"p{i}" for i in range(0, 30, 2)]
