import CSochFFI
import Foundation
import SochDB
import Synchronization

// sochdb_scan_open / sochdb_txn_scan_open / sochdb_scan_next / sochdb_scan_close.
//
// A batch crosses the boundary as one malloc'd buffer (include/sochdb.h):
//
//     count × (u32 LE key length, u32 LE value length)     the lengths first,
//     key 0, value 0, key 1, value 1, …                     then the bytes
//
// so a caller pays one call per batch, not per pair, and can cut the bytes
// with the lengths alone (Python does it without a loop in bytecode).

/// What a `sochdb_scan *` points to: a streaming cursor at the snapshot
/// taken when it opened (a transaction's merges its own writes). Calls on
/// one scan are serialised by `state`.
final class ScanHandle: Sendable {
    private struct Unchecked: @unchecked Sendable { let cursor: DatabaseCursor }
    private let state: Mutex<Unchecked>

    init(_ cursor: DatabaseCursor) { state = Mutex(Unchecked(cursor: cursor)) }

    /// Up to about `limit` next pairs, packed; nil at the end.
    func next(_ limit: Int) throws(SochDBError) -> (buffer: UnsafeMutablePointer<UInt8>, length: Int, count: Int)? {
        let batch = try state.withLock { s throws(SochDBError) in try s.cursor.nextPacked(maxEntries: limit) }
        if batch.isEmpty { return nil }
        return try pack(batch)
    }
}

private let tooLong = SochDBError.invalidArgument("a value of 4 GiB or more does not fit a scan batch's 32-bit length")

/// The batch in the wire layout above, in one malloc'd buffer.
private func pack(_ batch: ScanBatch) throws(SochDBError) -> (buffer: UnsafeMutablePointer<UInt8>, length: Int, count: Int) {
    let header = 8 * batch.count
    let total = header + batch.bytes.count
    guard let base = malloc(max(total, 1))?.assumingMemoryBound(to: UInt8.self) else {
        throw .database(.io(path: "", operation: "malloc", errno: ENOMEM))
    }
    var fits = true
    var at = 0
    let raw = UnsafeMutableRawPointer(base)
    batch.forEachView { k, v in
        fits = fits && v.count <= Int(UInt32.max)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: k.count).littleEndian, toByteOffset: at, as: UInt32.self)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: v.count).littleEndian, toByteOffset: at + 4, as: UInt32.self)
        at += 8
    }
    guard fits else { free(base); throw tooLong }
    batch.bytes.withUnsafeBufferPointer { b in
        if let src = b.baseAddress, b.count > 0 { (base + header).update(from: src, count: b.count) }
    }
    return (base, total, batch.count)
}

private func openScan(_ source: () throws(SochDBError) -> DatabaseCursor,
                      _ outScan: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let out = try required(outScan, "out_scan")
        out.pointee = Handle.make(ScanHandle(try source()))
    }
}

@_cdecl("sochdb_scan_open")
public func sochdb_scan_open(_ db: OpaquePointer?, _ start: UnsafePointer<UInt8>?, _ startLen: Int,
                             _ end: UnsafePointer<UInt8>?, _ endLen: Int,
                             _ outScan: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    openScan({ () throws(SochDBError) in
        try database(db).scanBatched(start: try optionalBytes(start, startLen, "start"),
                                     end: try optionalBytes(end, endLen, "end"), batchSize: 1024)
    }, outScan)
}

@_cdecl("sochdb_txn_scan_open")
public func sochdb_txn_scan_open(_ txn: OpaquePointer?, _ start: UnsafePointer<UInt8>?, _ startLen: Int,
                                 _ end: UnsafePointer<UInt8>?, _ endLen: Int,
                                 _ outScan: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    openScan({ () throws(SochDBError) in
        let s = try optionalBytes(start, startLen, "start"), e = try optionalBytes(end, endLen, "end")
        return try transaction(txn) { t throws(SochDBError) in try t.scanBatched(start: s, end: e, batchSize: 1024) }
    }, outScan)
}

@_cdecl("sochdb_scan_next")
public func sochdb_scan_next(_ scan: OpaquePointer?, _ maxEntries: Int,
                             _ outBuffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                             _ outLen: UnsafeMutablePointer<Int>?, _ outCount: UnsafeMutablePointer<Int>?) -> Int32 {
    ffiCall { () throws(SochDBError) in
        let handle = try Handle.get(scan, as: ScanHandle.self, "scan")
        let b = try required(outBuffer, "out_buffer"), n = try required(outLen, "out_len")
        let c = try required(outCount, "out_count")
        guard (1...1_000_000).contains(maxEntries) else { throw invalid("max_entries must be 1…1000000, got \(maxEntries)") }
        if let batch = try handle.next(maxEntries) {
            b.pointee = batch.buffer; n.pointee = batch.length; c.pointee = batch.count
        } else {
            b.pointee = nil; n.pointee = 0; c.pointee = 0
        }
    }
}

@_cdecl("sochdb_scan_close")
public func sochdb_scan_close(_ scan: OpaquePointer?) { Handle.release(scan, as: ScanHandle.self) }
