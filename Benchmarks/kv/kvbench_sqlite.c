/* kvbench_sqlite.c: the key-value workload of kv_workload.h on SQLite.
 *
 *   gcc -O2 -march=native kvbench_sqlite.c -o kvbench_sqlite -lsqlite3 -lm
 *   ./kvbench_sqlite --dir /tmp/x [--keys N ...]     (flags: kv_workload.h)
 *
 * Configuration (the fairness choices of Benchmarks/README.md):
 *   table      CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID
 *   journal    WAL, synchronous=NORMAL (no fsync per commit), default
 *              wal_autocheckpoint (1000 pages); synchronous=FULL for commit_sync
 *   cache      cache_size = -(cache MiB * 1024), mmap_size = 0
 *   threading  SQLITE_OPEN_NOMUTEX: one thread, no connection mutex
 *   statements every statement prepared once; blobs bound SQLITE_STATIC
 */
#include "kv_workload.h" /* first: it sets _GNU_SOURCE */

#include <sqlite3.h>

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *begin, *commit, *insert, *select, *scan_all, *scan_from;
    sqlite3_stmt *scan; /* the statement the open cursor steps, or NULL */
} sq_handle;

static void sq_check(sq_handle *h, int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        kv_die("sqlite %s: %s (%d)", what, h->db ? sqlite3_errmsg(h->db) : "?", rc);
}

static void sq_exec(sq_handle *h, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(h->db, sql, NULL, NULL, &err) != SQLITE_OK) kv_die("sqlite %s: %s", sql, err);
}

static sqlite3_stmt *sq_prepare(sq_handle *h, const char *sql) {
    sqlite3_stmt *s;
    sq_check(h, sqlite3_prepare_v2(h->db, sql, -1, &s, NULL), sql);
    return s;
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
static void sq_step_done(sq_handle *h, sqlite3_stmt *s, const char *what) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {}
    sq_check(h, rc, what);
    sqlite3_reset(s);
}

static void *sq_open(const kv_config *c, uint64_t cache_mib, int create) {
    sq_handle *h = calloc(1, sizeof *h);
    char path[4096], sql[128];
    snprintf(path, sizeof path, "%s/kv.sqlite", c->dir);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    sq_check(h, sqlite3_open_v2(path, &h->db, flags, NULL), "open");
    sq_exec(h, "PRAGMA journal_mode=WAL");
    sq_exec(h, "PRAGMA synchronous=NORMAL");
    sq_exec(h, "PRAGMA mmap_size=0");
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%llu", (unsigned long long)cache_mib * 1024);
    sq_exec(h, sql);
    if (create) sq_exec(h, "CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
    h->begin = sq_prepare(h, "BEGIN");
    h->commit = sq_prepare(h, "COMMIT");
    h->insert = sq_prepare(h, "INSERT INTO kv(k, v) VALUES(?, ?)");
    h->select = sq_prepare(h, "SELECT v FROM kv WHERE k = ?");
    h->scan_all = sq_prepare(h, "SELECT k, v FROM kv ORDER BY k");
    h->scan_from = sq_prepare(h, "SELECT k, v FROM kv WHERE k >= ? ORDER BY k");
    return h;
}

/* Ends the last point read: a statement left stepping keeps a read
 * transaction open, which would defer every later autocommit. */
static void sq_release(sq_handle *h) { sqlite3_reset(h->select); }

static void sq_batch_begin(void *p) {
    sq_handle *h = p;
    sq_release(h);
    sq_step_done(h, h->begin, "BEGIN");
}
static void sq_batch_commit(void *p) { sq_handle *h = p; sq_step_done(h, h->commit, "COMMIT"); }

static void sq_insert(sq_handle *h, const char *k, size_t kl, const unsigned char *v, size_t vl) {
    sqlite3_bind_blob(h->insert, 1, k, (int)kl, SQLITE_STATIC);
    sqlite3_bind_blob(h->insert, 2, v, (int)vl, SQLITE_STATIC);
    sq_step_done(h, h->insert, "INSERT");
}

static void sq_batch_put(void *p, const char *k, size_t kl, const unsigned char *v, size_t vl) { sq_insert(p, k, kl, v, vl); }

static void sq_flush(void *p) {
    sq_handle *h = p;
    sq_release(h);
    sqlite3_stmt *s = sq_prepare(h, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (sqlite3_step(s) != SQLITE_ROW) kv_die("wal_checkpoint: %s", sqlite3_errmsg(h->db));
    if (sqlite3_column_int(s, 0) != 0) kv_die("wal_checkpoint(TRUNCATE) was blocked");
    sqlite3_finalize(s);
}

/* The value stays valid until the next sq_get or sq_release. */
static long sq_get(void *p, const char *k, size_t kl, const unsigned char **v) {
    sq_handle *h = p;
    sqlite3_reset(h->select);
    sqlite3_bind_blob(h->select, 1, k, (int)kl, SQLITE_STATIC);
    int rc = sqlite3_step(h->select);
    if (rc == SQLITE_DONE) return -1;
    sq_check(h, rc, "SELECT");
    *v = sqlite3_column_blob(h->select, 0);
    return sqlite3_column_bytes(h->select, 0);
}

/* The cursor is the handle itself: at most one scan is open at a time. */
static void *sq_scan_open(void *p, const char *start, size_t sl) {
    sq_handle *h = p;
    sq_release(h);
    if (h->scan) kv_die("two scans open");
    h->scan = start ? h->scan_from : h->scan_all;
    if (start) sqlite3_bind_blob(h->scan, 1, start, (int)sl, SQLITE_STATIC);
    return h;
}

static int sq_scan_next(void *p, const char **k, size_t *kl, const unsigned char **v, size_t *vl) {
    sq_handle *h = p;
    int rc = sqlite3_step(h->scan);
    if (rc == SQLITE_DONE) return 0;
    sq_check(h, rc, "scan");
    *k = sqlite3_column_blob(h->scan, 0);
    *kl = (size_t)sqlite3_column_bytes(h->scan, 0);
    *v = sqlite3_column_blob(h->scan, 1);
    *vl = (size_t)sqlite3_column_bytes(h->scan, 1);
    return 1;
}

static void sq_scan_close(void *p) {
    sq_handle *h = p;
    sqlite3_reset(h->scan);
    h->scan = NULL;
}

/* In WAL mode only synchronous=FULL syncs the WAL at every commit. */
static void sq_sync_begin(void *p) {
    sq_release(p);
    sq_exec(p, "PRAGMA synchronous=FULL");
}

/* Outside BEGIN...COMMIT each INSERT is its own transaction. */
static void sq_sync_put(void *p, const char *k, size_t kl, const unsigned char *v, size_t vl) { sq_insert(p, k, kl, v, vl); }

static void sq_close(void *p) {
    sq_handle *h = p;
    sqlite3_stmt *all[] = {h->begin, h->commit, h->insert, h->select, h->scan_all, h->scan_from};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
    sq_check(h, sqlite3_close(h->db), "close");
    free(h);
}

int main(int argc, char **argv) {
    kv_engine e = {
        .name = "sqlite", .version = sqlite3_libversion(),
        .open = sq_open, .batch_begin = sq_batch_begin, .batch_put = sq_batch_put,
        .batch_commit = sq_batch_commit, .flush = sq_flush, .settle = NULL, .get = sq_get,
        .scan_open = sq_scan_open, .scan_next = sq_scan_next, .scan_close = sq_scan_close,
        .sync_begin = sq_sync_begin, .sync_put = sq_sync_put, .close = sq_close,
    };
    return kv_run(&e, argc, argv);
}
