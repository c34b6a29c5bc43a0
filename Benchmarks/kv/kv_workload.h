/* kv_workload.h: the key-value workload shared by kvbench_sqlite.c and
 * kvbench_rocksdb.c; Benchmarks/SochBench/KV.swift is its Swift twin and
 * must generate the same keys, values and orders (change both together).
 *
 * Contract of the workload (Benchmarks/README.md, "Key-value store"):
 *   key(i)    = "k" + 15 decimal digits of i, zero-padded (16 ASCII bytes)
 *   value(i)  = value_size bytes: SplitMix64 outputs, little-endian, from
 *               the state stream_seed(seed, KV_STREAM_VALUES) ^ (i * 0xD1B54A32D192ED03)
 *   load order: Fisher-Yates shuffle of 0..N-1 (j = next() % (i + 1), i from
 *               N-1 down to 1) on the stream KV_STREAM_PERMUTATION
 *   random reads / scan starts: next() % range on their own streams
 *   percentiles: nearest rank, sorted[ceil(p * n) - 1]
 *   storage_read_bytes: read_bytes of /proc/self/io over the row (what the
 *               page cache did not serve)
 *
 * Single-threaded; everything here is header-only (static functions) so each
 * engine program is one translation unit. Errors of the environment print a
 * message and exit(1): a benchmark that half-worked must not print figures.
 */
#ifndef KV_WORKLOAD_H
#define KV_WORKLOAD_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KV_KEY_SIZE 16

enum {
    KV_STREAM_PERMUTATION = 1,
    KV_STREAM_VALUES = 2,
    KV_STREAM_CACHED_READS = 3,
    KV_STREAM_UNCACHED_READS = 4,
    KV_STREAM_SHORT_SCANS = 5,
};

/* ------------------------------------------------------------------ config */

typedef struct {
    uint64_t keys;           /* N: keys loaded */
    uint64_t batch;          /* keys per transaction / write batch */
    uint64_t value_size;     /* bytes per value */
    uint64_t reads;          /* read_random_cached gets */
    uint64_t uncached_reads; /* read_random_uncached gets */
    uint64_t short_scans;    /* scan_short scans */
    uint64_t scan_length;    /* keys per short scan */
    uint64_t sync_commits;   /* commit_sync puts */
    uint64_t seed;
    uint64_t cache_mib;       /* engine cache for load and cached reads */
    uint64_t small_cache_mib; /* engine cache after the reopen */
    const char *dir;          /* database directory (created, must not exist) */
    const char *drop_caches;  /* "driver", "self" or "none" */
} kv_config;

static void kv_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("kvbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void kv_usage(const char *prog) {
    fprintf(stderr,
            "usage: %s --dir DIR [--keys N] [--batch N] [--value-size N] [--reads N]\n"
            "       [--uncached-reads N] [--short-scans N] [--scan-length N] [--sync-commits N]\n"
            "       [--seed N] [--cache-mib N] [--small-cache-mib N] [--drop-caches driver|self|none]\n"
            "Prints one JSON object on stdout. With --drop-caches driver it prints the line\n"
            "'#drop-caches' between the phases and waits for 'ok' or 'failed <why>' on stdin.\n",
            prog);
    exit(2);
}

static uint64_t kv_parse_u64(const char *flag, const char *s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) kv_die("bad value for %s: %s", flag, s);
    return (uint64_t)v;
}

static void kv_parse(kv_config *c, int argc, char **argv) {
    *c = (kv_config){.keys = 1000000, .batch = 1000, .value_size = 100, .reads = 1000000,
                     .uncached_reads = 200000, .short_scans = 10000, .scan_length = 100,
                     .sync_commits = 2000, .seed = 42, .cache_mib = 256, .small_cache_mib = 4,
                     .dir = NULL, .drop_caches = "self"};
    struct { const char *flag; uint64_t *field; } nums[] = {
        {"--keys", &c->keys}, {"--batch", &c->batch}, {"--value-size", &c->value_size},
        {"--reads", &c->reads}, {"--uncached-reads", &c->uncached_reads},
        {"--short-scans", &c->short_scans}, {"--scan-length", &c->scan_length},
        {"--sync-commits", &c->sync_commits}, {"--seed", &c->seed},
        {"--cache-mib", &c->cache_mib}, {"--small-cache-mib", &c->small_cache_mib},
    };
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) kv_usage(argv[0]);
        const char *flag = argv[i], *val = argv[++i];
        int matched = 0;
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            if (strcmp(flag, nums[k].flag) == 0) { *nums[k].field = kv_parse_u64(flag, val); matched = 1; }
        }
        if (strcmp(flag, "--dir") == 0) { c->dir = val; matched = 1; }
        if (strcmp(flag, "--drop-caches") == 0) { c->drop_caches = val; matched = 1; }
        if (!matched) kv_usage(argv[0]);
    }
    if (!c->dir) kv_usage(argv[0]);
    if (c->keys == 0 || c->batch == 0 || c->keys >= 1000000000000000ULL) kv_die("--keys/--batch out of range");
    if (c->scan_length > c->keys) kv_die("--scan-length exceeds --keys");
    if (strcmp(c->drop_caches, "driver") && strcmp(c->drop_caches, "self") && strcmp(c->drop_caches, "none"))
        kv_die("--drop-caches must be driver, self or none");
}

/* -------------------------------------------------------------- generators */

static inline uint64_t kv_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The starting state of one named stream, so the streams are independent. */
static inline uint64_t kv_stream_seed(uint64_t seed, uint64_t stream) {
    uint64_t s = seed ^ (stream * 0x9E3779B97F4A7C15ULL);
    return kv_splitmix64(&s);
}

/* Writes key(i) into out[0..16). */
static inline void kv_key(char *out, uint64_t i) {
    out[0] = 'k';
    for (int p = KV_KEY_SIZE - 1; p >= 1; p--) { out[p] = (char)('0' + i % 10); i /= 10; }
}

/* Writes value(i) into out[0..size). */
static inline void kv_value(unsigned char *out, uint64_t i, uint64_t size, uint64_t seed) {
    uint64_t s = kv_stream_seed(seed, KV_STREAM_VALUES) ^ (i * 0xD1B54A32D192ED03ULL);
    for (uint64_t off = 0; off < size; off += 8) {
        uint64_t r = kv_splitmix64(&s);
        for (uint64_t b = 0; b < 8 && off + b < size; b++) out[off + b] = (unsigned char)(r >> (8 * b));
    }
}

/* The load order: a permutation of 0..n-1 (caller frees). */
static uint64_t *kv_permutation(uint64_t n, uint64_t seed) {
    uint64_t *p = malloc(n * sizeof *p);
    if (!p) kv_die("out of memory");
    for (uint64_t i = 0; i < n; i++) p[i] = i;
    uint64_t s = kv_stream_seed(seed, KV_STREAM_PERMUTATION);
    for (uint64_t i = n - 1; i >= 1; i--) {
        uint64_t j = kv_splitmix64(&s) % (i + 1);
        uint64_t t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
}

/* ------------------------------------------------------------------ timing */

static inline double kv_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int kv_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of v[0..n) (sorts v in place). */
static double kv_percentile(double *v, uint64_t n, double p) {
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, kv_cmp_double);
    uint64_t rank = (uint64_t)ceil(p * (double)n);
    return v[(rank ? rank : 1) - 1];
}

/* ------------------------------------------------------------- environment */

static uint64_t kv_tree_bytes;
static int kv_tree_visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)path; (void)ftw;
    if (type == FTW_F) kv_tree_bytes += (uint64_t)st->st_size;
    return 0;
}

/* Sum of the apparent sizes of the regular files under dir. */
static uint64_t kv_dir_bytes(const char *dir) {
    kv_tree_bytes = 0;
    if (nftw(dir, kv_tree_visit, 16, FTW_PHYS) != 0) kv_die("cannot walk %s: %s", dir, strerror(errno));
    return kv_tree_bytes;
}

static long kv_peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Bytes this process has caused to be read from storage (read_bytes of
 * /proc/self/io; page-cache hits do not count), or 0 where unavailable. */
static uint64_t kv_storage_read_bytes(void) {
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    unsigned long long v = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "read_bytes: %llu", &v) == 1) break;
    fclose(f);
    return v;
}

/* Drops the OS page cache between the phases. Returns 1 if it was dropped;
 * otherwise writes why not into note. */
static int kv_drop_page_cache(const kv_config *c, char *note, size_t note_size) {
    note[0] = 0;
    if (strcmp(c->drop_caches, "none") == 0) { snprintf(note, note_size, "not attempted (--drop-caches none)"); return 0; }
    if (strcmp(c->drop_caches, "driver") == 0) {
        char line[512];
        printf("#drop-caches\n");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) { snprintf(note, note_size, "driver did not answer"); return 0; }
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "ok", 2) == 0) return 1;
        snprintf(note, note_size, "%s", line);
        return 0;
    }
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "3", 1) != 1) {
        snprintf(note, note_size, "writing /proc/sys/vm/drop_caches failed: %s", strerror(errno));
        if (fd >= 0) close(fd);
        return 0;
    }
    close(fd);
    return 1;
}

/* ------------------------------------------------------------- JSON report */

/* One JSON object built by appending; rows are emitted in the order added. */
typedef struct {
    char buf[1 << 16];
    size_t len;
    int rows_open;   /* inside "rows": {...} */
    int row_fields;  /* fields written in the current row */
    int rows;        /* rows written */
} kv_report;

static void kv_append(kv_report *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->buf + r->len, sizeof r->buf - r->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof r->buf - r->len) kv_die("report too long");
    r->len += (size_t)n;
}

/* Appends s as a JSON string (quotes, backslashes and control bytes escaped). */
static void kv_append_string(kv_report *r, const char *s) {
    kv_append(r, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') kv_append(r, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) kv_append(r, "\\u%04x", *s);
        else kv_append(r, "%c", *s);
    }
    kv_append(r, "\"");
}

static void kv_report_begin(kv_report *r, const char *engine, const char *version, const kv_config *c) {
    r->len = 0; r->rows = 0; r->row_fields = 0;
    kv_append(r, "{\"engine\": ");
    kv_append_string(r, engine);
    kv_append(r, ", \"version\": ");
    kv_append_string(r, version);
    kv_append(r, ", \"params\": {\"keys\": %llu, \"batch\": %llu, \"value_size\": %llu, \"reads\": %llu, "
                 "\"uncached_reads\": %llu, \"short_scans\": %llu, \"scan_length\": %llu, \"sync_commits\": %llu, "
                 "\"seed\": %llu, \"cache_mib\": %llu, \"small_cache_mib\": %llu}",
              (unsigned long long)c->keys, (unsigned long long)c->batch, (unsigned long long)c->value_size,
              (unsigned long long)c->reads, (unsigned long long)c->uncached_reads,
              (unsigned long long)c->short_scans, (unsigned long long)c->scan_length,
              (unsigned long long)c->sync_commits, (unsigned long long)c->seed,
              (unsigned long long)c->cache_mib, (unsigned long long)c->small_cache_mib);
    kv_append(r, ", \"rows\": {");
    r->rows_open = 1;
}

/* Starts a row; ops == 0 leaves out ops and ops_per_s (the flush row). */
static void kv_row(kv_report *r, const char *name, uint64_t ops, double seconds) {
    if (r->rows_open != 1) kv_die("kv_row outside rows");
    kv_append(r, "%s\"%s\": {\"seconds\": %.6f", r->rows++ ? "}, " : "", name, seconds);
    if (ops) kv_append(r, ", \"ops\": %llu, \"ops_per_s\": %.1f", (unsigned long long)ops, (double)ops / seconds);
    fprintf(stderr, "kvbench: %-22s %10.3f s", name, seconds);
    if (ops) fprintf(stderr, "  %12.0f ops/s", (double)ops / seconds);
    fputc('\n', stderr);
}

/* Adds a number to the current row. */
static void kv_row_number(kv_report *r, const char *key, double v) {
    const char *fmt = v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.6g";
    kv_append(r, ", \"%s\": ", key);
    kv_append(r, fmt, v);
    fprintf(stderr, "kvbench:   %s = ", key);
    fprintf(stderr, fmt, v);
    fputc('\n', stderr);
}

static void kv_close_rows(kv_report *r) {
    if (r->rows_open == 1) { kv_append(r, "%s}", r->rows ? "}" : ""); r->rows_open = 2; }
}

/* Adds a top-level field whose value is already JSON text. */
static void kv_field_json(kv_report *r, const char *key, const char *json) {
    kv_close_rows(r);
    kv_append(r, ", \"%s\": %s", key, json);
}

static void kv_field_string(kv_report *r, const char *key, const char *s) {
    kv_close_rows(r);
    kv_append(r, ", \"%s\": ", key);
    kv_append_string(r, s);
}

static void kv_field_u64(kv_report *r, const char *key, uint64_t v) {
    kv_close_rows(r);
    kv_append(r, ", \"%s\": %llu", key, (unsigned long long)v);
}

/* Prints the object as one line on stdout. */
static void kv_report_end(kv_report *r) {
    kv_field_u64(r, "peak_rss_kb", (uint64_t)kv_peak_rss_kb());
    kv_append(r, "}");
    printf("%s\n", r->buf);
    fflush(stdout);
}

/* ------------------------------------------------------------ engine hooks */

/* What an engine program provides; kv_run drives it through the rows. A
 * handle is whatever the engine needs; pointers returned by get and
 * scan_next stay valid until the next call on the same handle or cursor. */
typedef struct {
    const char *name;
    const char *version;
    /* Opens the database in c->dir with an engine cache of cache_mib MiB;
     * create is 1 for the first (loading) open. */
    void *(*open)(const kv_config *c, uint64_t cache_mib, int create);
    void (*batch_begin)(void *h);
    void (*batch_put)(void *h, const char *key, size_t klen, const unsigned char *value, size_t vlen);
    void (*batch_commit)(void *h); /* non-synchronous commit */
    void (*flush)(void *h);        /* make the loaded data durable in the main files */
    void (*settle)(void *h);       /* optional: wait for background work the flush started */
    /* Returns the value's length and points *value at it, or -1 if absent. */
    long (*get)(void *h, const char *key, size_t klen, const unsigned char **value);
    /* A cursor over [start, end of keyspace); start NULL = first key. */
    void *(*scan_open)(void *h, const char *start, size_t slen);
    int (*scan_next)(void *cur, const char **key, size_t *klen, const unsigned char **value, size_t *vlen);
    void (*scan_close)(void *cur);
    void (*sync_begin)(void *h);   /* switch to one synchronous commit per put */
    void (*sync_put)(void *h, const char *key, size_t klen, const unsigned char *value, size_t vlen);
    void (*close)(void *h);
} kv_engine;

static uint64_t kv_random_gets(const kv_engine *e, void *h, const kv_config *c, uint64_t count,
                               uint64_t stream, double *seconds) {
    char key[KV_KEY_SIZE];
    const unsigned char *v;
    uint64_t misses = 0, s = kv_stream_seed(c->seed, stream);
    double t0 = kv_now();
    for (uint64_t r = 0; r < count; r++) {
        kv_key(key, kv_splitmix64(&s) % c->keys);
        if (e->get(h, key, KV_KEY_SIZE, &v) != (long)c->value_size) misses++;
    }
    *seconds = kv_now() - t0;
    return misses;
}

/* Rows before the reopen; returns the database size after the flush. */
static uint64_t kv_phase_load(const kv_engine *e, const kv_config *c, kv_report *rep) {
    void *h = e->open(c, c->cache_mib, 1);
    char key[KV_KEY_SIZE];
    unsigned char *value = malloc(c->value_size + 8);
    uint64_t *order = kv_permutation(c->keys, c->seed);
    double t0 = kv_now();
    for (uint64_t b = 0; b < c->keys; b += c->batch) {
        uint64_t end = b + c->batch < c->keys ? b + c->batch : c->keys;
        e->batch_begin(h);
        for (uint64_t i = b; i < end; i++) {
            kv_key(key, order[i]);
            kv_value(value, order[i], c->value_size, c->seed);
            e->batch_put(h, key, KV_KEY_SIZE, value, c->value_size);
        }
        e->batch_commit(h);
    }
    kv_row(rep, "bulk_load", c->keys, kv_now() - t0);
    free(order);

    t0 = kv_now();
    e->flush(h);
    kv_row(rep, "flush", 0, kv_now() - t0);
    if (e->settle) {
        t0 = kv_now();
        e->settle(h);
        kv_row_number(rep, "background_settle_seconds", kv_now() - t0);
    }
    uint64_t loaded_bytes = kv_dir_bytes(c->dir);

    /* Warm-up: every key once, in key order, checking the full value. */
    uint64_t wrong = 0;
    const unsigned char *v;
    t0 = kv_now();
    for (uint64_t i = 0; i < c->keys; i++) {
        kv_key(key, i);
        kv_value(value, i, c->value_size, c->seed);
        if (e->get(h, key, KV_KEY_SIZE, &v) != (long)c->value_size || memcmp(v, value, c->value_size)) wrong++;
    }
    double warm = kv_now() - t0;
    double secs;
    uint64_t misses = kv_random_gets(e, h, c, c->reads, KV_STREAM_CACHED_READS, &secs);
    kv_row(rep, "read_random_cached", c->reads, secs);
    kv_row_number(rep, "misses", (double)misses);
    kv_row_number(rep, "warmup_seconds", warm);
    kv_row_number(rep, "warmup_wrong_values", (double)wrong);
    e->close(h);
    free(value);
    return loaded_bytes;
}

static void kv_scan_full(const kv_engine *e, void *h, const kv_config *c, kv_report *rep) {
    char prev[KV_KEY_SIZE];
    size_t prev_len = 0;
    uint64_t seen = 0, order_errors = 0, bad_values = 0;
    const char *k; const unsigned char *v; size_t kl, vl;
    double t0 = kv_now();
    void *cur = e->scan_open(h, NULL, 0);
    while (e->scan_next(cur, &k, &kl, &v, &vl)) {
        if (seen > 0) {
            size_t m = kl < prev_len ? kl : prev_len;
            int cmp = memcmp(prev, k, m);
            if (cmp > 0 || (cmp == 0 && prev_len >= kl)) order_errors++;
        }
        if (vl != c->value_size) bad_values++;
        prev_len = kl < KV_KEY_SIZE ? kl : KV_KEY_SIZE;
        memcpy(prev, k, prev_len);
        seen++;
    }
    e->scan_close(cur);
    kv_row(rep, "scan_full", seen, kv_now() - t0);
    kv_row_number(rep, "keys_seen", (double)seen);
    kv_row_number(rep, "expected_keys", (double)c->keys);
    kv_row_number(rep, "order_errors", (double)order_errors);
    kv_row_number(rep, "bad_values", (double)bad_values);
}

static void kv_scan_short(const kv_engine *e, void *h, const kv_config *c, kv_report *rep) {
    char start[KV_KEY_SIZE];
    uint64_t errors = 0, s = kv_stream_seed(c->seed, KV_STREAM_SHORT_SCANS);
    const char *k; const unsigned char *v; size_t kl, vl;
    double t0 = kv_now();
    for (uint64_t n = 0; n < c->short_scans; n++) {
        kv_key(start, kv_splitmix64(&s) % (c->keys - c->scan_length + 1));
        void *cur = e->scan_open(h, start, KV_KEY_SIZE);
        uint64_t got = 0;
        while (got < c->scan_length && e->scan_next(cur, &k, &kl, &v, &vl)) {
            if (got == 0 && (kl != KV_KEY_SIZE || memcmp(k, start, KV_KEY_SIZE))) errors++;
            got++;
        }
        e->scan_close(cur);
        if (got != c->scan_length) errors++;
    }
    kv_row(rep, "scan_short", c->short_scans, kv_now() - t0);
    kv_row_number(rep, "errors", (double)errors);
}

static void kv_commit_sync(const kv_engine *e, void *h, const kv_config *c, kv_report *rep) {
    char key[KV_KEY_SIZE];
    unsigned char *value = malloc(c->value_size + 8);
    double *lat = malloc((c->sync_commits + 1) * sizeof *lat);
    e->sync_begin(h);
    double t0 = kv_now();
    for (uint64_t j = 0; j < c->sync_commits; j++) {
        kv_key(key, c->keys + j);
        kv_value(value, c->keys + j, c->value_size, c->seed);
        double t = kv_now();
        e->sync_put(h, key, KV_KEY_SIZE, value, c->value_size);
        lat[j] = (kv_now() - t) * 1e6;
    }
    kv_row(rep, "commit_sync", c->sync_commits, kv_now() - t0);
    kv_row_number(rep, "p50_us", kv_percentile(lat, c->sync_commits, 0.50));
    kv_row_number(rep, "p99_us", kv_percentile(lat, c->sync_commits, 0.99));
    kv_row_number(rep, "max_us", c->sync_commits ? lat[c->sync_commits - 1] : 0);
    free(lat);
    free(value);
}

/* Runs every row of the workload on e and prints the JSON report. */
static int kv_run(const kv_engine *e, int argc, char **argv) {
    kv_config c;
    kv_report *rep = calloc(1, sizeof *rep);
    kv_parse(&c, argc, argv);
    if (mkdir(c.dir, 0755) != 0) kv_die("cannot create %s: %s", c.dir, strerror(errno));
    kv_report_begin(rep, e->name, e->version, &c);

    uint64_t loaded_bytes = kv_phase_load(e, &c, rep);
    char note[600];
    int dropped = kv_drop_page_cache(&c, note, sizeof note);
    if (!dropped) fprintf(stderr, "kvbench: page cache NOT dropped (%s): uncached reads hit the OS page cache\n", note);

    /* The rows after the reopen run on the small cache. */
    uint64_t io0 = kv_storage_read_bytes();
    double t0 = kv_now();
    void *h = e->open(&c, c.small_cache_mib, 0);
    double open_seconds = kv_now() - t0, secs;
    uint64_t io1 = kv_storage_read_bytes();
    uint64_t misses = kv_random_gets(e, h, &c, c.uncached_reads, KV_STREAM_UNCACHED_READS, &secs);
    kv_row(rep, "read_random_uncached", c.uncached_reads, secs);
    kv_row_number(rep, "misses", (double)misses);
    kv_row_number(rep, "storage_read_bytes", (double)(kv_storage_read_bytes() - io1));
    kv_row_number(rep, "open_seconds", open_seconds);
    kv_row_number(rep, "open_storage_read_bytes", (double)(io1 - io0));
    io0 = kv_storage_read_bytes();
    kv_scan_full(e, h, &c, rep);
    kv_row_number(rep, "storage_read_bytes", (double)(kv_storage_read_bytes() - io0));
    kv_scan_short(e, h, &c, rep);
    kv_commit_sync(e, h, &c, rep);
    e->close(h);

    kv_field_u64(rep, "db_size_bytes", loaded_bytes);
    kv_field_u64(rep, "db_size_final_bytes", kv_dir_bytes(c.dir));
    kv_field_json(rep, "page_cache_dropped", dropped ? "true" : "false");
    kv_field_string(rep, "page_cache_note", note);
    kv_report_end(rep);
    free(rep);
    return 0;
}

#endif /* KV_WORKLOAD_H */
