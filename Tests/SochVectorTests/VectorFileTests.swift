import Testing
@testable import SochVector

/// `.npy` and raw f32 readers and writers, including malformed input.
struct VectorFileTests {
    let dir = temporaryDirectory()

    func npy(version: UInt8, dict: String, data: [UInt8]) -> [UInt8] {
        let lengthBytes = version == 1 ? 2 : 4
        let pre = 8 + lengthBytes
        var d = dict
        d += String(repeating: " ", count: (64 - (pre + d.utf8.count + 1) % 64) % 64) + "\n"
        let n = d.utf8.count
        var header: [UInt8] = NPYHeader.magic + [version, 0]
        for i in 0..<lengthBytes { header.append(UInt8((n >> (8 * i)) & 0xFF)) }
        return header + Array(d.utf8) + data
    }

    func floats(_ v: [Float]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }

    @Test func roundTripsNPYAndRaw() throws {
        defer { removeTree(dir) }
        let m = SyntheticData.uniform(count: 33, dimension: 7)
        try VectorFile.write(m, to: dir + "/a.npy", format: .npy)
        try VectorFile.write(m, to: dir + "/a.f32", format: .rawF32)
        let a = try VectorFile.read(path: dir + "/a.npy")
        let b = try VectorFile.read(path: dir + "/a.f32", dimension: 7)
        #expect(a.count == 33 && a.dimension == 7 && a.flatArray == m.flatArray)
        #expect(b.count == 33 && b.flatArray == m.flatArray)
        #expect(readBytes(dir + "/a.f32").count == 33 * 7 * 4)
        // NumPy-compatible header: data starts on a 64-byte boundary.
        let h = try NPYHeader.parse(readBytes(dir + "/a.npy"), count: 200, path: "x")
        #expect(h.dataOffset % 64 == 0 && h.shape == [33, 7] && h.descr == "<f4")
    }

    @Test(arguments: [UInt8(1), 2, 3])
    func readsEveryFormatVersion(version: UInt8) throws {
        defer { removeTree(dir) }
        let v: [Float] = [1, 2, 3, 4, 5, 6]
        writeBytes(npy(version: version, dict: "{\"descr\": \"<f4\", \"shape\": (2, 3), \"fortran_order\": False}", data: floats(v)),
                   to: dir + "/v.npy")
        let m = try VectorFile.read(path: dir + "/v.npy", dimension: 3)
        #expect(m.count == 2 && m[1] == [4, 5, 6])
    }

    static let malformed: [(String, String, [UInt8], String)] = [
        ("float64", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", [UInt8](repeating: 0, count: 48), "dtype <f8"),
        ("big-endian", "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", [UInt8](repeating: 0, count: 24), "dtype >f4"),
        ("fortran", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", [UInt8](repeating: 0, count: 24), "Fortran"),
        ("3-D", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 1), }", [UInt8](repeating: 0, count: 24), "shape [2, 3, 1]"),
        ("1-D", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", [UInt8](repeating: 0, count: 24), "shape [6]"),
        ("short data", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", [UInt8](repeating: 0, count: 20), "needs 24 data bytes"),
        ("no shape", "{'descr': '<f4', 'fortran_order': False, }", [], "no 'shape'"),
        ("bad fortran", "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3), }", [], "fortran_order Maybe"),
        // Found by the npy fuzz target: dimension × 4 overflowed (a trap) before the size check.
        ("dimension overflow", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4611686018427387904), }", [], "more than Int.max"),
        ("rows overflow", "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 2), }", [], "more than Int.max"),
    ]

    @Test(arguments: 0..<malformed.count)
    func rejectsMalformedNPY(case i: Int) throws {
        defer { removeTree(dir) }
        let (name, dict, data, message) = Self.malformed[i]
        writeBytes(npy(version: 1, dict: dict, data: data), to: dir + "/bad.npy")
        do {
            _ = try VectorFile.read(path: dir + "/bad.npy")
            Issue.record("\(name) was accepted")
        } catch let e as SochVectorError {
            #expect(e.description.contains(message), "\(name): \(e)")
            #expect(e.description.contains(dir + "/bad.npy"))
        }
    }

    @Test func rejectsTruncatedHeadersAndBadMagic() throws {
        defer { removeTree(dir) }
        let good = npy(version: 1, dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", data: floats([1, 2]))
        for cut in [0, 5, 9, 11, 40, good.count - 9] {
            writeBytes(Array(good[..<cut]), to: dir + "/t.npy")
            #expect(throws: SochVectorError.self) { try VectorFile.read(path: dir + "/t.npy") }
        }
        var badMagic = good
        badMagic[1] = UInt8(ascii: "X")
        writeBytes(badMagic, to: dir + "/m.npy")
        #expect(throws: SochVectorError.corruptFile(path: dir + "/m.npy", reason: "not an .npy file (magic \\x93NUMPY not found)")) {
            try VectorFile.read(path: dir + "/m.npy")
        }
        var badVersion = good
        badVersion[6] = 9
        writeBytes(badVersion, to: dir + "/v.npy")
        #expect(throws: SochVectorError.self) { try VectorFile.read(path: dir + "/v.npy") }
    }

    @Test func rawFileChecks() throws {
        defer { removeTree(dir) }
        writeBytes(floats([1, 2, 3, 4, 5]), to: dir + "/r.f32")
        #expect(throws: SochVectorError.self) { try VectorFile.read(path: dir + "/r.f32") }  // no dimension
        do {
            _ = try VectorFile.read(path: dir + "/r.f32", dimension: 2)
            Issue.record("accepted 5 floats as 2-D rows")
        } catch let e as SochVectorError {
            #expect(e.description.contains("not a whole number of 2-dimensional float32 rows"))
        }
        #expect(try VectorFile.read(path: dir + "/r.f32", dimension: 5).count == 1)
        #expect(throws: SochVectorError.dimensionMismatch(expected: 4, actual: 3)) {
            try VectorFile.write(SyntheticData.uniform(count: 2, dimension: 3), to: dir + "/x.npy", format: .npy)
            _ = try VectorFile.read(path: dir + "/x.npy", dimension: 4)
        }
        #expect(throws: SochVectorError.fileNotFound(path: dir + "/missing.npy")) {
            try VectorFile.read(path: dir + "/missing.npy")
        }
    }

    @Test func directReadAndPrefaultGiveTheSameBytes() throws {
        defer { removeTree(dir) }
        let m = SyntheticData.uniform(count: 100, dimension: 16)
        try VectorFile.write(m, to: dir + "/a.npy", format: .npy)
        let before = MappedFile.telemetry.snapshot().directBytesRead
        let direct = try VectorFile.read(path: dir + "/a.npy", options: .init(directRead: true))
        let pre = try VectorFile.read(path: dir + "/a.npy", options: .init(prefault: true))
        #expect(direct.flatArray == m.flatArray && pre.flatArray == m.flatArray)
        #expect(MappedFile.telemetry.snapshot().directBytesRead - before >= 100 * 16 * 4)
    }

    @Test func integerNPY() throws {
        defer { removeTree(dir) }
        try VectorFile.writeNPY(int64: [1, 2, 3, 4, 5, 6], rows: 2, columns: 3, to: dir + "/i.npy")
        let (v, shape) = try VectorFile.readIntegers(path: dir + "/i.npy")
        #expect(v == [1, 2, 3, 4, 5, 6] && shape == [2, 3])
        writeBytes(npy(version: 1, dict: "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", data: [7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0]),
                   to: dir + "/j.npy")
        #expect(try VectorFile.readIntegers(path: dir + "/j.npy").values == [7, 8, 9])
    }
}
