"""Python plugins fired by the engine on SQL writes (db.plugins): the seed's
two examples through execute_sql as well as registry.fire, every event,
atomicity of a refused or failing statement, the statement's transaction in
a handler, register-time errors, nesting and threads."""

import threading

import pytest

from sochdb import Database
from sochdb.errors import DatabaseError, TransactionError
from sochdb.plugins import (
    PluginExecutionError,
    PluginRegistry,
    PythonPlugin,
    TriggerAbort,
    TriggerContext,
    TriggerEvent,
)

from test_plugins import SEED_EMAIL, SEED_FRAUD, run  # the seed's blocks, as written


def seed_plugins(capsys):
    """The seed's email_validator and fraud_detector, made by its own code blocks."""
    ns = run(SEED_FRAUD, run(SEED_EMAIL, {}))
    capsys.readouterr()
    return ns["plugin"], ns["fraud_detector"]


@pytest.fixture
def db(tmp_path):
    with Database.open(str(tmp_path / "db")) as d:
        yield d


def count(db, table):
    return db.execute_sql(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def test_seed_email_validator_fires_on_insert_and_by_hand(db, capsys):
    db.execute_sql("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
    plugin, _ = seed_plugins(capsys)
    db.register_plugin(plugin)
    assert db.plugins.list_plugins() == ["email_validator"]
    assert db.triggers() == [{"name": "plugin:email_validator:users", "table": "users", "events": ["BEFORE INSERT"]}]

    db.execute_sql("INSERT INTO users (name, email) VALUES ('Alice', ' ALICE@EXAMPLE.COM ')")
    assert db.execute_sql("SELECT name, email FROM users").to_dicts() == [{"name": "Alice", "email": "alice@example.com"}]

    # A refusal anywhere in a multi-row INSERT: the caller gets the handler's
    # own TriggerAbort, and none of the rows is written.
    with pytest.raises(TriggerAbort) as caught:
        db.execute_sql("INSERT INTO users (name, email) VALUES ('Bob', 'bob@example.com'), ('Eve', 'nope')")
    assert str(caught.value) == "Invalid email format"
    assert caught.value.code == "INVALID_EMAIL" and caught.value.plugin == "email_validator"
    assert count(db, "users") == 1

    # The same registry still fires by hand, as the seed shows.
    row = {"name": "Alice", "email": " ALICE@EXAMPLE.COM "}
    assert db.plugins.fire("users", TriggerEvent.BEFORE_INSERT, row)["email"] == "alice@example.com"

    db.unregister_plugin("email_validator")
    assert db.triggers() == []
    db.execute_sql("INSERT INTO users (name, email) VALUES ('Eve', 'nope')")
    assert count(db, "users") == 2


def test_seed_fraud_detector_with_numpy(db, capsys):
    pytest.importorskip("numpy")
    db.execute_sql("CREATE TABLE transactions (id INTEGER PRIMARY KEY, amount REAL, fraud_score REAL)")
    _, fraud_detector = seed_plugins(capsys)
    db.plugins.register(fraud_detector)
    db.execute_sql("INSERT INTO transactions (amount) VALUES (?)", [2500])
    assert db.execute_sql("SELECT amount, fraud_score FROM transactions").to_dicts() == [
        {"amount": 2500.0, "fraud_score": 0.25}]
    with pytest.raises(TriggerAbort) as caught:
        db.execute_sql("INSERT INTO transactions (amount) VALUES (20000)")
    assert caught.value.code == "FRAUD_DETECTED"
    assert str(caught.value) == "Transaction amount $20000.0 exceeds limit"
    assert count(db, "transactions") == 1
    # By hand, the same code gives the same verdicts.
    registry = PluginRegistry()
    registry.register(fraud_detector)
    assert registry.fire("transactions", "BEFORE INSERT", {"amount": 500})["fraud_score"] == 0.05


def test_register_time_errors_bind_nothing(db):
    db.execute_sql("CREATE TABLE t (n INTEGER)")
    with pytest.raises(SyntaxError):
        db.register_plugin(PythonPlugin(name="broken", code="def on_before_insert(row:\n", triggers={"t": ["BEFORE INSERT"]}))
    with pytest.raises(ValueError, match="defines no function on_after_delete"):
        db.register_plugin(PythonPlugin(name="missing", code="def on_before_insert(row): return row",
                                        triggers={"t": ["BEFORE INSERT", "AFTER DELETE"]}))
    with pytest.raises(ModuleNotFoundError):
        db.register_plugin(PythonPlugin(name="needs", code="def on_batch(b): pass", packages=["no_such_package_xyz"],
                                        triggers={"t": ["ON BATCH"]}))
    assert db.plugins.list_plugins() == [] and db.triggers() == []
    db.execute_sql("INSERT INTO t VALUES (1)")
    assert count(db, "t") == 1


def test_other_exceptions_fail_the_statement_as_database_errors(db):
    db.execute_sql("CREATE TABLE t (n INTEGER, label TEXT)")
    db.register_plugin(PythonPlugin(name="divider", triggers={"t": ["BEFORE INSERT"]}, code='''
def on_before_insert(row):
    row["label"] = str(100 // row["n"])
'''))
    db.execute_sql("INSERT INTO t (n) VALUES (4)")
    assert db.execute_sql("SELECT label FROM t")[0]["label"] == "25"
    with pytest.raises(PluginExecutionError) as caught:
        db.execute_sql("INSERT INTO t (n) VALUES (5), (0)")
    error = caught.value
    assert isinstance(error, DatabaseError) and isinstance(error, RuntimeError) and error.code == 841
    assert str(error) == "plugin divider failed in on_before_insert: ZeroDivisionError: integer division or modulo by zero"
    assert isinstance(error.__cause__, ZeroDivisionError)
    assert count(db, "t") == 1

    # A returned key that is not a column, or a value of the wrong type, fails it too.
    db.unregister_plugin("divider")
    db.register_plugin(PythonPlugin(name="extra", triggers={"t": ["BEFORE INSERT"]},
                                    code='def on_before_insert(row): return {**row, "nope": 1}'))
    with pytest.raises(PluginExecutionError, match="no such column: nope"):
        db.execute_sql("INSERT INTO t (n) VALUES (6)")
    db.unregister_plugin("extra")
    db.execute_sql("CREATE TABLE typed (n INTEGER)")
    db.register_plugin(PythonPlugin(name="typed", triggers={"typed": ["BEFORE INSERT"]},
                                    code='def on_before_insert(row): row["n"] = "text"'))
    with pytest.raises(DatabaseError, match="type mismatch"):
        db.execute_sql("INSERT INTO typed VALUES (1)")
    assert count(db, "t") == 1 and count(db, "typed") == 0


def test_every_event_and_the_context(db):
    db.execute_sql("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, data BLOB)")
    seen = []
    db.plugins.register(PythonPlugin(name="watch", triggers={"items": [e.value for e in TriggerEvent]}, code='''
seen = []
def on_before_insert(row): seen.append(("before insert", dict(row)))
def on_after_insert(row): seen.append(("after insert", dict(row)))
def on_before_update(row, context):
    seen.append(("before update", dict(context.old), dict(row)))
    row["name"] = row["name"].upper()
def on_after_update(row, context): seen.append(("after update", dict(context.old), dict(row)))
def on_before_delete(row): seen.append(("before delete", dict(row)))
def on_after_delete(row): seen.append(("after delete", dict(row)))
def on_batch(batch): seen.append(("batch", batch["operation"], len(batch["rows"]), batch["old_rows"]))
'''))
    seen = db.plugins._plugins["watch"].namespace["seen"]
    db.execute_sql("INSERT INTO items VALUES (1, 'a', ?), (2, 'b', NULL)", [b"\x00\xff"])
    assert seen == [
        ("before insert", {"id": 1, "name": "a", "data": b"\x00\xff"}),
        ("before insert", {"id": 2, "name": "b", "data": None}),
        ("after insert", {"id": 1, "name": "a", "data": b"\x00\xff"}),
        ("after insert", {"id": 2, "name": "b", "data": None}),
        ("batch", "INSERT", 2, [None, None]),
    ]
    seen.clear()
    db.execute_sql("UPDATE items SET name = 'z' WHERE id = 2")
    assert seen == [
        ("before update", {"id": 2, "name": "b", "data": None}, {"id": 2, "name": "z", "data": None}),
        ("after update", {"id": 2, "name": "b", "data": None}, {"id": 2, "name": "Z", "data": None}),
        ("batch", "UPDATE", 1, [{"id": 2, "name": "b", "data": None}]),
    ]
    assert db.execute_sql("SELECT name FROM items WHERE id = 2")[0]["name"] == "Z"
    seen.clear()
    db.execute_sql("DELETE FROM items WHERE id = 1")
    row = {"id": 1, "name": "a", "data": b"\x00\xff"}
    assert seen == [("before delete", row), ("after delete", row), ("batch", "DELETE", 1, [row])]
    seen.clear()
    db.execute_sql("DELETE FROM items WHERE id = 99")   # no row: no trigger, no batch
    assert seen == []


def test_after_update_audit_rows_share_the_transaction(db):
    db.execute_sql("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)")
    db.execute_sql("CREATE TABLE audit (account INTEGER, old INTEGER, new INTEGER)")
    db.execute_sql("INSERT INTO accounts VALUES (1, 100), (2, 50)")
    db.register_plugin(PythonPlugin(name="audit", triggers={"accounts": ["AFTER UPDATE"]}, code='''
def on_after_update(row, context):
    context.execute_sql("INSERT INTO audit VALUES (?, ?, ?)", [row["id"], context.old["balance"], row["balance"]])
    context.put(b"audited:%d" % row["id"], b"1")
'''))
    txn = db.transaction()
    txn.execute("UPDATE accounts SET balance = balance - 10")
    assert txn.execute("SELECT COUNT(*) AS n FROM audit")[0]["n"] == 2
    txn.abort()
    assert count(db, "audit") == 0 and db.get(b"audited:1") is None

    with db.transaction() as txn:
        txn.execute("UPDATE accounts SET balance = 7 WHERE id = 2")
    assert db.execute_sql("SELECT * FROM audit").to_dicts() == [{"account": 2, "old": 50, "new": 7}]
    assert db.get(b"audited:2") == b"1"

    # The statement's transaction is not the handler's to end.
    db.register_plugin(PythonPlugin(name="committer", triggers={"accounts": ["AFTER UPDATE"]},
                                    code="def on_after_update(row, context): context.transaction.commit()"))
    with pytest.raises(PluginExecutionError, match="cannot commit"):
        db.execute_sql("UPDATE accounts SET balance = 0")
    assert db.execute_sql("SELECT balance FROM accounts ORDER BY id").to_dicts() == [{"balance": 100}, {"balance": 7}]


def test_a_failure_mid_insert_select_writes_none_of_the_rows(db):
    db.execute_sql("CREATE TABLE source (n INTEGER)")
    db.execute_sql("CREATE TABLE target (n INTEGER)")
    db.execute_sql("CREATE TABLE log (n INTEGER)")
    with db.transaction() as txn:
        for n in range(1000):
            txn.execute("INSERT INTO source VALUES (?)", [n])
    db.register_plugin(PythonPlugin(name="picky", triggers={"target": ["AFTER INSERT"]}, code='''
def on_after_insert(row, context):
    context.execute_sql("INSERT INTO log VALUES (?)", [row["n"]])
    if row["n"] == 600:
        raise TriggerAbort("six hundred", code="SIX")
'''))
    txn = db.transaction()
    txn.execute("INSERT INTO target VALUES (-1)")   # an earlier statement of the transaction stays
    with pytest.raises(TriggerAbort, match="six hundred"):
        txn.execute("INSERT INTO target SELECT n FROM source")
    assert txn.execute("SELECT COUNT(*) AS n FROM target")[0]["n"] == 1
    assert txn.execute("SELECT COUNT(*) AS n FROM log")[0]["n"] == 1
    txn.commit()
    assert count(db, "target") == 1 and count(db, "log") == 1


def test_nested_triggers_report_the_innermost_verdict(db):
    db.execute_sql("CREATE TABLE orders (n INTEGER)")
    db.execute_sql("CREATE TABLE shipments (n INTEGER)")
    db.register_plugin(PythonPlugin(name="ship", triggers={"orders": ["AFTER INSERT"]}, code='''
def on_after_insert(row, context):
    context.execute_sql("INSERT INTO shipments VALUES (?)", [row["n"]])
'''))
    db.register_plugin(PythonPlugin(name="no_thirteen", triggers={"shipments": ["BEFORE INSERT"]}, code='''
def on_before_insert(row):
    if row["n"] == 13:
        raise TriggerAbort("unlucky", code=13)
'''))
    db.execute_sql("INSERT INTO orders VALUES (1), (2)")
    with pytest.raises(TriggerAbort) as caught:
        db.execute_sql("INSERT INTO orders VALUES (13)")
    assert caught.value.plugin == "no_thirteen" and caught.value.code == 13
    assert count(db, "orders") == 2 and count(db, "shipments") == 2


def test_a_context_kept_past_its_handler_is_closed(db):
    db.execute_sql("CREATE TABLE t (n INTEGER)")
    db.register_plugin(PythonPlugin(name="keeper", triggers={"t": ["AFTER INSERT"]}, code='''
kept = []
def on_after_insert(row, context):
    kept.append(context)
    context.transaction  # opened while the handler runs
'''))
    db.execute_sql("INSERT INTO t VALUES (1)")
    context = db.plugins._plugins["keeper"].namespace["kept"][0]
    assert isinstance(context, TriggerContext)
    with pytest.raises(DatabaseError):
        context.execute_sql("INSERT INTO t VALUES (2)")
    assert count(db, "t") == 1


def test_keyboard_interrupt_fails_the_statement_and_propagates(db):
    db.execute_sql("CREATE TABLE t (n INTEGER)")
    db.register_plugin(PythonPlugin(name="interrupt", triggers={"t": ["BEFORE INSERT"]},
                                    code="def on_before_insert(row): raise KeyboardInterrupt"))
    with pytest.raises(KeyboardInterrupt):
        db.execute_sql("INSERT INTO t VALUES (1)")
    assert count(db, "t") == 0


def test_threads_fire_triggers_concurrently(db):
    db.execute_sql("CREATE TABLE events (id INTEGER PRIMARY KEY, thread INTEGER, n INTEGER)")
    db.execute_sql("CREATE TABLE audit (thread INTEGER, n INTEGER)")
    db.register_plugin(PythonPlugin(name="audit", triggers={"events": ["AFTER INSERT", "BEFORE INSERT"]}, code='''
def on_before_insert(row):
    if row["n"] % 10 == 9:
        raise TriggerAbort("no nines")
def on_after_insert(row, context):
    context.execute_sql("INSERT INTO audit VALUES (?, ?)", [row["thread"], row["n"]])
'''))
    errors = []

    def work(t):
        try:
            for n in range(40):
                try:
                    db.execute_sql("INSERT INTO events (thread, n) VALUES (?, ?)", [t, n])
                except TriggerAbort:
                    assert n % 10 == 9
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = db.execute_sql("SELECT thread, n FROM events ORDER BY thread, n").to_dicts()
    audit = db.execute_sql("SELECT thread, n FROM audit ORDER BY thread, n").to_dicts()
    assert events == audit and len(events) == 4 * 36


def test_before_handlers_may_read_but_not_write(db):
    db.execute_sql("CREATE TABLE t (n INTEGER)")
    db.execute_sql("CREATE TABLE limits (max INTEGER)")
    db.execute_sql("INSERT INTO limits VALUES (10)")
    db.register_plugin(PythonPlugin(name="limit", triggers={"t": ["BEFORE INSERT"]}, code='''
def on_before_insert(row, context):
    if row["n"] > context.execute_sql("SELECT max FROM limits")[0]["max"]:
        raise TriggerAbort("over the limit", code="LIMIT")
    if row["n"] == 7:
        context.put(b"k", b"v")
'''))
    db.execute_sql("INSERT INTO t VALUES (5)")
    with pytest.raises(TriggerAbort, match="over the limit"):
        db.execute_sql("INSERT INTO t VALUES (11)")
    with pytest.raises(PluginExecutionError, match="may read and change its row, not write"):
        db.execute_sql("INSERT INTO t VALUES (7)")
    assert count(db, "t") == 1 and db.get(b"k") is None


def test_a_handler_using_the_callers_own_transaction_fails_instead_of_hanging(db):
    db.execute_sql("CREATE TABLE t (n INTEGER)")
    txn = db.transaction()
    import builtins
    builtins._sochdb_test_txn = txn
    try:
        db.register_plugin(PythonPlugin(name="reuse", triggers={"t": ["AFTER INSERT"]}, code='''
import builtins
def on_after_insert(row):
    builtins._sochdb_test_txn.put(b"x", b"y")
'''))
        with pytest.raises(PluginExecutionError, match="running a statement on this thread"):
            txn.execute("INSERT INTO t VALUES (1)")
        assert txn.execute("SELECT COUNT(*) AS n FROM t")[0]["n"] == 0 and txn.get(b"x") is None
        txn.commit()
    finally:
        del builtins._sochdb_test_txn


def test_an_abort_by_a_c_or_swift_trigger_keeps_its_code():
    from sochdb.errors import error_for_code

    e = error_for_code(840, "trigger audit aborted the statement: no money [NSF]")
    assert isinstance(e, TriggerAbort) and str(e) == "no money" and e.code == "NSF" and e.plugin == "audit"
    e = error_for_code(840, "trigger t aborted the statement: plain")
    assert str(e) == "plain" and e.code is None
