"""The seed README's embedded-mode code blocks, as written.

Each test holds one block of ``../shared/seed/sochdb-python-sdk-readme.txt``
(indentation restored: the seed's text lost it), run in a fresh temporary
working directory so its relative paths ("./my_database") land there, and
checks what it prints where the seed shows the output. Setup the seed
leaves implicit (a table for the LLM example, an OpenAI stand-in) is
marked as such.
"""

import json
import os
import sys
import time
import types
import uuid
from datetime import datetime, timedelta

import pytest

from sochdb import Database
from sochdb.errors import DatabaseError, TransactionError

pytestmark = pytest.mark.usefixtures("in_tmp")


def test_quick_start(capsys):
    from sochdb import Database
    # Open database (creates if not exists)
    db = Database.open("./my_database")
    # Store and retrieve data
    db.put(b"user:1", b'{"name": "Alice"}')
    value = db.get(b"user:1")
    print(value) # b'{"name": "Alice"}'
    # Clean up
    db.close()
    assert capsys.readouterr().out == "b'{\"name\": \"Alice\"}'\n"


def test_quick_start_context_manager():
    from sochdb import Database
    with Database.open("./my_database") as db:
        db.put(b"key", b"value")
        value = db.get(b"key")
    # Database automatically closed
    assert value == b"value"
    with pytest.raises(DatabaseError):
        db.get(b"key")
    # The directory was released: it opens again.
    with Database.open("./my_database") as again:
        assert again.get(b"key") == b"value"


def test_opening_a_database():
    from sochdb import Database
    # Basic open
    db = Database.open("./data")
    db.close()
    # Context manager (recommended)
    with Database.open("./data") as db:
        # operations here
        pass


def test_basic_operations():
    with Database.open("./data") as db:
        # Put (create/update)
        db.put(b"key", b"value")
        # Get (returns None if not found)
        value = db.get(b"key")
        assert value == b"value"
        # Delete
        db.delete(b"key")
        assert db.get(b"key") is None


def test_path_operations():
    with Database.open("./data") as db:
        # Store at path
        db.put_path("users/alice/email", b"alice@example.com")
        db.put_path("config/app/theme", b"dark")
        # Retrieve by path
        email = db.get_path("users/alice/email")
        assert email == b"alice@example.com"
        assert db.get_path("config/app/theme") == b"dark"


def test_transactions():
    with Database.open("./data") as db:
        # Auto-commit with context manager
        with db.transaction() as txn:
            txn.put(b"key1", b"value1")
            txn.put(b"key2", b"value2")
            # Automatically commits on success
            # Automatically aborts on exception
        # Manual control
        txn = db.transaction()
        txn.put(b"key", b"value")
        txn.commit() # or txn.abort()
        assert [db.get(k) for k in (b"key1", b"key2", b"key")] == [b"value1", b"value2", b"value"]

        with pytest.raises(RuntimeError):
            with db.transaction() as txn:
                txn.put(b"aborted", b"x")
                raise RuntimeError("boom")
        assert db.get(b"aborted") is None


def test_range_scans(capsys):
    with Database.open("./data") as db:
        for k in (b"a", b"user:1", b"user:2", b"user;", b"log:2024-01-15:1", b"log:2024-01-16:1"):
            db.put(k, b"v-" + k)
        # Scan all keys
        for key, value in db.scan():
            print(key, value)
        # Scan range [start, end)
        for key, value in db.scan(b"user:", b"user;"):
            print(key, value)
        # Prefix scan pattern
        prefix = b"log:2024-01-15:"
        end = prefix[:-1] + bytes([prefix[-1] + 1])
        for key, value in db.scan(prefix, end):
            print(key, value)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:6] == [f"{k} {b'v-' + k}" for k in sorted(
        [b"a", b"user:1", b"user:2", b"user;", b"log:2024-01-15:1", b"log:2024-01-16:1"])]
    assert lines[6:] == ["b'user:1' b'v-user:1'", "b'user:2' b'v-user:2'",
                         "b'log:2024-01-15:1' b'v-log:2024-01-15:1'"]


def test_checkpoint_and_stats(capsys):
    with Database.open("./data") as db:
        db.put(b"k", b"v")
        # Force checkpoint to disk
        lsn = db.checkpoint()
        # Get storage statistics
        stats = db.stats()
        print(stats)
    # {'memtable_size_bytes': 1024, 'wal_size_bytes': 4096, ...}
    assert isinstance(lsn, int) and lsn >= 1
    out = capsys.readouterr().out
    assert out.startswith("{'keys_count': ") and "'memtable_size_bytes': " in out and "'wal_size_bytes': " in out


def test_toon_to_toon(capsys):
    from sochdb import Database
    records = [
        {"id": 1, "name": "Alice", "email": "alice@example.com", "age": 30},
        {"id": 2, "name": "Bob", "email": "bob@example.com", "age": 25},
    ]
    # Convert all fields
    toon_str = Database.to_toon("users", records)
    print(toon_str)
    # users[2]{id,name,email,age}:1,Alice,alice@example.com,30;2,Bob,bob@example.com,25
    # Convert specific fields only
    toon_str = Database.to_toon("users", records, ["name", "email"])
    print(toon_str)
    # users[2]{name,email}:Alice,alice@example.com;Bob,bob@example.com
    assert capsys.readouterr().out == (
        "users[2]{id,name,email,age}:1,Alice,alice@example.com,30;2,Bob,bob@example.com,25\n"
        "users[2]{name,email}:Alice,alice@example.com;Bob,bob@example.com\n"
    )


def test_toon_from_toon(capsys):
    toon_str = "users[2]{name,email}:Alice,alice@ex.com;Bob,bob@ex.com"
    table_name, fields, records = Database.from_toon(toon_str)
    print(table_name) # "users"
    print(fields) # ["name", "email"]
    print(records)
    # [
    # {"name": "Alice", "email": "alice@ex.com"},
    # {"name": "Bob", "email": "bob@ex.com"}
    # ]
    assert capsys.readouterr().out == (
        "users\n['name', 'email']\n"
        "[{'name': 'Alice', 'email': 'alice@ex.com'}, {'name': 'Bob', 'email': 'bob@ex.com'}]\n"
    )


@pytest.fixture
def openai_stand_in(monkeypatch):
    """A local stand-in for the OpenAI client the seed calls (no network here)."""
    calls = []
    module = types.ModuleType("openai")

    class ChatCompletion:
        @staticmethod
        def create(model, messages):
            calls.append({"model": model, "messages": messages})
            return {"choices": [{"message": {"content": "summary"}}]}

    module.ChatCompletion = ChatCompletion
    monkeypatch.setitem(sys.modules, "openai", module)
    return calls


def test_llm_context(openai_stand_in):
    # Setup the seed leaves implicit: the documents table.
    with Database.open("./knowledge_base") as db:
        db.execute_sql("CREATE TABLE documents (title TEXT, content TEXT, category TEXT, relevance_score REAL)")
        for i in range(15):
            db.execute_sql("INSERT INTO documents VALUES (?, ?, ?, ?)",
                           [f"Doc {i}", f"content {i}", "technical" if i % 3 else "other", i / 10])

    from sochdb import Database as SeedDatabase
    import openai
    with SeedDatabase.open("./knowledge_base") as db:
        # Query relevant documents
        results = db.execute_sql("""
        SELECT title, content, relevance_score
        FROM documents
        WHERE category = 'technical'
        ORDER BY relevance_score DESC
        LIMIT 10
        """)
        # Convert to TOON for efficient context
        records = [dict(row) for row in results]
        toon_context = Database.to_toon("documents", records, ["title", "content"])
        # Send to LLM (saves tokens!)
        response = openai.ChatCompletion.create(
            model="gpt-4",
            messages=[
                {"role": "system", "content": f"Context:\n{toon_context}"},
                {"role": "user", "content": "Summarize the technical documents"}
            ]
        )
    assert records[0] == {"title": "Doc 14", "content": "content 14", "relevance_score": 1.4}
    assert len(records) == 10
    assert toon_context.startswith("documents[10]{title,content}:Doc 14,content 14;Doc 13,content 13;")
    assert openai_stand_in[0]["messages"][0]["content"] == f"Context:\n{toon_context}"


def test_scan_batched_blocks():
    processed = []

    def process(key, value):
        processed.append(key)

    with Database.open("./data") as db:
        with db.transaction() as txn:
            for i in range(10_000):
                txn.put(f"prefix:{i:05d}".encode(), b"x")
        txn = db.transaction()
        # Regular scan: 1 FFI call per result
        for key, value in txn.scan(b"prefix:", b"prefix;"):
            process(key, value)
        # Batched scan: 1 FFI call per batch
        for key, value in txn.scan_batched(b"prefix:", b"prefix;", batch_size=1000):
            process(key, value)
        txn.abort()
    assert len(processed) == 20_000 and processed[:10_000] == processed[10_000:]
    assert processed[:10_000] == sorted(processed[:10_000])


def test_scan_batched_benchmark_example(capsys):
    from sochdb import Database
    import time
    with Database.open("./my_db") as db:
        # Insert 100K test records
        print("Inserting 100K records...")
        with db.transaction() as txn:
            for i in range(100000):
                txn.put(f"user:{i:06d}".encode(), f"data_{i}".encode())
        # Benchmark regular scan
        start = time.time()
        txn = db.transaction()
        count = sum(1 for _ in txn.scan(b"user:", b"user;"))
        regular_time = time.time() - start
        txn.abort()
        print(f"Regular scan: {count} items in {regular_time:.3f}s")
        # Benchmark batched scan
        start = time.time()
        txn = db.transaction()
        count = sum(1 for _ in txn.scan_batched(b"user:", b"user;", batch_size=1000))
        batched_time = time.time() - start
        txn.abort()
        print(f"Batched scan: {count} items in {batched_time:.3f}s")
        speedup = regular_time / batched_time
        print(f"Speedup: {speedup:.1f}×")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Inserting 100K records..."
    assert lines[1].startswith("Regular scan: 100000 items in ")
    assert lines[2].startswith("Batched scan: 100000 items in ")
    assert lines[3].startswith("Speedup: ")


def test_statistics_example(capsys):
    from sochdb import Database
    with Database.open("./my_db") as db:
        # Perform operations
        for i in range(1000):
            db.put(f"key:{i}".encode(), f"value:{i}".encode())
        # Get comprehensive statistics
        stats = db.stats()
        # Storage metrics
        print(f"Total keys: {stats.get('keys_count', 0):,}")
        print(f"Bytes written: {stats.get('bytes_written', 0):,}")
        print(f"Bytes read: {stats.get('bytes_read', 0):,}")
        # Transaction metrics
        print(f"Transactions committed: {stats.get('transactions_committed', 0)}")
        print(f"Transactions aborted: {stats.get('transactions_aborted', 0)}")
        # Query metrics
        print(f"Queries executed: {stats.get('queries_executed', 0)}")
        # Cache metrics
        hits = stats.get('cache_hits', 0)
        misses = stats.get('cache_misses', 0)
        total = hits + misses
        hit_rate = (hits / total * 100) if total > 0 else 0
        print(f"Cache hit rate: {hit_rate:.1f}%")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Total keys: 1,000"
    assert int(lines[1].split(": ")[1].replace(",", "")) >= 1000 * len(b"key:0value:0")
    # Auto-committed puts are single writes, not transactions (docs/storage.md).
    assert lines[3] == "Transactions committed: 0"
    assert lines[4] == "Transactions aborted: 0"
    assert lines[5] == "Queries executed: 0"
    assert lines[6].startswith("Cache hit rate: ")
    for name in ("keys_count", "bytes_written", "bytes_read", "transactions_committed", "transactions_aborted",
                 "queries_executed", "cache_hits", "cache_misses"):
        assert isinstance(stats[name], int), name


def test_monitoring_example(capsys, monkeypatch):
    # The seed's monitor loops forever; a stand-in time.sleep ends it after
    # two rounds (and writes between them, so the deltas are non-zero).
    import time
    from sochdb import Database

    rounds = []
    real_sleep = time.sleep

    def sleep(seconds):
        if len(rounds) == 2:
            raise KeyboardInterrupt
        rounds.append(seconds)

    def monitor_database(db_path: str, interval: int = 5):
        """Monitor database statistics every N seconds."""
        with Database.open(db_path) as db:
            prev_stats = db.stats()
            while True:
                time.sleep(interval)
                db.put(b"tick", b"x" * 100)  # (not in the seed: activity to report)
                curr_stats = db.stats()
                # Calculate deltas
                writes = curr_stats['bytes_written'] - prev_stats['bytes_written']
                reads = curr_stats['bytes_read'] - prev_stats['bytes_read']
                print(f"[{time.strftime('%H:%M:%S')}] "
                      f"Writes: {writes:,} bytes/s, "
                      f"Reads: {reads:,} bytes/s")
                prev_stats = curr_stats

    monkeypatch.setattr(time, "sleep", sleep)
    # Run monitor
    with pytest.raises(KeyboardInterrupt):
        monitor_database("./my_db", interval=5)
    monkeypatch.setattr(time, "sleep", real_sleep)
    lines = capsys.readouterr().out.splitlines()
    assert rounds == [5, 5] and len(lines) == 2
    assert all("Writes: " in line and "bytes/s, Reads: " in line for line in lines)


def test_checkpoint_example(capsys):
    from sochdb import Database
    with Database.open("./my_db") as db:
        # Bulk import
        print("Importing 100K records...")
        with db.transaction() as txn:
            for i in range(100000):
                txn.put(f"bulk:{i}".encode(), f"data:{i}".encode())
        # Force checkpoint for durability
        print("Checkpointing...")
        lsn = db.checkpoint()
        print(f"Checkpoint complete at LSN {lsn}")
        print("All data is now durable on disk!")
        assert db.stats()["last_checkpoint_lsn"] == lsn
    assert capsys.readouterr().out == (
        f"Importing 100K records...\nCheckpointing...\nCheckpoint complete at LSN {lsn}\n"
        "All data is now durable on disk!\n"
    )
    with Database.open("./my_db") as db:
        assert db.get(b"bulk:99999") == b"data:99999"


def test_when_to_checkpoint(in_tmp):
    with Database.open("./my_db") as db:
        db.put(b"k", b"v")
        # Before Backups
        db.checkpoint()
        os.system("tar -czf backup.tar.gz ./my_db")
        assert (in_tmp / "backup.tar.gz").stat().st_size > 0

        # After Bulk Imports
        class Item:
            def __init__(self, key, value):
                self.key, self.value = key, value
        batches = [[Item(f"b{j}:{i}".encode(), b"v") for i in range(100)] for j in range(3)]
        for batch in batches:
            with db.transaction() as txn:
                for record in batch:
                    txn.put(record.key, record.value)
        # Ensure durability
        db.checkpoint()

        # Before System Shutdown
        import signal

        def shutdown_handler(signum, frame):
            db.checkpoint()
            db.close()
            sys.exit(0)
        previous = signal.signal(signal.SIGTERM, shutdown_handler)
        signal.signal(signal.SIGTERM, previous)

        # Periodic Durability
        import threading
        checkpoints = []

        def periodic_checkpoint(db, interval=300):
            while True:
                time.sleep(interval)
                try:
                    checkpoints.append(db.checkpoint())
                except DatabaseError:  # (not in the seed: the test closes the database)
                    return
        thread = threading.Thread(target=periodic_checkpoint, args=(db, 0.05))
        thread.daemon = True
        thread.start()
        deadline = time.time() + 10
        while not checkpoints and time.time() < deadline:
            time.sleep(0.01)
        assert checkpoints


def test_transaction_id(capsys):
    with Database.open("./my_db") as db:
        txn = db.transaction()
        print(f"Transaction ID: {txn.id}") # e.g., 42
        txn.commit()
    assert capsys.readouterr().out.startswith("Transaction ID: ")
    assert isinstance(txn.id, int) and txn.id > 0


def test_lsn_tracking(capsys):
    with Database.open("./my_db") as db:
        txn = db.transaction()
        txn.put(b"key", b"value")
        lsn = txn.commit()
        print(f"Data committed at LSN {lsn}")
        db.checkpoint()
        # Later, verify checkpoint includes this LSN
        stats = db.stats()
        if stats.get('last_checkpoint_lsn', 0) >= lsn:
            print("Data is checkpointed and durable")
    assert capsys.readouterr().out == f"Data committed at LSN {lsn}\nData is checkpointed and durable\n"


def test_sql_and_kv_in_one_transaction():
    with Database.open("./my_db") as db:
        # Create table
        db.execute_sql("CREATE TABLE users (id INT, name TEXT)")
        # Atomic multi-table transaction
        txn = db.transaction()
        # Insert via SQL
        txn.execute("INSERT INTO users VALUES (1, 'Alice')")
        # Insert via KV (same transaction!)
        txn.put(b"user:1:metadata", b'{"verified": true}')
        # Commit both SQL and KV operations atomically
        txn.commit()
        assert [dict(r) for r in db.execute("SELECT id, name FROM users")] == [{"id": 1, "name": "Alice"}]
        assert db.get(b"user:1:metadata") == b'{"verified": true}'

        txn = db.transaction()
        txn.execute("INSERT INTO users VALUES (2, 'Bob')")
        txn.put(b"user:2:metadata", b"{}")
        txn.abort()
        assert len(db.execute("SELECT * FROM users")) == 1 and db.get(b"user:2:metadata") is None


class SessionCache:
    def __init__(self, db, ttl_hours=24):
        self.db = db
        self.ttl = timedelta(hours=ttl_hours)

    def set(self, session_id: str, user_data: dict):
        expires = (datetime.utcnow() + self.ttl).isoformat()
        value = {"data": user_data, "expires": expires}
        self.db.put(f"session:{session_id}".encode(),
                    json.dumps(value).encode())

    def get(self, session_id: str) -> dict | None:
        raw = self.db.get(f"session:{session_id}".encode())
        if not raw:
            return None
        value = json.loads(raw.decode())
        if datetime.fromisoformat(value["expires"]) < datetime.utcnow():
            self.delete(session_id)
            return None
        return value["data"]

    def delete(self, session_id: str):
        self.db.delete(f"session:{session_id}".encode())


class UserStore:
    def __init__(self, db):
        self.db = db

    def create_user(self, email: str, name: str) -> str:
        # Check uniqueness
        if self.db.get(f"idx:email:{email}".encode()):
            raise ValueError("Email exists")
        user_id = f"user_{int(time.time()*1000)}"
        user = {"id": user_id, "email": email, "name": name}
        with self.db.transaction() as txn:
            txn.put(f"users:{user_id}".encode(),
                    json.dumps(user).encode())
            txn.put(f"idx:email:{email}".encode(),
                    user_id.encode())
        return user_id

    def get_by_email(self, email: str) -> dict | None:
        user_id = self.db.get(f"idx:email:{email}".encode())
        if not user_id:
            return None
        data = self.db.get(f"users:{user_id.decode()}".encode())
        return json.loads(data.decode()) if data else None


class DocumentStore:
    def __init__(self, db, collection: str):
        self.db = db
        self.collection = collection

    def insert(self, doc: dict, doc_id: str = None) -> str:
        if not doc_id:
            doc_id = str(uuid.uuid4())[:8]
        key = f"doc:{self.collection}:{doc_id}".encode()
        self.db.put(key, json.dumps(doc).encode())
        return doc_id

    def find_all(self) -> list[dict]:
        prefix = f"doc:{self.collection}:".encode()
        docs = []
        for key, val in self.db.scan(prefix, prefix[:-1] + b";"):
            docs.append(json.loads(val.decode()))
        return docs


class FeatureFlags:
    def __init__(self, db, environment: str):
        self.db = db
        self.env = environment

    def set(self, feature: str, enabled: bool):
        path = f"features/{self.env}/{feature}"
        self.db.put_path(path, b"true" if enabled else b"false")

    def is_enabled(self, feature: str) -> bool:
        path = f"features/{self.env}/{feature}"
        val = self.db.get_path(path)
        return val and val.decode().lower() == "true"


def test_use_cases():
    with Database.open("./data") as db:
        cache = SessionCache(db, ttl_hours=1)
        cache.set("s1", {"user": "alice"})
        assert cache.get("s1") == {"user": "alice"}
        SessionCache(db, ttl_hours=-1).set("s2", {"user": "bob"})
        assert cache.get("s2") is None and db.get(b"session:s2") is None

        users = UserStore(db)
        uid = users.create_user("alice@example.com", "Alice")
        assert users.get_by_email("alice@example.com") == {"id": uid, "email": "alice@example.com", "name": "Alice"}
        with pytest.raises(ValueError):
            users.create_user("alice@example.com", "Alice again")
        assert users.get_by_email("nobody@example.com") is None

        docs = DocumentStore(db, "notes")
        docs.insert({"title": "a"}, "1")
        docs.insert({"title": "b"})
        DocumentStore(db, "other").insert({"title": "c"})
        assert sorted(d["title"] for d in docs.find_all()) == ["a", "b"]

        flags = FeatureFlags(db, "prod")
        flags.set("dark_mode", True)
        flags.set("beta", False)
        assert flags.is_enabled("dark_mode") and not flags.is_enabled("beta") and not flags.is_enabled("missing")


def test_best_practices():
    items = [types.SimpleNamespace(key=f"item:{i}".encode(), value=b"v") for i in range(100)]
    # ✓ Good
    with Database.open("./data") as db:
        db.put(b"key", b"value")
        # ✓ Good - single transaction
        with db.transaction() as txn:
            for item in items:
                txn.put(item.key, item.value)
        # ✗ Slow - many small transactions
        for item in items:
            db.put(item.key, item.value)
        data = b"{}"
        # ✓ Good - organized, scannable
        db.put(b"user:123:profile", data)
        db.put(b"user:123:settings", data)
        db.put(b"order:456:items", data)
        # ✓ Good
        value = db.get(b"missing")
        if value is None:
            # Handle missing key
            pass
        # ✗ Bad - assumes key exists
        with pytest.raises(AttributeError):
            value = db.get(b"missing").decode() # AttributeError if None
        assert [k for k, _ in db.scan_prefix(b"user:123:")] == [b"user:123:profile", b"user:123:settings"]


def test_error_handling(capsys):
    from sochdb.errors import DatabaseError, TransactionError
    with Database.open("./data") as db:
        try:
            with db.transaction() as txn:
                txn.put(b"key", b"value")
        except TransactionError as e:
            print(f"Transaction failed: {e}")
        except DatabaseError as e:
            print(f"Database error: {e}")
        assert db.get(b"key") == b"value"
        # A conflict is a TransactionError with code 600.
        t1, t2 = db.transaction(), db.transaction()
        t1.put(b"key", b"1")
        t2.put(b"key", b"2")
        t1.commit()
        try:
            t2.commit()
        except TransactionError as e:
            print(f"Transaction failed: {e}")
            assert e.code == 600
    assert capsys.readouterr().out.startswith("Transaction failed: ")


def test_troubleshooting_transaction_reuse():
    with Database.open("./data") as db:
        txn = db.transaction()
        txn.commit()
        with pytest.raises(TransactionError) as e:
            txn.put(b"k", b"v") # ✗ Error!
        assert e.value.code == 601
        # Create new transaction instead
        txn2 = db.transaction()
        txn2.put(b"k", b"v")
        txn2.commit()
        assert db.get(b"k") == b"v"
