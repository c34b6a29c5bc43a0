#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A pthread mutex with a condition variable, for the places that wait
/// (group commit, write stalls, reads of in-flight sequences), a second
/// condition for timers (``waitTimer(seconds:)``) and a third for the
/// background thread (``waitBackground()``), which ``broadcast()`` does not
/// wake: a thread woken by every commit to find nothing to do costs a
/// context switch per commit (the background thread's were 17% of
/// sochdb-server's CPU under concurrent SETs). Owns its pthread objects.
final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let timerCondition: UnsafeMutablePointer<pthread_cond_t>
    private let backgroundCondition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1); condition = .allocate(capacity: 1); timerCondition = .allocate(capacity: 1)
        backgroundCondition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil); pthread_cond_init(condition, nil); pthread_cond_init(timerCondition, nil)
        pthread_cond_init(backgroundCondition, nil)
    }

    deinit {
        pthread_cond_destroy(condition); pthread_cond_destroy(timerCondition); pthread_cond_destroy(backgroundCondition)
        pthread_mutex_destroy(mutex)
        condition.deallocate(); timerCondition.deallocate(); backgroundCondition.deallocate(); mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Waits for a broadcast; the caller holds the lock and re-checks its condition.
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits at most `seconds`; returns early on a broadcast.
    func wait(seconds: Double) { timedWait(condition, seconds) }

    /// Waits at most `seconds` on the timer condition; returns early only on
    /// ``broadcastTimer()``.
    func waitTimer(seconds: Double) { timedWait(timerCondition, seconds) }

    private func timedWait(_ cond: UnsafeMutablePointer<pthread_cond_t>, _ seconds: Double) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let ns = Int(now.tv_nsec) + Int(seconds * 1e9)
        var deadline = timespec(tv_sec: now.tv_sec + ns / 1_000_000_000, tv_nsec: ns % 1_000_000_000)
        pthread_cond_timedwait(cond, mutex, &deadline)
    }

    func broadcast() { pthread_cond_broadcast(condition) }

    func broadcastTimer() { pthread_cond_broadcast(timerCondition) }

    /// Waits on the background condition; woken only by ``broadcastBackground()``.
    func waitBackground() { pthread_cond_wait(backgroundCondition, mutex) }

    /// Wakes the background thread: there may be a memtable to flush or a
    /// compaction to run, or the engine stops.
    func broadcastBackground() { pthread_cond_broadcast(backgroundCondition) }

    @inline(__always)
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock(); defer { unlock() }
        return try body()
    }
}

/// A pthread readers–writer lock: readers share, a writer excludes all.
final class ReadWriteLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() { lock = .allocate(capacity: 1); pthread_rwlock_init(lock, nil) }
    deinit { pthread_rwlock_destroy(lock); lock.deallocate() }

    @inline(__always)
    func read<R>(_ body: () throws -> R) rethrows -> R {
        pthread_rwlock_rdlock(lock); defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    @inline(__always)
    func write<R>(_ body: () throws -> R) rethrows -> R {
        pthread_rwlock_wrlock(lock); defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}

/// A flag that can be set once, from any thread.
final class ManagedFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Sets the flag; true for the one caller that set it first.
    func setOnce() -> Bool {
        !value.exchange(true, ordering: .acquiringAndReleasing)
    }

    var isSet: Bool { value.load(ordering: .acquiring) }
}
