/* sqlbench_sqlite.c: the SQL workload of Benchmarks/sql_side_by_side.py on SQLite.
 * Its Swift twin is `sochdb-bench sql` (Benchmarks/SochBench/SQL.swift): same
 * schema, rows, statements and random ids (change both together).
 *
 *   gcc -O2 -march=native sqlbench_sqlite.c -o sqlbench_sqlite -lsqlite3
 *   ./sqlbench_sqlite --dir /tmp/x [--rows 200000] [--batch 1000] [--lookups 200000] [--seed 7]
 *
 * Schema: items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER,
 * price REAL) with an index on name. Row i (1-based): name 'item-<i>',
 * category i % 100, price (i % 1000) / 10.0. Inserted in id order, one
 * parameterised INSERT per row, `--batch` rows per transaction (BEGIN …
 * COMMIT). Then `--lookups` point selects by primary key and as many by the
 * indexed name, ids drawn by SplitMix64(seed) % rows + 1.
 * Journal: WAL, synchronous=NORMAL; every statement prepared once.
 * Prints one JSON object: {"insert_rows_per_s":…, "pk_selects_per_s":…, "index_selects_per_s":…}.
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "sqlite %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) { fprintf(stderr, "%s: %s\n", sql, err); exit(1); }
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    long rows = 200000, batch = 1000, lookups = 200000;
    uint64_t seed = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
        else if (!strcmp(argv[i], "--rows")) rows = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch")) batch = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--lookups")) lookups = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 10);
        else { fprintf(stderr, "unknown flag %s\n", argv[i]); return 64; }
    }
    if (!dir) { fprintf(stderr, "--dir is required\n"); return 64; }
    char path[4096];
    snprintf(path, sizeof path, "mkdir -p '%s' && rm -f '%s'/sql.db*", dir, dir);
    if (system(path) != 0) return 1;
    snprintf(path, sizeof path, "%s/sql.db", dir);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) die(db, "open");
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=NORMAL");
    exec(db, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER, price REAL)");
    exec(db, "CREATE INDEX items_name ON items(name)");
    sqlite3_stmt *ins, *by_id, *by_name;
    if (sqlite3_prepare_v2(db, "INSERT INTO items (id, name, category, price) VALUES (?, ?, ?, ?)", -1, &ins, NULL)) die(db, "prepare");
    if (sqlite3_prepare_v2(db, "SELECT name, price FROM items WHERE id = ?", -1, &by_id, NULL)) die(db, "prepare");
    if (sqlite3_prepare_v2(db, "SELECT id, price FROM items WHERE name = ?", -1, &by_name, NULL)) die(db, "prepare");
    char name[64];
    double t0 = now();
    for (long i = 1; i <= rows; i++) {
        if ((i - 1) % batch == 0) exec(db, "BEGIN");
        int n = snprintf(name, sizeof name, "item-%ld", i);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_text(ins, 2, name, n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, i % 100);
        sqlite3_bind_double(ins, 4, (double)(i % 1000) / 10.0);
        if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert");
        sqlite3_reset(ins);
        if (i % batch == 0 || i == rows) exec(db, "COMMIT");
    }
    double t1 = now();
    uint64_t s = seed;
    long found = 0;
    for (long j = 0; j < lookups; j++) {
        sqlite3_bind_int64(by_id, 1, (long)(splitmix(&s) % (uint64_t)rows) + 1);
        while (sqlite3_step(by_id) == SQLITE_ROW) found++;
        sqlite3_reset(by_id);
    }
    double t2 = now();
    s = seed ^ 0x5555;
    for (long j = 0; j < lookups; j++) {
        int n = snprintf(name, sizeof name, "item-%ld", (long)(splitmix(&s) % (uint64_t)rows) + 1);
        sqlite3_bind_text(by_name, 1, name, n, SQLITE_TRANSIENT);
        while (sqlite3_step(by_name) == SQLITE_ROW) found++;
        sqlite3_reset(by_name);
    }
    double t3 = now();
    if (found != 2 * lookups) { fprintf(stderr, "expected %ld rows, found %ld\n", 2 * lookups, found); return 1; }
    printf("{\"engine\": \"sqlite %s\", \"rows\": %ld, \"insert_rows_per_s\": %.0f, \"pk_selects_per_s\": %.0f, \"index_selects_per_s\": %.0f}\n",
           sqlite3_libversion(), rows, rows / (t1 - t0), lookups / (t2 - t1), lookups / (t3 - t2));
    sqlite3_finalize(ins); sqlite3_finalize(by_id); sqlite3_finalize(by_name);
    sqlite3_close(db);
    return 0;
}
