// Small C helpers that Swift cannot express directly: cache prefetch, a
// one-byte spin lock for per-node link lists, CPU feature tests, and
// hardware CRC32C. Everything here is header-inline except the CRC32C entry
// points, so the Swift optimiser sees through the prefetch and the lock.
#ifndef CSOCHSUPPORT_H
#define CSOCHSUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Hints the CPU to fetch the cache line holding `p` (read, keep in all levels).
static inline void soch_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Acquires the spin lock at `lock` (0 = free, 1 = held). Contention is rare:
/// a lock guards one node's neighbour list for a few hundred nanoseconds.
static inline void soch_spin_lock(uint8_t *lock) {
    while (__atomic_exchange_n(lock, (uint8_t)1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }
}

/// Releases a lock taken by soch_spin_lock.
static inline void soch_spin_unlock(uint8_t *lock) {
    __atomic_store_n(lock, (uint8_t)0, __ATOMIC_RELEASE);
}

/// Acquire load of a pointer slot (the memtable skip list's next links: a
/// reader that sees a node also sees the node's contents).
static inline void *soch_load_acquire(void *const *slot) { return __atomic_load_n(slot, __ATOMIC_ACQUIRE); }

/// Release store of a pointer slot: publishes a fully initialised node.
static inline void soch_store_release(void **slot, void *value) { __atomic_store_n(slot, value, __ATOMIC_RELEASE); }

/// 1 if the CPU (and OS) support AVX-512 F, BW, DQ and VL.
static inline int soch_cpu_has_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

/// 1 if the CPU supports AVX2 and FMA.
static inline int soch_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/// Extends a CRC32C (Castagnoli, reflected, as in iSCSI and LevelDB) over
/// `len` bytes. `crc` is the finished CRC of the bytes before (0 for none),
/// so CRC(a ++ b) == soch_crc32c(soch_crc32c(0, a), b). Uses the SSE4.2 crc32
/// instruction when the CPU has it, otherwise a table.
uint32_t soch_crc32c(uint32_t crc, const void *data, size_t len);

/// 1 if soch_crc32c uses the hardware instruction on this CPU.
int soch_crc32c_is_hardware(void);

#endif
