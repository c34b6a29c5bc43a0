// Thread-local last error of libsochdb (see include/sochdb.h): each thread
// keeps its own code and message, so concurrent callers never see each
// other's errors. The message buffer is reused and grown per thread; it is
// freed when the thread exits (a destructor registered with pthread_key).
#include "CSochFFI.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t code;
    size_t capacity;
    char *message;
} last_error;

static pthread_key_t error_key;
static pthread_once_t error_once = PTHREAD_ONCE_INIT;

static void free_error(void *p) {
    last_error *e = p;
    if (e) { free(e->message); free(e); }
}

static void make_key(void) { (void)pthread_key_create(&error_key, free_error); }

static last_error *current(void) {
    pthread_once(&error_once, make_key);
    last_error *e = pthread_getspecific(error_key);
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e) return NULL;
        if (pthread_setspecific(error_key, e) != 0) { free(e); return NULL; }
    }
    return e;
}

void sochdb_ffi_set_error(int32_t code, const char *message, size_t length) {
    last_error *e = current();
    if (!e) return;
    e->code = code;
    if (length + 1 > e->capacity) {
        char *grown = realloc(e->message, length + 1);
        if (!grown) { if (e->message) e->message[0] = 0; return; }
        e->message = grown;
        e->capacity = length + 1;
    }
    if (length) memcpy(e->message, message, length);
    e->message[length] = 0;
}

void sochdb_ffi_clear_error(void) {
    last_error *e = current();
    if (!e) return;
    e->code = 0;
    if (e->message) e->message[0] = 0;
}

int32_t sochdb_last_error_code(void) {
    last_error *e = current();
    return e ? e->code : 0;
}

const char *sochdb_last_error_message(void) {
    last_error *e = current();
    return (e && e->message) ? e->message : "";
}

void sochdb_free(void *pointer) { free(pointer); }

const char *sochdb_version(void) { return "0.3.0"; }
