/// Readers and writers for the vector files users bring: NumPy `.npy`
/// (versions 1–3, little-endian `<f4`, C order, 2-D) and raw little-endian
/// float32 rows with the dimension given separately. Reading maps the file
/// and hands out the mapped floats without copying them. Format details:
/// docs/formats/vector-files.md.
public enum VectorFile {
    /// File formats for vectors.
    public enum Format: String, Sendable, CaseIterable {
        case npy
        case rawF32 = "raw_f32"

        /// `.npy` by extension (or by magic if the file exists), raw otherwise.
        public static func detect(path: String) -> Format {
            if path.lowercased().hasSuffix(".npy") { return .npy }
            if let f = fopen(path, "rb") {
                defer { fclose(f) }
                var magic = [UInt8](repeating: 0, count: 6)
                if fread(&magic, 1, 6, f) == 6 && magic == NPYHeader.magic { return .npy }
            }
            return .rawF32
        }
    }

    /// Maps the vectors in `path`. For `.npy`, `dimension` (if given) must
    /// match the file's; for raw files it is required. A 1-D `.npy` is read as
    /// one row only when `allowSingleRow` is set (a single query vector).
    public static func read(path: String, dimension: Int? = nil, format: Format? = nil,
                            options: MappedFile.Options = .init(),
                            allowSingleRow: Bool = false) throws -> VectorMatrix {
        let fmt = format ?? Format.detect(path: path)
        let file = try MappedFile(path: path, options: options)
        switch fmt {
        case .npy: return try readNPY(file, dimension: dimension, allowSingleRow: allowSingleRow)
        case .rawF32: return try readRaw(file, dimension: dimension)
        }
    }

    private static func readNPY(_ file: MappedFile, dimension: Int?, allowSingleRow: Bool) throws -> VectorMatrix {
        let h = try NPYHeader.parse(file.bytes, count: file.size, path: file.path)
        guard h.descr == "<f4" || h.descr == "=f4" || h.descr == "f4" else {
            throw SochVectorError.unsupportedFormat(path: file.path, reason: "dtype \(h.descr); only little-endian float32 ('<f4') is supported")
        }
        guard !h.fortranOrder else {
            throw SochVectorError.unsupportedFormat(path: file.path, reason: "Fortran (column-major) order; save with np.ascontiguousarray first")
        }
        let rows: Int, dim: Int
        switch h.shape.count {
        case 2: (rows, dim) = (h.shape[0], h.shape[1])
        case 1 where allowSingleRow: (rows, dim) = (1, h.shape[0])
        default:
            throw SochVectorError.unsupportedFormat(path: file.path, reason: "shape \(h.shape); a 2-D array (rows, dimension) is required")
        }
        guard dim > 0 else { throw SochVectorError.unsupportedFormat(path: file.path, reason: "shape \(h.shape) has dimension 0") }
        if let dimension, dimension != dim { throw SochVectorError.dimensionMismatch(expected: dimension, actual: dim) }
        // Both factors come from the file: either product may overflow.
        let (rowBytes, rowOverflow) = dim.multipliedReportingOverflow(by: 4)
        let (total, totalOverflow) = rows.multipliedReportingOverflow(by: rowBytes)
        let (bytes, overflow) = (total, rowOverflow || totalOverflow)
        guard !overflow, bytes <= file.size - h.dataOffset else {
            throw SochVectorError.corruptFile(path: file.path, reason: "shape \(h.shape) needs \(overflow ? "more than Int.max" : String(bytes)) data bytes, file has \(file.size - h.dataOffset)")
        }
        guard h.dataOffset % 4 == 0 else {
            throw SochVectorError.unsupportedFormat(path: file.path, reason: "data offset \(h.dataOffset) is not 4-byte aligned")
        }
        let base = (file.bytes + h.dataOffset).assumingMemoryBound(to: Float.self)
        return VectorMatrix(base: base, count: rows, dimension: dim, owner: file)
    }

    private static func readRaw(_ file: MappedFile, dimension: Int?) throws -> VectorMatrix {
        guard let dim = dimension else {
            throw SochVectorError.invalidArgument("\(file.path): a raw f32 file needs its dimension (--dimension)")
        }
        guard dim > 0 else { throw SochVectorError.invalidArgument("dimension must be positive, got \(dim)") }
        let rowBytes = dim * 4
        guard file.size % rowBytes == 0 else {
            throw SochVectorError.corruptFile(path: file.path, reason: "size \(file.size) bytes is not a whole number of \(dim)-dimensional float32 rows (\(rowBytes) bytes each)")
        }
        let base = file.bytes.assumingMemoryBound(to: Float.self)
        return VectorMatrix(base: base, count: file.size / rowBytes, dimension: dim, owner: file)
    }

    /// Writes `matrix` to `path` in `format`, atomically (temporary file + rename).
    public static func write(_ matrix: VectorMatrix, to path: String, format: Format) throws {
        let w = try AtomicFileWriter(path: path)
        if format == .npy {
            try w.write(NPYHeader.encode(descr: "<f4", shape: [matrix.count, matrix.dimension]))
        }
        try w.write(UnsafeRawBufferPointer(start: matrix.base, count: matrix.count * matrix.dimension * 4))
        try w.commit(sync: false)
    }

    /// Writes a 2-D `.npy` of `<i8` (shape rows × columns).
    public static func writeNPY(int64 values: [Int64], rows: Int, columns: Int, to path: String) throws {
        try writeNPY(values, descr: "<i8", rows: rows, columns: columns, to: path)
    }

    /// Writes a 2-D `.npy` of `<f4` (shape rows × columns).
    public static func writeNPY(float32 values: [Float], rows: Int, columns: Int, to path: String) throws {
        try writeNPY(values, descr: "<f4", rows: rows, columns: columns, to: path)
    }

    private static func writeNPY<T: BitwiseCopyable>(_ values: [T], descr: String, rows: Int, columns: Int,
                                                     to path: String) throws {
        precondition(values.count == rows * columns)
        let w = try AtomicFileWriter(path: path)
        try w.write(NPYHeader.encode(descr: descr, shape: [rows, columns]))
        try values.withUnsafeBytes { try w.write($0) }
        try w.commit(sync: false)
    }

    /// Reads a 1-D or 2-D integer `.npy` (`<i4`, `<i8`, `<u4`, `<u8`) as Int64,
    /// row-major; returns the values and the shape.
    public static func readIntegers(path: String) throws -> (values: [Int64], shape: [Int]) {
        let file = try MappedFile(path: path)
        let h = try NPYHeader.parse(file.bytes, count: file.size, path: path)
        guard !h.fortranOrder else { throw SochVectorError.unsupportedFormat(path: path, reason: "Fortran order") }
        guard (1...2).contains(h.shape.count) else {
            throw SochVectorError.unsupportedFormat(path: path, reason: "shape \(h.shape); 1-D or 2-D expected")
        }
        let n = h.shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let p = file.bytes + h.dataOffset
        func load<T: FixedWidthInteger>(_: T.Type) throws -> [Int64] {
            let size = MemoryLayout<T>.size
            guard n <= (file.size - h.dataOffset) / size else {
                throw SochVectorError.corruptFile(path: path, reason: "shape \(h.shape) needs \(n) items of \(size) bytes; file is too short")
            }
            return (0..<n).map { Int64(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
        switch h.descr {
        case "<i4", "=i4": return (try load(Int32.self), h.shape)
        case "<i8", "=i8": return (try load(Int64.self), h.shape)
        case "<u4", "=u4": return (try load(UInt32.self), h.shape)
        case "<u8", "=u8": return (try load(UInt64.self), h.shape)
        default: throw SochVectorError.unsupportedFormat(path: path, reason: "dtype \(h.descr); integer ids ('<i8', '<i4') expected")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
