/*
 * sochdb.h: the C ABI of SochDB (libsochdb.so), ABI version 1.
 *
 * An embedded, vector-search-first database: a transactional key-value
 * store with paths, scans, SQL and TOON, vector collections with metadata
 * filters, and standalone HNSW index files. This header is the whole
 * contract; the Python SDK (python/sochdb/_ffi.py) is built on it.
 *
 * ERRORS. Every function that can fail returns an int32_t: 0 (SOCHDB_OK)
 * on success, otherwise a stable SochDB error code (docs/errors.md: 1xx bad
 * input, 2xx corruption, 3xx I/O and locks, 4xx not found, 5xx closed,
 * 6xx transactions, 8xx SQL, 84x triggers). The failing call also records a message in
 * thread-local storage: sochdb_last_error_message() returns it until the
 * next call into the library *on the same thread* (every entry point clears
 * it first). Output parameters are written only on success. No Swift error,
 * trap or C++ exception crosses this boundary for any argument value; what
 * the library cannot check is the validity of pointers: a pointer argument
 * must be NULL (where allowed) or point to as many bytes as its length says.
 *
 * OWNERSHIP. A buffer the library returns (uint8_t ** / char ** outputs) is
 * allocated with malloc and owned by the caller, who frees it with
 * sochdb_free(). Text outputs are NUL-terminated UTF-8. Input buffers are
 * borrowed for the duration of the call only; the library keeps no pointer
 * to caller memory after it returns. Handles (sochdb_db, sochdb_txn,
 * sochdb_scan, sochdb_collection, sochdb_index) are released with their own
 * function, exactly once; a handle keeps what it needs alive, so releasing
 * them in any order is safe (a transaction outliving its database fails
 * with 510 "closed" rather than crashing).
 *
 * THREADS. A sochdb_db, sochdb_collection and sochdb_index may be used from
 * any number of threads at once. A sochdb_txn and a sochdb_scan belong to
 * one logical user at a time; concurrent calls on the same one are
 * serialised by an internal lock (safe, not parallel). Calls do not hold
 * any global lock, so a caller that releases its own lock (Python's GIL)
 * runs them in parallel.
 *
 * KEYS. Keys are 0 bytes to 1 MiB of arbitrary bytes, except that keys whose
 * first byte is 0xFF are reserved for SochDB's own records (code 120).
 * Values are arbitrary bytes, shorter than 4 GiB. Paths are UTF-8 strings of
 * '/'-separated non-empty segments ("users/alice/email").
 *
 * The library links the Swift runtime statically: it needs only libc,
 * libstdc++, libm and the system's OpenBLAS (libopenblas0), and exports
 * only the functions below (plus Swift symbols no C caller sees).
 */
#ifndef SOCHDB_H
#define SOCHDB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOCHDB_OK 0
#define SOCHDB_ABI_VERSION 1

/* Result formats of sochdb_execute / sochdb_txn_execute. */
#define SOCHDB_FORMAT_JSON 0
#define SOCHDB_FORMAT_TOON 1

typedef struct sochdb_db sochdb_db;
typedef struct sochdb_txn sochdb_txn;
typedef struct sochdb_scan sochdb_scan;
typedef struct sochdb_collection sochdb_collection;
typedef struct sochdb_index sochdb_index;

/* ---- Library ------------------------------------------------------------ */

/* SOCHDB_ABI_VERSION of the loaded library; a caller built against another
 * version should refuse to run. Never fails. */
int32_t sochdb_abi_version(void);

/* The library version ("0.3.0"); a static string, never freed. */
const char *sochdb_version(void);

/* This thread's last error code (0 after a successful call). */
int32_t sochdb_last_error_code(void);

/* This thread's last error message ("" after a successful call). Owned by
 * the library; valid until the next call into the library on this thread. */
const char *sochdb_last_error_message(void);

/* Frees a buffer the library returned. NULL is a no-op. */
void sochdb_free(void *pointer);

/* ---- Database ----------------------------------------------------------- */

/* Opens (creating if missing) the database in the directory `path`.
 * `options_json` may be NULL or a JSON object with any of:
 *   "sync_mode": "off" | "normal" | "full"   (default "normal")
 *   "memtable_size_bytes": int               (default 64 MiB)
 *   "cache_size_bytes": int                  (default 64 MiB)
 *   "wal_recovery": "strict" | "salvage"     (default "strict")
 * An unknown key or a bad value is code 120. A directory another process
 * holds is 311; one this process already opened is 311 too.
 * On success *out_db is a new handle: release it with sochdb_close. */
int32_t sochdb_open(const char *path, const char *options_json, sochdb_db **out_db);

/* Flushes, closes and releases the handle: sochdb_db_close then
 * sochdb_db_free. The handle is invalid afterwards even if this fails (it
 * reports the failure of the final flush). NULL is a no-op returning 0. */
int32_t sochdb_close(sochdb_db *db);

/* Flushes and closes the database but keeps the handle valid: every later
 * call on it (or on its transactions, scans, collections) fails with 510
 * instead of touching freed memory, so a caller whose other threads may
 * still hold the handle (a garbage-collected binding) closes with this and
 * frees when the last user is gone. Closing twice is a no-op. */
int32_t sochdb_db_close(sochdb_db *db);

/* Releases a handle closed with sochdb_db_close (or closes it first). NULL
 * is a no-op. */
void sochdb_db_free(sochdb_db *db);

/* Stores `value` at `key` (an auto-committed write). *out_lsn (may be NULL)
 * receives the commit's log sequence number. */
int32_t sochdb_put(sochdb_db *db, const uint8_t *key, size_t key_len,
                   const uint8_t *value, size_t value_len, uint64_t *out_lsn);

/* Reads `key`. If it exists, *out_found = 1 and *out_value, *out_len receive
 * a copy (free with sochdb_free; a zero-length value still gets a non-NULL
 * buffer); otherwise *out_found = 0 and *out_value = NULL. */
int32_t sochdb_get(sochdb_db *db, const uint8_t *key, size_t key_len,
                   uint8_t **out_value, size_t *out_len, int32_t *out_found);

/* Deletes `key` (deleting a missing key succeeds). */
int32_t sochdb_delete(sochdb_db *db, const uint8_t *key, size_t key_len, uint64_t *out_lsn);

/* The same by path (NUL-terminated UTF-8, e.g. "users/alice/email"). */
int32_t sochdb_put_path(sochdb_db *db, const char *path, const uint8_t *value, size_t value_len,
                        uint64_t *out_lsn);
int32_t sochdb_get_path(sochdb_db *db, const char *path, uint8_t **out_value, size_t *out_len,
                        int32_t *out_found);
int32_t sochdb_delete_path(sochdb_db *db, const char *path, uint64_t *out_lsn);

/* Flushes everything to table files, recycles the WAL and saves collection
 * graphs; *out_lsn (may be NULL) receives the checkpoint's LSN. */
int32_t sochdb_checkpoint(sochdb_db *db, uint64_t *out_lsn);

/* Statistics as a JSON object: keys_count, bytes_written, bytes_read,
 * transactions_committed, transactions_aborted, queries_executed,
 * cache_hits, cache_misses, memtable_size_bytes, wal_size_bytes,
 * last_checkpoint_lsn, ... (docs/storage.md). Free with sochdb_free. */
int32_t sochdb_stats_json(sochdb_db *db, char **out_json);

/* ---- Scans -------------------------------------------------------------- */

/* Starts a scan of the keys in [start, end) at a snapshot taken now. A NULL
 * `start` scans from the first key, a NULL `end` to the last (their lengths
 * are then ignored). Reserved 0xFF keys are never returned. Release with
 * sochdb_scan_close. */
int32_t sochdb_scan_open(sochdb_db *db, const uint8_t *start, size_t start_len,
                         const uint8_t *end, size_t end_len, sochdb_scan **out_scan);

/* The next batch of pairs in key order, packed into one buffer:
 *     count x (u32 little-endian key length, u32 little-endian value length)
 *     then key 0, value 0, key 1, value 1, ... back to back
 * A batch holds `max_entries` (1..1,000,000) pairs of the snapshot; a
 * transaction's scan merges its own writes into them, so its batches may
 * hold a few more or fewer. *out_count receives the number of pairs and
 * *out_len the buffer's size; at the end of the range *out_count = 0 and
 * *out_buffer = NULL. Free a non-NULL buffer with sochdb_free. */
int32_t sochdb_scan_next(sochdb_scan *scan, size_t max_entries, uint8_t **out_buffer,
                         size_t *out_len, size_t *out_count);

/* Releases a scan (NULL is a no-op). */
void sochdb_scan_close(sochdb_scan *scan);

/* ---- Transactions ------------------------------------------------------- */

/* Begins a snapshot-isolated transaction. Its reads see the snapshot taken
 * now plus its own writes; commit fails with 600 if another commit wrote one
 * of its keys first. Release with sochdb_txn_free. */
int32_t sochdb_txn_begin(sochdb_db *db, sochdb_txn **out_txn);

/* The transaction's id (0 for NULL). Never fails. */
uint64_t sochdb_txn_id(const sochdb_txn *txn);

/* Reads and writes inside the transaction, as their sochdb_db namesakes.
 * After commit or abort every call returns 601. */
int32_t sochdb_txn_put(sochdb_txn *txn, const uint8_t *key, size_t key_len,
                       const uint8_t *value, size_t value_len);
int32_t sochdb_txn_get(sochdb_txn *txn, const uint8_t *key, size_t key_len,
                       uint8_t **out_value, size_t *out_len, int32_t *out_found);
int32_t sochdb_txn_delete(sochdb_txn *txn, const uint8_t *key, size_t key_len);
int32_t sochdb_txn_put_path(sochdb_txn *txn, const char *path, const uint8_t *value, size_t value_len);
int32_t sochdb_txn_get_path(sochdb_txn *txn, const char *path, uint8_t **out_value, size_t *out_len,
                            int32_t *out_found);
int32_t sochdb_txn_delete_path(sochdb_txn *txn, const char *path);

/* A scan of [start, end) at the transaction's snapshot with its own writes
 * applied (its puts appear, its deletes hide), streamed: the range is never
 * held in memory whole. It merges the writes made before it opened; later
 * writes of the transaction do not change it. */
int32_t sochdb_txn_scan_open(sochdb_txn *txn, const uint8_t *start, size_t start_len,
                             const uint8_t *end, size_t end_len, sochdb_scan **out_scan);

/* Runs one SQL statement inside the transaction (see sochdb_execute). */
int32_t sochdb_txn_execute(sochdb_txn *txn, const char *sql, const char *params_json, int32_t format,
                           char **out_text, size_t *out_len);

/* Commits; *out_lsn (may be NULL) receives the LSN. The transaction is
 * finished whether or not the commit succeeds. */
int32_t sochdb_txn_commit(sochdb_txn *txn, uint64_t *out_lsn);

/* Aborts (a finished transaction: 601). */
int32_t sochdb_txn_abort(sochdb_txn *txn);

/* Releases the handle, aborting the transaction if it is still open. NULL
 * is a no-op. */
void sochdb_txn_free(sochdb_txn *txn);

/* ---- SQL ---------------------------------------------------------------- */

/* Runs one SQL statement (docs/sql.md) as its own transaction.
 * `params_json` is NULL or a JSON array of values for the `?` parameters:
 * null, true/false, integers, reals, strings, {"$blob": "<hex>"}.
 * format SOCHDB_FORMAT_JSON gives
 *     {"columns": [...], "rows": [[...], ...], "rows_affected": N}
 * with blobs as {"$blob": "<hex>"}; SOCHDB_FORMAT_TOON gives the rows as
 * the TOON table "result[N]{col,...}:...". *out_len receives the text's
 * length without its NUL. Errors are 8xx (syntax with its position, unknown
 * table, constraint...) and 600 for a conflict. */
int32_t sochdb_execute(sochdb_db *db, const char *sql, const char *params_json, int32_t format,
                       char **out_text, size_t *out_len);

/* ---- Triggers (docs/triggers.md) ---------------------------------------- */

/* Event bits of sochdb_trigger_register's `events` mask. */
#define SOCHDB_TRIGGER_BEFORE_INSERT 0x01
#define SOCHDB_TRIGGER_AFTER_INSERT  0x02
#define SOCHDB_TRIGGER_BEFORE_UPDATE 0x04
#define SOCHDB_TRIGGER_AFTER_UPDATE  0x08
#define SOCHDB_TRIGGER_BEFORE_DELETE 0x10
#define SOCHDB_TRIGGER_AFTER_DELETE  0x20
#define SOCHDB_TRIGGER_ON_BATCH      0x40

/* One event a trigger function is called for; valid only during the call,
 * on the calling thread. */
typedef struct sochdb_trigger_call sochdb_trigger_call;

/* A trigger function, called once per event with the event as JSON
 * (`event_json`, NUL-terminated, `event_len` bytes without the NUL; owned by
 * the library and valid until the function returns):
 *     {"trigger": NAME, "event": "BEFORE INSERT", "operation": "INSERT",
 *      "table": NAME, "columns": [...], "row": ROW|null, "old": ROW|null,
 *      "batch": [{"old": ROW|null, "new": ROW|null}, ...]}
 * ROW is an object of column -> value (as in params_json; blobs are
 * {"$blob": "<hex>"}, reals always have a fraction or an exponent). "row"
 * is the new row (INSERT, UPDATE), "old" the row before (UPDATE, DELETE);
 * "batch" is filled for "ON BATCH" only.
 *
 * It runs on the thread executing the statement, inside
 * the SochDB call that runs it (sochdb_execute, sochdb_txn_execute, or a
 * statement a trigger runs), possibly on several threads at once. Return 0
 * to let the statement go on, anything else to fail it: with the abort
 * recorded by sochdb_trigger_abort (the caller gets 840 and the message,
 * with " [code]" appended), else with the message given to
 * sochdb_trigger_fail (841), else with "the trigger callback returned N"
 * (841). A failed statement writes nothing, including what the trigger
 * wrote through sochdb_trigger_call_txn. A sochdb_txn whose call is
 * running this trigger is busy on this thread: calls on it fail with 820;
 * use sochdb_trigger_call_txn. */
typedef int32_t (*sochdb_trigger_fn)(void *user_data, sochdb_trigger_call *call, const char *event_json,
                                     size_t event_len);

/* Binds `fn` to the events in `events` (SOCHDB_TRIGGER_* bits) on `table`
 * (case-insensitive; it need not exist yet) under the unique `name` (842 if
 * taken). Fired by every INSERT (also INSERT ... SELECT and OR REPLACE),
 * UPDATE and DELETE of the table that starts after this call, in
 * registration order. `release`, if not NULL, is called with `user_data`
 * once the trigger is gone (unregistered or the database freed, and no
 * statement running it), outside the library's locks; if registering
 * fails it is not called. */
int32_t sochdb_trigger_register(sochdb_db *db, const char *name, const char *table, uint32_t events,
                                sochdb_trigger_fn fn, void *user_data, void (*release)(void *user_data));
/* 843 if no trigger has that name. */
int32_t sochdb_trigger_unregister(sochdb_db *db, const char *name);
/* The registered triggers as JSON, in firing order:
 *     [{"name": "...", "table": "...", "events": ["BEFORE INSERT", ...]}, ...] */
int32_t sochdb_trigger_list(sochdb_db *db, char **out_json, size_t *out_len);

/* A new handle on the statement's transaction: reads see the statement's
 * snapshot, writes and sochdb_txn_execute commit or vanish with the
 * statement. Free it with sochdb_txn_free; it cannot be committed or
 * aborted (820), and every call on it fails (820) once the trigger function
 * has returned. From a BEFORE handler it only reads (SELECT, get, scans);
 * writes fail the statement (841). No trigger may change the schema. Statements run through it fire their own triggers, nested
 * at most 16 deep (841). */
int32_t sochdb_trigger_call_txn(sochdb_trigger_call *call, sochdb_txn **out_txn);
/* BEFORE INSERT and BEFORE UPDATE only: sets the columns named in
 * `row_json` (an object like ROW; columns not named keep their values) in
 * the row about to be written. The row is type-checked when the function
 * returns; an unknown column is 802 and changes nothing. */
int32_t sochdb_trigger_set_row(sochdb_trigger_call *call, const char *row_json, size_t row_len);
/* Records an abort (TriggerAbort): `message` (NULL: a default) and the
 * trigger's own `code` (any text, or NULL); return non-zero afterwards. */
int32_t sochdb_trigger_abort(sochdb_trigger_call *call, const char *message, const char *code);
/* Records a failure message (replacing any abort); return non-zero afterwards. */
int32_t sochdb_trigger_fail(sochdb_trigger_call *call, const char *message);

/* ---- TOON --------------------------------------------------------------- */

/* Encodes records as one TOON table: `records_json` is a JSON array of
 * objects; `fields_json` NULL (every key, sorted) or a JSON array of field
 * names selecting and ordering the columns. Errors 130-143 (docs/formats/toon.md). */
int32_t sochdb_toon_encode(const char *table, const char *records_json, const char *fields_json,
                           char **out_text);

/* Decodes a TOON table to {"table": "...", "fields": [...], "records": [{...}, ...]}
 * (each record's keys in field order). */
int32_t sochdb_toon_decode(const char *text, char **out_json);

/* ---- Vector collections ------------------------------------------------- */

/* Creates a collection of `dimension`-float vectors under `metric` ("l2",
 * "cosine", "ip"; NULL is "l2"); m and ef_construction are HNSW build
 * parameters (0 picks 16 and 100). A taken name is 122. Release the handle
 * with sochdb_collection_release (the collection stays in the database). */
int32_t sochdb_collection_create(sochdb_db *db, const char *name, size_t dimension, const char *metric,
                                 size_t m, size_t ef_construction, sochdb_collection **out_collection);

/* Opens an existing collection (121 if there is none by that name). */
int32_t sochdb_collection_open(sochdb_db *db, const char *name, sochdb_collection **out_collection);

/* Releases a handle (NULL is a no-op). */
void sochdb_collection_release(sochdb_collection *collection);

/* Deletes a collection and everything in it (121 if missing). Handles to it
 * then fail with 121. */
int32_t sochdb_collection_drop(sochdb_db *db, const char *name);

/* The collections' names as a JSON array of strings. */
int32_t sochdb_collection_list(sochdb_db *db, char **out_json);

/* {"name", "dimension", "metric", "m", "ef_construction", "count",
 *  "graph_nodes", "tombstones", "rebuilds"} as JSON. */
int32_t sochdb_collection_info(sochdb_collection *collection, char **out_json);

/* Inserts or replaces `count` records in one transaction. Record i's id is
 * the UTF-8 bytes ids[id_offsets[i] .. id_offsets[i+1]) (count + 1 offsets;
 * ids of 1..1024 bytes), its vector the `dimension` floats at
 * vectors + i * dimension (row-major, read in place), its metadata element i
 * of `metadatas_json`, a JSON array of `count` objects (NULL: no metadata).
 * A later record with the same id wins. Every record is checked before any
 * is written: a bad one (wrong dimension 101, NaN/Inf or a zero vector
 * under cosine 102, bad id or JSON 120) stores nothing. */
int32_t sochdb_collection_upsert(sochdb_collection *collection, size_t count, const char *ids,
                                 const uint64_t *id_offsets, const float *vectors, size_t dimension,
                                 const char *metadatas_json, uint64_t *out_lsn);

/* Searches `query_count` queries (row-major, `dimension` floats each) for
 * their k nearest live vectors that pass `filter_json` (NULL: all; the
 * syntax of docs/filters.md), in parallel over the queries. `ef` 0 picks
 * max(64, k). Query i's hits go to out_distances[i*k ...] (caller-provided,
 * query_count * k floats; unused slots +inf) and out_counts[i] (caller-
 * provided, query_count entries). *out_json receives
 *     {"ids": [[id, ...], ...], "metadata": [[{...}, ...], ...]}
 * with one list per query, nearest first; "metadata" only when
 * with_metadata is non-zero. Free it with sochdb_free. */
int32_t sochdb_collection_search(sochdb_collection *collection, const float *queries, size_t query_count,
                                 size_t dimension, size_t k, size_t ef, const char *filter_json,
                                 int32_t with_metadata, float *out_distances, uint32_t *out_counts,
                                 char **out_json);

/* Reads one record by id: *out_found = 1, its vector into out_vector
 * (caller-provided, `dimension` floats, which must be the collection's) and
 * its metadata into *out_metadata_json (a JSON object; free it), or
 * *out_found = 0. out_vector and out_metadata_json may be NULL. */
int32_t sochdb_collection_get(sochdb_collection *collection, const char *id, size_t id_len,
                              float *out_vector, size_t dimension, char **out_metadata_json,
                              int32_t *out_found);

/* Deletes a record: *out_deleted (may be NULL) is 1 if it existed. */
int32_t sochdb_collection_delete(sochdb_collection *collection, const char *id, size_t id_len,
                                 int32_t *out_deleted);

/* Number of live records. */
int32_t sochdb_collection_count(sochdb_collection *collection, uint64_t *out_count);

/* ---- Standalone HNSW index files (the bulk API) ------------------------- */

/* Builds an index over `count` vectors (row-major, read in place) and saves
 * it atomically to `output` (docs/formats/hnsw.md). `options_json` may be
 * NULL or an object with "m" (16), "ef_construction" (100), "threads"
 * (0 = all cores), "metric" ("l2"), "ids" (array of count int64 labels;
 * default 0..count-1), "ordering" ("none", "random_projection", "kmeans"),
 * "seed" (100). *out_stats_json (may be NULL) receives {"vectors",
 * "dimension", "elapsed_seconds", "rate", "index_size_bytes"}. */
int32_t sochdb_index_build(const float *vectors, size_t count, size_t dimension, const char *output,
                           const char *options_json, char **out_stats_json);

/* The same from a vector file (.npy or raw f32: docs/formats/vector-files.md);
 * a raw file needs "dimension" in the options. The file is mapped, not read. */
int32_t sochdb_index_build_file(const char *input, const char *output, const char *options_json,
                                char **out_stats_json);

/* Opens an index file by mapping it. Release with sochdb_index_close. */
int32_t sochdb_index_open(const char *path, sochdb_index **out_index);

/* Releases an index (NULL is a no-op). */
void sochdb_index_close(sochdb_index *index);

/* Searches `query_count` queries on `threads` threads (0 = all cores).
 * Query i's labels go to out_ids[i*k ...] and its distances to
 * out_distances[i*k ...] (caller-provided, query_count * k each), nearest
 * first; unused slots hold -1 and +inf. */
int32_t sochdb_index_search(sochdb_index *index, const float *queries, size_t query_count, size_t dimension,
                            size_t k, size_t ef, size_t threads, int64_t *out_ids, float *out_distances);

/* {"dimension", "count", "deleted_count", "m", "ef_construction", "metric",
 *  "entry_point", "max_level", "file_size_bytes", "format_version", ...} as JSON. */
int32_t sochdb_index_info(sochdb_index *index, char **out_json);

#ifdef __cplusplus
}
#endif
#endif /* SOCHDB_H */
