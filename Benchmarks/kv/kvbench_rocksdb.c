/* kvbench_rocksdb.c: the key-value workload of kv_workload.h on RocksDB,
 * through its C API only.
 *
 *   gcc -O2 -march=native kvbench_rocksdb.c -o kvbench_rocksdb -lrocksdb -lm
 *   ./kvbench_rocksdb --dir /tmp/x [--keys N ...]     (flags: kv_workload.h)
 *
 * Configuration (the fairness choices of Benchmarks/README.md; the rest is
 * RocksDB's default, e.g. 4 KiB blocks, index and filter blocks held by the
 * table readers rather than the block cache, max_open_files -1):
 *   compression          none (the values are incompressible; all three store raw bytes)
 *   write_buffer_size    64 MiB
 *   max_background_jobs  2
 *   table                block-based, LRU block cache of the row's size,
 *                        bloom filter 10 bits/key
 *   writes               WAL on; sync=false, except sync=true for commit_sync
 *   reads                rocksdb_get_pinned (no copy of the value)
 * The define KV_ROCKSDB_VERSION (from rocksdb/version.h, which is C++) names
 * the version; the C API has no call for it.
 */
#include "kv_workload.h" /* first: it sets _GNU_SOURCE */

#include <rocksdb/c.h>

#ifndef KV_ROCKSDB_VERSION
#define KV_ROCKSDB_VERSION "unknown"
#endif

typedef struct {
    rocksdb_t *db;
    rocksdb_options_t *options;
    rocksdb_block_based_table_options_t *table;
    rocksdb_cache_t *cache;
    rocksdb_writeoptions_t *write;
    rocksdb_readoptions_t *read;
    rocksdb_writebatch_t *batch;
    rocksdb_pinnableslice_t *value; /* the last point read's value, or NULL */
} rk_handle;

typedef struct {
    rocksdb_iterator_t *it;
    int started; /* scan_next has been called once */
} rk_cursor;

static void rk_check(char *err, const char *what) {
    if (err) kv_die("rocksdb %s: %s", what, err);
}

static void *rk_open(const kv_config *c, uint64_t cache_mib, int create) {
    rk_handle *h = calloc(1, sizeof *h);
    char *err = NULL;
    h->options = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(h->options, (unsigned char)create);
    rocksdb_options_set_compression(h->options, rocksdb_no_compression);
    rocksdb_options_set_write_buffer_size(h->options, 64 << 20);
    rocksdb_options_set_max_background_jobs(h->options, 2);
    h->table = rocksdb_block_based_options_create();
    h->cache = rocksdb_cache_create_lru((size_t)cache_mib << 20);
    rocksdb_block_based_options_set_block_cache(h->table, h->cache);
    rocksdb_block_based_options_set_filter_policy(h->table, rocksdb_filterpolicy_create_bloom(10));
    rocksdb_options_set_block_based_table_factory(h->options, h->table);
    h->db = rocksdb_open(h->options, c->dir, &err);
    rk_check(err, "open");
    h->write = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(h->write, 0);
    h->read = rocksdb_readoptions_create();
    h->batch = rocksdb_writebatch_create();
    return h;
}

static void rk_batch_begin(void *p) { rocksdb_writebatch_clear(((rk_handle *)p)->batch); }

static void rk_batch_put(void *p, const char *k, size_t kl, const unsigned char *v, size_t vl) {
    rocksdb_writebatch_put(((rk_handle *)p)->batch, k, kl, (const char *)v, vl);
}

static void rk_batch_commit(void *p) {
    rk_handle *h = p;
    char *err = NULL;
    rocksdb_write(h->db, h->write, h->batch, &err);
    rk_check(err, "write");
}

static void rk_flush(void *p) {
    rk_handle *h = p;
    char *err = NULL;
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    rocksdb_flush(h->db, fo, &err);
    rk_check(err, "flush");
    rocksdb_flushoptions_destroy(fo);
}

/* Waits until no flush or compaction is pending or running, so the read
 * rows do not share the CPUs with background work. */
static void rk_settle(void *p) {
    rk_handle *h = p;
    const char *props[] = {"rocksdb.compaction-pending", "rocksdb.num-running-compactions",
                           "rocksdb.num-running-flushes", "rocksdb.mem-table-flush-pending"};
    for (;;) {
        uint64_t busy = 0, v;
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
            if (rocksdb_property_int(h->db, props[i], &v) == 0) busy += v;
        if (!busy) return;
        usleep(10000);
    }
}

/* The value stays valid until the next rk_get or rk_close. */
static long rk_get(void *p, const char *k, size_t kl, const unsigned char **v) {
    rk_handle *h = p;
    char *err = NULL;
    if (h->value) rocksdb_pinnableslice_destroy(h->value);
    h->value = rocksdb_get_pinned(h->db, h->read, k, kl, &err);
    rk_check(err, "get");
    if (!h->value) return -1;
    size_t vl;
    *v = (const unsigned char *)rocksdb_pinnableslice_value(h->value, &vl);
    return (long)vl;
}

/* A fresh iterator per scan, as a point-in-time range query would take. */
static void *rk_scan_open(void *p, const char *start, size_t sl) {
    rk_handle *h = p;
    rk_cursor *c = malloc(sizeof *c);
    c->it = rocksdb_create_iterator(h->db, h->read);
    c->started = 0;
    if (start) rocksdb_iter_seek(c->it, start, sl);
    else rocksdb_iter_seek_to_first(c->it);
    return c;
}

static int rk_scan_next(void *p, const char **k, size_t *kl, const unsigned char **v, size_t *vl) {
    rk_cursor *c = p;
    if (c->started) rocksdb_iter_next(c->it);
    c->started = 1;
    if (!rocksdb_iter_valid(c->it)) {
        char *err = NULL;
        rocksdb_iter_get_error(c->it, &err);
        rk_check(err, "iterator");
        return 0;
    }
    *k = rocksdb_iter_key(c->it, kl);
    *v = (const unsigned char *)rocksdb_iter_value(c->it, vl);
    return 1;
}

static void rk_scan_close(void *p) {
    rk_cursor *c = p;
    rocksdb_iter_destroy(c->it);
    free(c);
}

static void rk_sync_begin(void *p) { rocksdb_writeoptions_set_sync(((rk_handle *)p)->write, 1); }

static void rk_sync_put(void *p, const char *k, size_t kl, const unsigned char *v, size_t vl) {
    rk_handle *h = p;
    char *err = NULL;
    rocksdb_put(h->db, h->write, k, kl, (const char *)v, vl, &err);
    rk_check(err, "put");
}

static void rk_close(void *p) {
    rk_handle *h = p;
    if (h->value) rocksdb_pinnableslice_destroy(h->value);
    rocksdb_close(h->db);
    rocksdb_writebatch_destroy(h->batch);
    rocksdb_readoptions_destroy(h->read);
    rocksdb_writeoptions_destroy(h->write);
    rocksdb_options_destroy(h->options);
    rocksdb_block_based_options_destroy(h->table);
    rocksdb_cache_destroy(h->cache);
    free(h);
}

int main(int argc, char **argv) {
    kv_engine e = {
        .name = "rocksdb", .version = KV_ROCKSDB_VERSION,
        .open = rk_open, .batch_begin = rk_batch_begin, .batch_put = rk_batch_put,
        .batch_commit = rk_batch_commit, .flush = rk_flush, .settle = rk_settle, .get = rk_get,
        .scan_open = rk_scan_open, .scan_next = rk_scan_next, .scan_close = rk_scan_close,
        .sync_begin = rk_sync_begin, .sync_put = rk_sync_put, .close = rk_close,
    };
    return kv_run(&e, argc, argv);
}
