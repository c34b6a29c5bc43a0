import CSochFFI
import Foundation
import SochDB

// The plumbing every entry point of libsochdb shares (include/sochdb.h):
// the error convention, reading caller buffers and writing malloc'd outputs.
// Raw pointers from C live only in this module; each function turns them
// into arrays and strings before calling the engine.

/// Runs an entry point's body: clears the thread's last error, returns 0 on
/// success, or records the error and returns its code. Nothing thrown
/// escapes; a non-SochDB error is reported as the family it belongs to.
@inline(__always)
func ffiCall(_ body: () throws -> Void) -> Int32 {
    sochdb_ffi_clear_error()
    do {
        try body()
        return 0
    } catch {
        return report(SochDBError(wrapping: error))
    }
}

func report(_ error: SochDBError) -> Int32 {
    let code = error.boundaryCode
    var message = error.description
    message.withUTF8 { sochdb_ffi_set_error(code, $0.baseAddress, $0.count) }
    return code
}

/// An argument the ABI refuses (code 120).
func invalid(_ why: String) -> SochDBError { .invalidArgument(why) }

/// `count` bytes at `pointer` as an array; NULL is allowed only for 0 bytes.
func bytes(_ pointer: UnsafePointer<UInt8>?, _ count: Int, _ what: String) throws(SochDBError) -> [UInt8] {
    guard count >= 0 else { throw invalid("\(what) length is negative") }
    if count == 0 { return [] }
    guard let pointer else { throw invalid("\(what) is NULL with length \(count)") }
    return Array(UnsafeBufferPointer(start: pointer, count: count))
}

/// An optional byte range bound: NULL is "unbounded".
func optionalBytes(_ pointer: UnsafePointer<UInt8>?, _ count: Int, _ what: String) throws(SochDBError) -> [UInt8]? {
    guard pointer != nil else { return nil }
    return try bytes(pointer, count, what)
}

/// A required NUL-terminated UTF-8 string.
func string(_ pointer: UnsafePointer<CChar>?, _ what: String) throws(SochDBError) -> String {
    guard let pointer else { throw invalid("\(what) is NULL") }
    guard let s = String(validatingCString: pointer) else { throw invalid("\(what) is not valid UTF-8") }
    return s
}

/// An optional NUL-terminated UTF-8 string (NULL is nil).
func optionalString(_ pointer: UnsafePointer<CChar>?, _ what: String) throws(SochDBError) -> String? {
    guard pointer != nil else { return nil }
    return try string(pointer, what)
}

/// `count` UTF-8 bytes at `pointer` as a string.
func string(_ pointer: UnsafePointer<CChar>?, length: Int, _ what: String) throws(SochDBError) -> String {
    let raw = try bytes(pointer.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) }, length, what)
    guard let s = String(validating: raw, as: UTF8.self) else { throw invalid("\(what) is not valid UTF-8") }
    return s
}

/// Checks that an output pointer was given.
func required<T>(_ pointer: UnsafeMutablePointer<T>?, _ what: String) throws(SochDBError) -> UnsafeMutablePointer<T> {
    guard let pointer else { throw invalid("\(what) is NULL") }
    return pointer
}

/// `a × b` as an Int, refusing what does not fit (a caller's count × dimension).
func product(_ a: Int, _ b: Int, _ what: String) throws(SochDBError) -> Int {
    let (p, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow, a >= 0, b >= 0 else { throw invalid("\(what) overflows: \(a) × \(b)") }
    return p
}

/// A malloc'd copy of `bytes` (at least one byte, so even an empty value is
/// a non-NULL buffer); the caller frees it with sochdb_free.
func mallocCopy(_ bytes: some Collection<UInt8>) throws(SochDBError) -> UnsafeMutablePointer<UInt8> {
    guard let p = malloc(max(bytes.count, 1))?.assumingMemoryBound(to: UInt8.self) else {
        throw .database(.io(path: "", operation: "malloc", errno: ENOMEM))
    }
    _ = UnsafeMutableBufferPointer(start: p, count: bytes.count).initialize(from: bytes)
    return p
}

/// A malloc'd NUL-terminated copy of `text`.
func mallocString(_ text: String) throws(SochDBError) -> UnsafeMutablePointer<CChar> {
    var utf8 = Array(text.utf8)
    utf8.append(0)
    return UnsafeMutableRawPointer(try mallocCopy(utf8)).assumingMemoryBound(to: CChar.self)
}

/// Writes an optional value to the `value/len/found` outputs of a get.
func writeValue(_ value: [UInt8]?, _ outValue: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                _ outLen: UnsafeMutablePointer<Int>?, _ outFound: UnsafeMutablePointer<Int32>?) throws(SochDBError) {
    let v = try required(outValue, "out_value"), n = try required(outLen, "out_len")
    let found = try required(outFound, "out_found")
    if let value {
        v.pointee = try mallocCopy(value)
        n.pointee = value.count
        found.pointee = 1
    } else {
        v.pointee = nil
        n.pointee = 0
        found.pointee = 0
    }
}

/// A JSON value (objects, lists, strings, numbers, booleans, null), read by
/// ``JSONReader``.
func parseJSON(_ text: String, _ what: String) throws(SochDBError) -> MetadataValue {
    do { return try JSONReader.parse(text) } catch {
        throw invalid("\(what) is not valid JSON: \(error)")
    }
}

/// A Swift object handed to C as an opaque pointer holding one retain.
enum Handle {
    static func make<T: AnyObject>(_ object: T) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    static func get<T: AnyObject>(_ pointer: OpaquePointer?, as: T.Type, _ what: String) throws(SochDBError) -> T {
        guard let pointer else { throw invalid("\(what) handle is NULL") }
        return Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    static func release<T: AnyObject>(_ pointer: OpaquePointer?, as: T.Type) {
        guard let pointer else { return }
        Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

/// Runs `body`, rethrowing any failure as a ``SochDBError``.
@inline(__always)
func wrapped<R>(_ body: () throws -> R) throws(SochDBError) -> R {
    do { return try body() } catch { throw SochDBError(wrapping: error) }
}
