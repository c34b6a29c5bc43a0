/// An ordered cursor over internal-key/value entries (memtable, block,
/// table, merged levels), in ``InternalKey`` order.
///
/// Contract: after a positioning call, ``isValid`` says whether ``key`` and
/// ``value`` may be read. Reads of a damaged block throw. Not thread-safe:
/// one iterator is used by one thread; it holds what it reads from alive.
protocol InternalIterator: AnyObject {
    var isValid: Bool { get }
    /// The current internal key (user key + trailer).
    var key: [UInt8] { get }
    var value: [UInt8] { get }
    /// The current key and value without a copy; valid until the next
    /// positioning call on this iterator (the hot paths of scans and
    /// compactions read these).
    var keyView: UnsafeRawBufferPointer { get }
    var valueView: UnsafeRawBufferPointer { get }
    func seekToFirst() throws
    /// Positions at the first entry whose internal key is ≥ `target`.
    func seek(_ target: [UInt8]) throws
    func next() throws
}
