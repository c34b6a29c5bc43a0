import CSochFFI
#if canImport(Glibc)
import Glibc
#endif
import SochDB
import Synchronization

// sochdb_txn_* (include/sochdb.h, "Transactions").

/// What a `sochdb_txn *` points to. A ``DatabaseTransaction`` is used by one
/// thread at a time; C callers (and Python threads, which call without the
/// GIL) may not know that, so every call holds `lock`.
final class TransactionHandle: Sendable {
    private struct Unchecked: @unchecked Sendable { let txn: DatabaseTransaction }
    private let lock: Mutex<Unchecked>
    /// The thread inside `with`, or 0: a call on this handle from that same
    /// thread (a trigger callback using the transaction whose statement
    /// fired it) is refused instead of deadlocking on `lock`.
    private let owner = Atomic<UInt>(0)
    let id: UInt64

    init(_ txn: DatabaseTransaction) {
        id = txn.id
        lock = Mutex(Unchecked(txn: txn))
    }

    func with<R>(_ body: (DatabaseTransaction) throws(SochDBError) -> R) throws(SochDBError) -> R {
        let me = UInt(pthread_self())
        guard owner.load(ordering: .relaxed) != me else {
            throw .sql(.transactionState("transaction \(id) is running a statement on this thread (its trigger's callback?): use the trigger call's transaction"))
        }
        return try lock.withLock { u throws(SochDBError) in
            owner.store(me, ordering: .relaxed)
            defer { owner.store(0, ordering: .relaxed) }
            return try body(u.txn)
        }
    }

    deinit {
        // A handle freed while open aborts its transaction.
        lock.withLock { u in if u.txn.isActive { u.txn.abort() } }
    }
}

/// Runs `body` on the transaction behind `pointer`, under its lock.
func transaction<R>(_ pointer: OpaquePointer?,
                    _ body: (DatabaseTransaction) throws(SochDBError) -> R) throws(SochDBError) -> R {
    try Handle.get(pointer, as: TransactionHandle.self, "transaction").with(body)
}

@_cdecl("sochdb_txn_begin")
public func sochdb_txn_begin(_ db: OpaquePointer?, _ outTxn: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outTxn, "out_txn")
        out.pointee = Handle.make(TransactionHandle(try database(db).beginTransaction()))
    }
}

@_cdecl("sochdb_txn_id")
public func sochdb_txn_id(_ txn: OpaquePointer?) -> UInt64 {
    (try? Handle.get(txn, as: TransactionHandle.self, "transaction").id) ?? 0
}

@_cdecl("sochdb_txn_put")
public func sochdb_txn_put(_ txn: OpaquePointer?, _ key: UnsafePointer<UInt8>?, _ keyLen: Int,
                           _ value: UnsafePointer<UInt8>?, _ valueLen: Int) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let k = try bytes(key, keyLen, "key"), v = try bytes(value, valueLen, "value")
        try transaction(txn) { t throws(SochDBError) in try t.put(k, v) }
    }
}

@_cdecl("sochdb_txn_get")
public func sochdb_txn_get(_ txn: OpaquePointer?, _ key: UnsafePointer<UInt8>?, _ keyLen: Int,
                           _ outValue: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                           _ outLen: UnsafeMutablePointer<Int>?, _ outFound: UnsafeMutablePointer<Int32>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let k = try bytes(key, keyLen, "key")
        let value = try transaction(txn) { t throws(SochDBError) in try t.get(k) }
        try writeValue(value, outValue, outLen, outFound)
    }
}

@_cdecl("sochdb_txn_delete")
public func sochdb_txn_delete(_ txn: OpaquePointer?, _ key: UnsafePointer<UInt8>?, _ keyLen: Int) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let k = try bytes(key, keyLen, "key")
        try transaction(txn) { t throws(SochDBError) in try t.delete(k) }
    }
}

@_cdecl("sochdb_txn_put_path")
public func sochdb_txn_put_path(_ txn: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                _ value: UnsafePointer<UInt8>?, _ valueLen: Int) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let p = try string(path, "path"), v = try bytes(value, valueLen, "value")
        try transaction(txn) { t throws(SochDBError) in try t.putPath(p, v) }
    }
}

@_cdecl("sochdb_txn_get_path")
public func sochdb_txn_get_path(_ txn: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                _ outValue: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                _ outLen: UnsafeMutablePointer<Int>?, _ outFound: UnsafeMutablePointer<Int32>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let p = try string(path, "path")
        let value = try transaction(txn) { t throws(SochDBError) in try t.getPath(p) }
        try writeValue(value, outValue, outLen, outFound)
    }
}

@_cdecl("sochdb_txn_delete_path")
public func sochdb_txn_delete_path(_ txn: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let p = try string(path, "path")
        try transaction(txn) { t throws(SochDBError) in try t.deletePath(p) }
    }
}

@_cdecl("sochdb_txn_commit")
public func sochdb_txn_commit(_ txn: OpaquePointer?, _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let lsn = try transaction(txn) { t throws(SochDBError) in try t.commit() }
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_txn_abort")
public func sochdb_txn_abort(_ txn: OpaquePointer?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        try transaction(txn) { t throws(SochDBError) in
            guard !t.isTriggerScoped else {
                throw .sql(.transactionState("a trigger cannot abort the statement's transaction; fail the callback instead"))
            }
            guard t.isActive else { throw .transaction(.finished(id: t.id)) }
            t.abort()
        }
    }
}

@_cdecl("sochdb_txn_free")
public func sochdb_txn_free(_ txn: OpaquePointer?) { Handle.release(txn, as: TransactionHandle.self) }
