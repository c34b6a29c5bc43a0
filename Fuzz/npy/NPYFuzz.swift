// Fuzz target `npy`: NumPy .npy files (docs/formats/vector-files.md).
//
// Feeds: the input to NPYHeader.parse in memory, then (written to one file in
// a per-process temp directory, rewritten for every input) to the real file
// readers: VectorFile.read as float vectors (mapped, 1-D allowed, and read
// with plain reads into an owned buffer, 2-D only) and VectorFile.readIntegers.
//
// Checks, beyond "no trap / no out-of-bounds read": errors are
// SochVectorError; a parsed header has its data offset inside the input and
// the file readers see the same header; a float matrix that opens has the
// parsed shape (rows × dimension, or 1 × n for a 1-D array), fits in the data
// after the header, and every element can be read; integers that load are
// exactly the product of the shape in number.
import FuzzSupport
import Foundation
@testable import SochVector

@_cdecl("fuzz_npy_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(inputBytes(data), size) }
}

/// The scratch file every input is written to (created once per process).
let path = scratchDirectory("npy") + "/input.npy"

/// Runs `body`; a SochVectorError is an answer, anything else is a bug.
func attempt<R>(_ body: () throws -> R) -> R? {
    do { return try body() } catch is SochVectorError { return nil } catch {
        fatalError("non-SochVectorError \(error)")
    }
}

func checkMatrix(_ m: VectorMatrix, header: NPYHeader, size: Int, allowSingleRow: Bool) {
    let expected = header.shape.count == 2 ? (header.shape[0], header.shape[1]) : (1, header.shape.first ?? -1)
    require(header.shape.count == 2 || (allowSingleRow && header.shape.count == 1), "read a \(header.shape.count)-D array")
    require((m.count, m.dimension) == expected, "matrix is \(m.count)×\(m.dimension), shape \(header.shape)")
    require(m.count * m.dimension * 4 <= size - header.dataOffset, "matrix runs past the data")
    var sum: Float = 0
    for i in 0..<m.count { m.withRow(i) { row in for j in 0..<m.dimension { sum += row[j] } } }
    _ = sum
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let header = attempt { try NPYHeader.parse(UnsafeRawPointer(data), count: size, path: "input.npy") }
    if let h = header {
        require(h.dataOffset >= 10 && h.dataOffset <= size, "data offset \(h.dataOffset) outside \(size) bytes")
        require(h.shape.allSatisfy { $0 >= 0 }, "negative shape entry")
    }
    writeFile(path, UnsafeRawBufferPointer(start: data, count: size))
    for (allowSingleRow, options) in [(true, MappedFile.Options()), (false, MappedFile.Options(directRead: true))] {
        if let m = attempt({ try VectorFile.read(path: path, format: .npy, options: options, allowSingleRow: allowSingleRow) }) {
            guard let h = header else { fatalError("file read succeeded, in-memory header parse failed") }
            checkMatrix(m, header: h, size: size, allowSingleRow: allowSingleRow)
        }
    }
    if let (values, shape) = attempt({ try VectorFile.readIntegers(path: path) }) {
        guard let h = header else { fatalError("integers read, in-memory header parse failed") }
        require(shape == h.shape, "readIntegers shape \(shape), header \(h.shape)")
        require(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
    }
    return 0
}
