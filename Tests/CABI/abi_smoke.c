/* A C program against include/sochdb.h and libsochdb.so: proves the header
 * matches the library (it compiles, links and runs with no Swift toolchain
 * flags), and exercises the error, ownership and batch conventions from C.
 * Built and run by scripts/test.sh:
 *   cc -std=c11 -Wall -Werror -I include Tests/CABI/abi_smoke.c \
 *      -L .build/native/lib -lsochdb -Wl,-rpath,.build/native/lib
 *   ./a.out <scratch directory>
 */
#include "sochdb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK(%s) failed; last error %d: %s\n", __FILE__, \
                    __LINE__, #cond, sochdb_last_error_code(), sochdb_last_error_message()); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

static void keys_and_scans(sochdb_db *db) {
    uint64_t lsn = 0;
    CHECK(sochdb_put(db, (const uint8_t *)"a\0b", 3, (const uint8_t *)"\xff\x00", 2, &lsn) == SOCHDB_OK);
    CHECK(lsn > 0);
    uint8_t *value = NULL;
    size_t len = 0;
    int32_t found = -1;
    CHECK(sochdb_get(db, (const uint8_t *)"a\0b", 3, &value, &len, &found) == SOCHDB_OK);
    CHECK(found == 1 && len == 2 && value && memcmp(value, "\xff\x00", 2) == 0);
    sochdb_free(value);
    CHECK(sochdb_get(db, (const uint8_t *)"zz", 2, &value, &len, &found) == SOCHDB_OK);
    CHECK(found == 0 && value == NULL);

    /* A reserved key is refused with 120 and a message; the next call clears it. */
    CHECK(sochdb_put(db, (const uint8_t *)"\xff" "x", 2, (const uint8_t *)"v", 1, NULL) == 120);
    CHECK(sochdb_last_error_code() == 120 && strlen(sochdb_last_error_message()) > 0);
    CHECK(sochdb_put(db, NULL, 4, (const uint8_t *)"v", 1, NULL) == 120);
    CHECK(sochdb_get(db, (const uint8_t *)"k", 1, NULL, &len, &found) == 120);
    CHECK(sochdb_put(db, (const uint8_t *)"b", 1, (const uint8_t *)"", 0, NULL) == SOCHDB_OK);
    CHECK(sochdb_last_error_code() == 0 && sochdb_last_error_message()[0] == 0);

    for (int i = 0; i < 2500; i++) {
        char key[32];
        int n = snprintf(key, sizeof key, "k:%05d", i);
        CHECK(sochdb_put(db, (const uint8_t *)key, (size_t)n, (const uint8_t *)key, (size_t)n, NULL) == 0);
    }
    sochdb_scan *scan = NULL;
    CHECK(sochdb_scan_open(db, (const uint8_t *)"k:", 2, (const uint8_t *)"k;", 2, &scan) == SOCHDB_OK);
    size_t total = 0, count = 0, batches = 0;
    uint8_t *buffer = NULL;
    for (;;) {
        CHECK(sochdb_scan_next(scan, 1000, &buffer, &len, &count) == SOCHDB_OK);
        if (count == 0) { CHECK(buffer == NULL); break; }
        batches++;
        size_t at = 8 * count;
        for (size_t i = 0; i < count; i++) {
            uint32_t klen, vlen;
            memcpy(&klen, buffer + 8 * i, 4);
            memcpy(&vlen, buffer + 8 * i + 4, 4);
            CHECK(klen == 7 && vlen == 7 && memcmp(buffer + at, buffer + at + klen, 7) == 0);
            at += klen + vlen;
        }
        CHECK(at == len);
        total += count;
        sochdb_free(buffer);
    }
    CHECK(total == 2500 && batches == 3);
    CHECK(sochdb_scan_next(scan, 0, &buffer, &len, &count) == 120);
    sochdb_scan_close(scan);
}

static void transactions_and_sql(sochdb_db *db) {
    char *text = NULL;
    size_t len = 0;
    CHECK(sochdb_execute(db, "CREATE TABLE users (id INT, name TEXT)", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 0);
    sochdb_free(text);
    sochdb_txn *txn = NULL;
    CHECK(sochdb_txn_begin(db, &txn) == SOCHDB_OK && sochdb_txn_id(txn) > 0);
    CHECK(sochdb_txn_put(txn, (const uint8_t *)"t", 1, (const uint8_t *)"1", 1) == SOCHDB_OK);
    CHECK(sochdb_txn_execute(txn, "INSERT INTO users VALUES (?, ?)", "[1, \"Alice\"]", SOCHDB_FORMAT_JSON,
                             &text, &len) == 0);
    sochdb_free(text);
    uint64_t lsn = 0;
    CHECK(sochdb_txn_commit(txn, &lsn) == SOCHDB_OK && lsn > 0);
    CHECK(sochdb_txn_put(txn, (const uint8_t *)"t", 1, (const uint8_t *)"2", 1) == 601);
    sochdb_txn_free(txn);

    CHECK(sochdb_execute(db, "SELECT id, name FROM users", NULL, SOCHDB_FORMAT_TOON, &text, &len) == 0);
    CHECK(text && strcmp(text, "result[1]{id,name}:1,Alice") == 0 && len == strlen(text));
    sochdb_free(text);
    CHECK(sochdb_execute(db, "SELEC 1", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 800);

    char *json = NULL;
    CHECK(sochdb_stats_json(db, &json) == SOCHDB_OK && strstr(json, "\"transactions_committed\":"));
    sochdb_free(json);
    CHECK(sochdb_toon_encode("users", "[{\"id\":1,\"name\":\"Alice\"}]", "[\"name\",\"id\"]", &text) == 0);
    CHECK(text && strcmp(text, "users[1]{name,id}:Alice,1") == 0);
    sochdb_free(text);
    CHECK(sochdb_toon_decode("users[1]{name,id}:Alice,1", &json) == 0);
    CHECK(json && strcmp(json, "{\"table\":\"users\",\"fields\":[\"name\",\"id\"],\"records\":[{\"name\":\"Alice\",\"id\":1}]}") == 0);
    sochdb_free(json);
    CHECK(sochdb_toon_decode("users[2]{a}:1", &json) >= 130);
}

static void collections(sochdb_db *db) {
    enum { N = 200, D = 8 };
    sochdb_collection *c = NULL;
    CHECK(sochdb_collection_create(db, "docs", D, "l2", 0, 0, &c) == SOCHDB_OK);
    CHECK(sochdb_collection_create(db, "docs", D, "l2", 0, 0, &c) == 122);
    static float vectors[N * D];
    char ids[N * 8];
    uint64_t offsets[N + 1];
    offsets[0] = 0;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) vectors[i * D + j] = (float)((i * 7 + j * 3) % 17) + (float)i / 1000.0f;
        int n = sprintf(ids + offsets[i], "v%d", i);
        offsets[i + 1] = offsets[i] + (uint64_t)n;
    }
    uint64_t lsn = 0;
    CHECK(sochdb_collection_upsert(c, N, ids, offsets, vectors, D, NULL, &lsn) == SOCHDB_OK);
    uint64_t count = 0;
    CHECK(sochdb_collection_count(c, &count) == SOCHDB_OK && count == N);
    CHECK(sochdb_collection_upsert(c, N, ids, offsets, vectors, D + 1, NULL, &lsn) == 101);

    float distances[3 * 5];
    uint32_t counts[3];
    char *json = NULL;
    CHECK(sochdb_collection_search(c, vectors, 3, D, 5, 0, NULL, 1, distances, counts, &json) == SOCHDB_OK);
    CHECK(counts[0] == 5 && distances[0] == 0.0f && strncmp(json, "{\"ids\":[[\"v0\"", 13) == 0);
    sochdb_free(json);
    float vector[D];
    int32_t found = 0;
    CHECK(sochdb_collection_get(c, "v7", 2, vector, D, &json, &found) == SOCHDB_OK && found == 1);
    CHECK(vector[0] == vectors[7 * D] && strcmp(json, "{}") == 0);
    sochdb_free(json);
    int32_t deleted = 0;
    CHECK(sochdb_collection_delete(c, "v7", 2, &deleted) == SOCHDB_OK && deleted == 1);
    sochdb_collection_release(c);
}

static void bulk_index(const char *dir) {
    enum { N = 500, D = 4 };
    static float vectors[N * D];
    for (int i = 0; i < N * D; i++) vectors[i] = (float)((i * 2654435761u) % 1000) / 1000.0f;
    char path[4096];
    snprintf(path, sizeof path, "%s/index.hnsw", dir);
    char *stats = NULL;
    CHECK(sochdb_index_build(vectors, N, D, path, "{\"m\": 8}", &stats) == SOCHDB_OK);
    CHECK(stats && strstr(stats, "\"vectors\":500"));
    sochdb_free(stats);
    CHECK(sochdb_index_build(vectors, N, D, path, "{\"mm\": 8}", NULL) == 120);
    sochdb_index *index = NULL;
    CHECK(sochdb_index_open(path, &index) == SOCHDB_OK);
    int64_t labels[2 * 3];
    float distances[2 * 3];
    CHECK(sochdb_index_search(index, vectors, 2, D, 3, 0, 0, labels, distances) == SOCHDB_OK);
    CHECK(labels[0] == 0 && labels[3] == 1 && distances[0] == 0.0f);
    CHECK(sochdb_index_search(index, vectors, 2, D + 1, 3, 0, 0, labels, distances) == 101);
    sochdb_index_close(index);
    CHECK(sochdb_index_open("/nonexistent/index.hnsw", &index) >= 400);
}

/* A BEFORE INSERT trigger that lowercases an email and refuses one without
 * '@'; an AFTER INSERT one that writes a key through the statement's
 * transaction (gone with a refused statement). */
static int released = 0;
static void release_counter(void *user_data) { released += *(int *)user_data; }

static int32_t email_trigger(void *user_data, sochdb_trigger_call *call, const char *json, size_t len) {
    (void)user_data;
    if (json == NULL || strlen(json) != len) return 1;
    if (strstr(json, "\"event\":\"BEFORE INSERT\"") == NULL) return 1;
    if (strstr(json, "@") == NULL) {
        sochdb_trigger_abort(call, "Invalid email format", "INVALID_EMAIL");
        return 1;
    }
    const char *lowered = "{\"email\": \"alice@x.org\"}";
    if (strstr(json, "ALICE@X.ORG")) return sochdb_trigger_set_row(call, lowered, strlen(lowered));
    return 0;
}

static int32_t audit_trigger(void *user_data, sochdb_trigger_call *call, const char *json, size_t len) {
    (void)user_data;
    if (strstr(json, "\"event\":\"AFTER INSERT\"") == NULL || strlen(json) != len) return 1;
    sochdb_txn *txn = NULL;
    if (sochdb_trigger_call_txn(call, &txn) != SOCHDB_OK) return 1;
    int32_t rc = sochdb_txn_put(txn, (const uint8_t *)"audited", 7, (const uint8_t *)"1", 1);
    if (sochdb_txn_commit(txn, NULL) != 820) rc = 1;      /* the statement's, not ours to end */
    if (sochdb_trigger_set_row(call, "{}", 2) != 120) rc = 1; /* AFTER cannot change the row */
    sochdb_txn_free(txn);
    return rc;
}

static void triggers(sochdb_db *db) {
    char *text = NULL;
    size_t len = 0;
    static int one = 1;
    CHECK(sochdb_execute(db, "CREATE TABLE people (email TEXT)", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 0);
    sochdb_free(text);
    CHECK(sochdb_trigger_register(db, "email", "People", SOCHDB_TRIGGER_BEFORE_INSERT, email_trigger, &one,
                                  release_counter) == SOCHDB_OK);
    CHECK(sochdb_trigger_register(db, "audit", "people", SOCHDB_TRIGGER_AFTER_INSERT, audit_trigger, &one,
                                  release_counter) == SOCHDB_OK);
    CHECK(sochdb_trigger_register(db, "email", "people", SOCHDB_TRIGGER_AFTER_INSERT, audit_trigger, NULL, NULL) == 842);
    CHECK(sochdb_trigger_register(db, "bad", "people", 0x80, audit_trigger, NULL, NULL) == 120);
    CHECK(sochdb_trigger_list(db, &text, &len) == SOCHDB_OK);
    CHECK(text && strstr(text, "{\"name\":\"email\",\"table\":\"people\",\"events\":[\"BEFORE INSERT\"]}"));
    sochdb_free(text);

    CHECK(sochdb_execute(db, "INSERT INTO people VALUES ('ALICE@X.ORG')", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 0);
    sochdb_free(text);
    CHECK(sochdb_execute(db, "SELECT email FROM people", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 0);
    CHECK(text && strstr(text, "[[\"alice@x.org\"]]"));
    sochdb_free(text);
    uint8_t *value = NULL;
    int32_t found = 0;
    CHECK(sochdb_get(db, (const uint8_t *)"audited", 7, &value, &len, &found) == 0 && found == 1);
    sochdb_free(value);
    CHECK(sochdb_delete(db, (const uint8_t *)"audited", 7, NULL) == 0);

    /* Refused: 840 with the message and code, and nothing written. */
    CHECK(sochdb_execute(db, "INSERT INTO people VALUES ('a@b'), ('nope')", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 840);
    CHECK(strstr(sochdb_last_error_message(), "Invalid email format [INVALID_EMAIL]") != NULL);
    CHECK(sochdb_get(db, (const uint8_t *)"audited", 7, &value, &len, &found) == 0 && found == 0);
    CHECK(sochdb_execute(db, "SELECT COUNT(*) FROM people", NULL, SOCHDB_FORMAT_JSON, &text, &len) == 0);
    CHECK(text && strstr(text, "[[1]]"));
    sochdb_free(text);

    CHECK(sochdb_trigger_unregister(db, "email") == SOCHDB_OK && released == 1);
    CHECK(sochdb_trigger_unregister(db, "email") == 843);
    CHECK(sochdb_trigger_unregister(db, "audit") == SOCHDB_OK && released == 2);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s <scratch dir>\n", argv[0]); return 64; }
    CHECK(sochdb_abi_version() == SOCHDB_ABI_VERSION);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    sochdb_db *db = NULL;
    CHECK(sochdb_open(path, "{\"sync_mode\": \"off\"}", &db) == SOCHDB_OK && db);
    sochdb_db *again = NULL;
    CHECK(sochdb_open(path, NULL, &again) == 311 && again == NULL);
    CHECK(sochdb_open(path, "{\"sync\": 1}", &again) == 120);
    keys_and_scans(db);
    transactions_and_sql(db);
    collections(db);
    triggers(db);
    bulk_index(argv[1]);
    CHECK(sochdb_db_close(db) == SOCHDB_OK);
    CHECK(sochdb_put(db, (const uint8_t *)"k", 1, (const uint8_t *)"v", 1, NULL) == 510);
    sochdb_db_free(db);
    CHECK(sochdb_close(NULL) == 0);
    if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
    printf("C ABI smoke test passed (libsochdb %s)\n", sochdb_version());
    return 0;
}
