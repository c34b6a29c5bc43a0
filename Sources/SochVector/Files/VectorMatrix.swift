/// A read-only matrix of `count` float vectors of `dimension` components,
/// stored row after row, wherever its bytes live: a mapped file, an owned
/// buffer or an array it copied.
///
/// Immutable and thread-safe. Keeps its backing storage alive; pointers from
/// ``withRow(_:_:)`` are valid only inside the closure.
public final class VectorMatrix: @unchecked Sendable {
    public let count: Int
    public let dimension: Int
    let base: UnsafePointer<Float>
    private let owner: AnyObject?

    init(base: UnsafePointer<Float>, count: Int, dimension: Int, owner: AnyObject?) {
        self.base = base
        self.count = count
        self.dimension = dimension
        self.owner = owner
    }

    /// A matrix over `count × dimension` floats the caller owns, read in
    /// place (no copy): for a caller across a boundary (the C ABI reading a
    /// numpy array). The memory must stay valid and unchanged for as long as
    /// the matrix, or anything built from it that keeps it, is alive.
    public static func borrowing(_ base: UnsafePointer<Float>, count: Int, dimension: Int) throws -> VectorMatrix {
        guard dimension > 0 else { throw SochVectorError.invalidArgument("dimension must be positive, got \(dimension)") }
        guard count >= 0 else { throw SochVectorError.invalidArgument("count must be ≥ 0, got \(count)") }
        return VectorMatrix(base: base, count: count, dimension: dimension, owner: nil)
    }

    /// Copies `rows`, which must all have the same length (`dimension`, or the
    /// first row's if `dimension` is nil). Throws `.dimensionMismatch` otherwise.
    public convenience init(rows: [[Float]], dimension: Int? = nil) throws {
        let d = dimension ?? rows.first?.count ?? 0
        let buffer = AlignedBuffer<Float>(capacity: max(rows.count * d, 1))
        for (i, row) in rows.enumerated() {
            guard row.count == d else { throw SochVectorError.dimensionMismatch(expected: d, actual: row.count) }
            row.withUnsafeBufferPointer { (buffer.base + i * d).update(from: $0.baseAddress!, count: d) }
        }
        self.init(base: buffer.base, count: rows.count, dimension: d, owner: buffer)
    }

    /// Copies a flat row-major array of `count × dimension` floats.
    public convenience init(flat: [Float], dimension: Int) throws {
        guard dimension > 0 else { throw SochVectorError.invalidArgument("dimension must be positive, got \(dimension)") }
        guard flat.count % dimension == 0 else {
            throw SochVectorError.invalidArgument("\(flat.count) floats is not a whole number of \(dimension)-dimensional rows")
        }
        let buffer = AlignedBuffer<Float>(capacity: max(flat.count, 1))
        flat.withUnsafeBufferPointer { if let b = $0.baseAddress { buffer.base.update(from: b, count: flat.count) } }
        self.init(base: buffer.base, count: flat.count / dimension, dimension: dimension, owner: buffer)
    }

    /// Row `i` as a new array.
    public subscript(i: Int) -> [Float] {
        precondition(i >= 0 && i < count, "row \(i) out of range 0..<\(count)")
        return Array(UnsafeBufferPointer(start: base + i * dimension, count: dimension))
    }

    /// Calls `body` with a pointer to row `i`'s `dimension` floats.
    public func withRow<R>(_ i: Int, _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < count, "row \(i) out of range 0..<\(count)")
        return try body(base + i * dimension)
    }

    /// All components row after row.
    public var flatArray: [Float] { Array(UnsafeBufferPointer(start: base, count: count * dimension)) }

    /// A new matrix that owns a copy of rows `range`.
    public func rows(_ range: Range<Int>) -> VectorMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        let buffer = AlignedBuffer<Float>(capacity: max(range.count * dimension, 1))
        buffer.base.update(from: base + range.lowerBound * dimension, count: range.count * dimension)
        return VectorMatrix(base: buffer.base, count: range.count, dimension: dimension, owner: buffer)
    }

    /// Checks every component is finite and, for cosine, that no row is zero.
    /// Throws `.invalidVector` naming the first bad row.
    public func validate(for metric: Metric) throws {
        for r in 0..<count {
            let row = base + r * dimension
            var norm: Float = 0
            for j in 0..<dimension {
                let v = row[j]
                guard v.isFinite else {
                    throw SochVectorError.invalidVector(row: r, reason: "component \(j) is \(v)")
                }
                norm += v * v
            }
            if metric == .cosine && norm == 0 {
                throw SochVectorError.invalidVector(row: r, reason: "zero vector has no cosine direction")
            }
            if !norm.isFinite {
                throw SochVectorError.invalidVector(row: r, reason: "squared norm overflows Float")
            }
        }
    }
}
