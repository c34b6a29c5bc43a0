"""What a trigger costs an SQL INSERT, from Swift and from Python, beside
SQLite's triggers in the same run.

    python3 Benchmarks/triggers.py [--rows 20000] [--swift-rows 100000] [--repeats 3]

Run it from the checkout after `swift build -c release --product sochdb-bench`
and `bash scripts/build-native.sh` (or with the package pip-installed). Every
engine inserts the same rows into `items(id INTEGER PRIMARY KEY, name TEXT
NOT NULL, category INTEGER, price REAL)`, one INSERT statement per row, 1000
rows per transaction; each figure is the median of --repeats runs, in rows
per second. Prints a markdown table.

Rows
  Swift (sochdb-bench triggers): no trigger; a no-op BEFORE INSERT; a no-op
      AFTER INSERT; a BEFORE INSERT rewriting `name`; an AFTER INSERT writing
      an audit row through the statement's transaction.
  Python SDK (txn.execute per row): no trigger; a no-op Python plugin
      (BEFORE INSERT, `on_before_insert(row)` returning None); the seed's
      email-validator style rewrite of `name`; an AFTER INSERT plugin taking
      the context and inserting an audit row with `context.execute_sql`.
  SQLite (Python's sqlite3, same statements, synchronous=NORMAL, WAL): no
      trigger; a trigger calling a no-op Python function per row
      (`CREATE TRIGGER ... BEGIN SELECT noop(NEW.id); END`), the nearest
      thing SQLite has to a trigger written in Python; an AFTER INSERT
      trigger inserting the audit row in SQL.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "python") not in sys.path:
    sys.path.insert(0, str(ROOT / "python"))

SCHEMA = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER, price REAL)"
AUDIT = "CREATE TABLE audit (id INTEGER, name TEXT)"
INSERT = "INSERT INTO items (id, name, category, price) VALUES (?, ?, ?, ?)"
BATCH = 1000

PLUGINS = {
    "none": None,
    "before-noop": ("BEFORE INSERT", "def on_before_insert(row):\n    return None\n"),
    "before-rewrite": ("BEFORE INSERT", "def on_before_insert(row):\n    row['name'] = row['name'].upper()\n    return row\n"),
    "after-audit": ("AFTER INSERT", "def on_after_insert(row, context):\n"
                                    "    context.execute_sql('INSERT INTO audit VALUES (?, ?)', [row['id'], row['name']])\n"),
}


def row(i):
    return [i, f"item-{i}", i % 100, (i % 1000) / 10]


def python_sdk(mode, rows, folder):
    from sochdb import Database
    from sochdb.plugins import PythonPlugin

    path = os.path.join(tempfile.mkdtemp(dir=folder), f"py-{mode}")
    with Database.open(path, sync_mode="normal") as db:
        db.execute_sql(SCHEMA)
        db.execute_sql(AUDIT)
        if PLUGINS[mode]:
            event, code = PLUGINS[mode]
            db.register_plugin(PythonPlugin(name=mode, code=code, triggers={"items": [event]}))
        start = time.perf_counter()
        for first in range(1, rows + 1, BATCH):
            with db.transaction() as txn:
                for i in range(first, min(first + BATCH, rows + 1)):
                    txn.execute(INSERT, row(i))
        seconds = time.perf_counter() - start
        assert db.execute_sql("SELECT COUNT(*) AS n FROM items")[0]["n"] == rows
        if mode == "after-audit":
            assert db.execute_sql("SELECT COUNT(*) AS n FROM audit")[0]["n"] == rows
    return rows / seconds


def sqlite(mode, rows, folder):
    path = os.path.join(tempfile.mkdtemp(dir=folder), f"sqlite-{mode}.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(SCHEMA)
    db.execute(AUDIT)
    if mode == "before-noop":
        db.create_function("noop", 1, lambda x: None, deterministic=True)
        db.execute("CREATE TRIGGER t BEFORE INSERT ON items BEGIN SELECT noop(NEW.id); END")
    elif mode == "after-audit":
        db.execute("CREATE TRIGGER t AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (NEW.id, NEW.name); END")
    elif mode != "none":
        return None
    start = time.perf_counter()
    for first in range(1, rows + 1, BATCH):
        db.execute("BEGIN")
        for i in range(first, min(first + BATCH, rows + 1)):
            db.execute(INSERT, row(i))
        db.execute("COMMIT")
    seconds = time.perf_counter() - start
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == rows
    db.close()
    return rows / seconds


def swift(rows, folder, bench):
    out = subprocess.run([bench, "triggers", "--dir", os.path.join(folder, "swift"), "--rows", str(rows)],
                         check=True, capture_output=True, text=True).stdout
    return {doc["mode"]: doc["insert_rows_per_s"] for doc in map(json.loads, out.splitlines())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20000, help="rows per Python and SQLite run")
    parser.add_argument("--swift-rows", type=int, default=100000, help="rows per Swift run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bench", default=str(ROOT / ".build/release/sochdb-bench"))
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory(prefix="sochdb-triggers-") as folder:
        for _ in range(args.repeats):  # interleaved, so drift hits every row alike
            if os.path.exists(args.bench):
                for mode, value in swift(args.swift_rows, folder, args.bench).items():
                    results.setdefault(("SochDB Swift", mode), []).append(value)
            for mode in PLUGINS:
                results.setdefault(("SochDB Python SDK", mode), []).append(python_sdk(mode, args.rows, folder))
                value = sqlite(mode, args.rows, folder)
                if value is not None:
                    results.setdefault(("SQLite (Python sqlite3)", mode), []).append(value)
    print(f"| engine | trigger | rows/s (median of {args.repeats}) | vs no trigger |")
    print("|---|---|---:|---:|")
    for (engine, mode), values in results.items():
        median = statistics.median(values)
        base = statistics.median(results[(engine, "none")])
        print(f"| {engine} | {mode} | {median:,.0f} | {median / base:.2f}x |")


if __name__ == "__main__":
    main()
