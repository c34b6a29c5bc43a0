// The C half of libsochdb: the thread-local last error and the allocator
// every returned buffer comes from. The public contract is include/sochdb.h;
// this header only declares what the Swift half (SochFFI) calls.
#ifndef CSOCHFFI_H
#define CSOCHFFI_H
#include <stddef.h>
#include <stdint.h>

/// Records this thread's last error (copies `message`, `length` bytes).
void sochdb_ffi_set_error(int32_t code, const char *message, size_t length);
/// Clears this thread's last error (code 0, empty message).
void sochdb_ffi_clear_error(void);

int32_t sochdb_last_error_code(void);
const char *sochdb_last_error_message(void);
void sochdb_free(void *pointer);
const char *sochdb_version(void);
#endif
