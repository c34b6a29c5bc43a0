import CSochFFI
import SochDB

// sochdb_open … sochdb_stats_json (include/sochdb.h, "Database").

/// What a `sochdb_db *` points to: one retain of the open database.
final class DatabaseHandle {
    let database: Database
    init(_ database: Database) { self.database = database }
}

func database(_ pointer: OpaquePointer?) throws(SochDBError) -> Database {
    try Handle.get(pointer, as: DatabaseHandle.self, "database").database
}

/// The options object of `sochdb_open`; an unknown key or a bad value is refused.
func openOptions(_ json: String?) throws(SochDBError) -> Database.Options {
    var options = Database.Options()
    guard let json else { return options }
    guard case .object(let fields) = try parseJSON(json, "options_json") else {
        throw invalid("options_json must be a JSON object")
    }
    for (key, value) in fields {
        switch (key, value) {
        case ("sync_mode", .string(let s)):
            guard let mode = SyncMode(rawValue: s) else { throw invalid("sync_mode must be off, normal or full, got \"\(s)\"") }
            options.syncMode = mode
        case ("memtable_size_bytes", .int(let n)) where n > 0: options.memtableSizeBytes = Int(n)
        case ("cache_size_bytes", .int(let n)) where n >= 0: options.cacheSizeBytes = Int(n)
        case ("wal_recovery", .string("strict")): options.walRecovery = .strict
        case ("wal_recovery", .string("salvage")): options.walRecovery = .salvage
        default: throw invalid("unknown or invalid open option \"\(key)\": \(value.json)")
        }
    }
    return options
}

@_cdecl("sochdb_abi_version")
public func sochdb_abi_version() -> Int32 { 1 }

@_cdecl("sochdb_open")
public func sochdb_open(_ path: UnsafePointer<CChar>?, _ optionsJSON: UnsafePointer<CChar>?,
                        _ outDB: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outDB, "out_db")
        let p = try string(path, "path")
        let options = try openOptions(try optionalString(optionsJSON, "options_json"))
        out.pointee = Handle.make(DatabaseHandle(try Database.open(p, options: options)))
    }
}

@_cdecl("sochdb_close")
public func sochdb_close(_ db: OpaquePointer?) -> Int32 {
    guard let db else { sochdb_ffi_clear_error(); return 0 }
    defer { Handle.release(db, as: DatabaseHandle.self) }
    return ffiCall { () throws(SochDBError) in try database(db).close() }
}

@_cdecl("sochdb_db_close")
public func sochdb_db_close(_ db: OpaquePointer?) -> Int32 {
    ffiCall { () throws(SochDBError) in try database(db).close() }
}

@_cdecl("sochdb_db_free")
public func sochdb_db_free(_ db: OpaquePointer?) {
    guard let db else { return }
    try? database(db).close()
    Handle.release(db, as: DatabaseHandle.self)
}

@_cdecl("sochdb_put")
public func sochdb_put(_ db: OpaquePointer?, _ key: UnsafePointer<UInt8>?, _ keyLen: Int,
                       _ value: UnsafePointer<UInt8>?, _ valueLen: Int, _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let lsn = try database(db).put(try bytes(key, keyLen, "key"), try bytes(value, valueLen, "value"))
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_get")
public func sochdb_get(_ db: OpaquePointer?, _ key: UnsafePointer<UInt8>?, _ keyLen: Int,
                       _ outValue: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                       _ outLen: UnsafeMutablePointer<Int>?, _ outFound: UnsafeMutablePointer<Int32>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db)
        let k = try bytes(key, keyLen, "key")
        try writeValue(try d.get(k), outValue, outLen, outFound)
    }
}

@_cdecl("sochdb_delete")
public func sochdb_delete(_ db: OpaquePointer?, _ key: UnsafePointer<UInt8>?, _ keyLen: Int,
                          _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let lsn = try database(db).delete(try bytes(key, keyLen, "key"))
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_put_path")
public func sochdb_put_path(_ db: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ value: UnsafePointer<UInt8>?,
                            _ valueLen: Int, _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let lsn = try database(db).putPath(try string(path, "path"), try bytes(value, valueLen, "value"))
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_get_path")
public func sochdb_get_path(_ db: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                            _ outValue: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                            _ outLen: UnsafeMutablePointer<Int>?, _ outFound: UnsafeMutablePointer<Int32>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let d = try database(db)
        let p = try string(path, "path")
        try writeValue(try d.getPath(p), outValue, outLen, outFound)
    }
}

@_cdecl("sochdb_delete_path")
public func sochdb_delete_path(_ db: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                               _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let lsn = try database(db).deletePath(try string(path, "path"))
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_checkpoint")
public func sochdb_checkpoint(_ db: OpaquePointer?, _ outLSN: UnsafeMutablePointer<UInt64>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let lsn = try database(db).checkpoint()
        outLSN?.pointee = lsn
    }
}

@_cdecl("sochdb_stats_json")
public func sochdb_stats_json(_ db: OpaquePointer?, _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outJSON, "out_json")
        out.pointee = try mallocString(try database(db).statsJSON())
    }
}
