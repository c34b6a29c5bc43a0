import Testing
@testable import SochVector

/// The `.hnsw` file: round trips, verification, and damaged or hostile files.
struct IndexFileTests {
    static let base = SyntheticData.clustered(count: 2_000, dimension: 24, clusters: 16, seed: 21)
    static let queries = SyntheticData.clustered(count: 50, dimension: 24, clusters: 16, seed: 21).rows(0..<50)

    func built(metric: Metric = .l2, ids: [Int64]? = nil) throws -> HNSWIndex {
        try HNSWIndex.build(Self.base, metric: metric, parameters: HNSWParameters(m: 8, efConstruction: 60), ids: ids)
    }

    @Test(arguments: Metric.allCases)
    func saveThenOpenGivesIdenticalResults(metric: Metric) throws {
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        let ids = (0..<Int64(Self.base.count)).map { $0 * 3 + 1 }
        let index = try built(metric: metric, ids: ids)
        let size = try index.save(to: dir + "/i.hnsw")
        #expect(size == readBytes(dir + "/i.hnsw").count)
        for verification in [HNSWIndex.Verification.header, .full] {
            let opened = try HNSWIndex.open(dir + "/i.hnsw", verification: verification)
            #expect(opened.isMapped)
            let a = try index.searchBatch(Self.queries, k: 10, ef: 40)
            let b = try opened.searchBatch(Self.queries, k: 10, ef: 40)
            #expect(a.ids == b.ids && a.distances == b.distances)
            var infoA = index.info, infoB = opened.info
            infoA.memoryBytes = 0
            infoB.memoryBytes = 0
            #expect(infoA == infoB)
            #expect(infoB.fileSizeBytes == size && infoB.count == 2_000 && infoB.metric == metric)
            #expect(infoB.levelHistogram.reduce(0, +) == 2_000)
        }
    }

    @Test func openedIndexAcceptsAddsAndResaves() throws {
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        try built().save(to: dir + "/i.hnsw")
        let opened = try HNSWIndex.open(dir + "/i.hnsw")
        let extra = SyntheticData.clustered(count: 300, dimension: 24, clusters: 16, seed: 99)
        try opened.add(extra)
        #expect(!opened.isMapped && opened.count == 2_300)
        #expect(try opened.search(extra[5], k: 1).first == SearchResult(id: 2_005, distance: 0))
        try opened.save(to: dir + "/i.hnsw")  // over the file it was mapped from
        let again = try HNSWIndex.open(dir + "/i.hnsw", verification: .full)
        #expect(again.count == 2_300)
        #expect(try again.search(extra[5], k: 1).first?.id == 2_005)
    }

    @Test func emptyIndexRoundTrips() throws {
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        try HNSWIndex(dimension: 5, metric: .cosine).save(to: dir + "/e.hnsw")
        let e = try HNSWIndex.open(dir + "/e.hnsw", verification: .full)
        #expect(e.count == 0 && e.metric == .cosine && e.dimension == 5)
        #expect(try e.search([1, 0, 0, 0, 0], k: 3).isEmpty)
    }

    /// Truncations, bit flips, and hostile header fields: every outcome is a
    /// typed error or an index that can be searched without crashing.
    @Test func damagedFilesNeverCrash() throws {
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        let small = try HNSWIndex.build(Self.base.rows(0..<300), parameters: HNSWParameters(m: 6, efConstruction: 30))
        try small.save(to: dir + "/ok.hnsw")
        let good = readBytes(dir + "/ok.hnsw")
        var rng = SeededRandom(seed: 77)
        var typedErrors = 0, fullRejections = 0, mutations = 0

        func attempt(_ bytes: [UInt8], mustFailFull: Bool) {
            mutations += 1
            writeBytes(bytes, to: dir + "/bad.hnsw")
            do {
                let idx = try HNSWIndex.open(dir + "/bad.hnsw")
                _ = try? idx.searchBatch(Self.queries, k: 5, ef: 20)
                _ = idx.info
            } catch is SochVectorError {
                typedErrors += 1
            } catch {
                Issue.record("untyped error \(error)")
            }
            do {
                _ = try HNSWIndex.open(dir + "/bad.hnsw", verification: .full)
                if mustFailFull { Issue.record("full verification accepted a damaged file") }
            } catch is SochVectorError {
                fullRejections += 1
            } catch {
                Issue.record("untyped error \(error)")
            }
        }

        // Truncation at every section boundary region and at random points.
        for cut in [0, 1, 8, 63, 64, 65, 100, 127, 128, 300, good.count / 2, good.count - 1] {
            attempt(Array(good[..<cut]), mustFailFull: true)
        }
        for _ in 0..<100 {
            attempt(Array(good[..<Int(rng.next() % UInt64(good.count))]), mustFailFull: true)
        }
        // Single bit flips anywhere.
        for _ in 0..<200 {
            var b = good
            let at = Int(rng.next() % UInt64(b.count))
            b[at] ^= UInt8(1 << (rng.next() % 8))
            attempt(b, mustFailFull: true)
        }
        // Hostile headers and section tables with a *valid* header checksum:
        // random 32-bit values in each field, so only validation stands between
        // the file and an out-of-bounds read or a giant allocation.
        let tableEnd = 64 + 7 * 32
        for _ in 0..<200 {
            var b = good
            let field = 8 + Int(rng.next() % UInt64((tableEnd - 8 - 4) / 4)) * 4
            guard field != HNSWFileFormat.Field.headerCRC else { continue }
            let value = rng.next() % 3 == 0 ? UInt32.max : UInt32(truncatingIfNeeded: rng.next() >> UInt64(rng.next() % 32))
            b.replaceSubrange(field..<field + 4, with: withUnsafeBytes(of: value.littleEndian, Array.init))
            let crc = CRC32C.checksum(Array(b[0..<60]) + Array(b[64..<tableEnd]))
            b.replaceSubrange(60..<64, with: withUnsafeBytes(of: crc.littleEndian, Array.init))
            attempt(b, mustFailFull: false)
        }
        // Hostile links inside the level-0 section (checksums recomputed, so
        // only bounds checks in the walk protect the search).
        for _ in 0..<50 {
            let opened = try HNSWIndex.open(dir + "/ok.hnsw")
            let offset = Int(opened.layout.level0 - UnsafeMutablePointer<UInt32>(OpaquePointer(opened.mapping!.bytes))) * 4
            var b = good
            for _ in 0..<20 {
                let at = offset + Int(rng.next() % UInt64(300 * 13)) * 4
                let v = UInt32(truncatingIfNeeded: rng.next())
                b.replaceSubrange(at..<at + 4, with: withUnsafeBytes(of: v.littleEndian, Array.init))
            }
            attempt(b, mustFailFull: true)
        }
        #expect(mutations > 500)
        #expect(typedErrors > 200, "\(typedErrors) typed errors")
        #expect(fullRejections > 300, "\(fullRejections) rejected by full verification")
    }

    @Test func rejectsOtherFilesWithClearErrors() throws {
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        writeBytes(Array("definitely not an index, but long enough to have a header ........".utf8), to: dir + "/x.hnsw")
        #expect(throws: SochVectorError.corruptFile(path: dir + "/x.hnsw", reason: "bad magic (not a SochDB .hnsw file)")) {
            try HNSWIndex.open(dir + "/x.hnsw")
        }
        #expect(throws: SochVectorError.fileNotFound(path: dir + "/none.hnsw")) { try HNSWIndex.open(dir + "/none.hnsw") }
        try built().save(to: dir + "/v.hnsw")
        var b = readBytes(dir + "/v.hnsw")
        b[8] = 99  // version
        writeBytes(b, to: dir + "/v.hnsw")
        #expect(throws: SochVectorError.unsupportedFormat(path: dir + "/v.hnsw", reason: "format version 99; this build reads version 1")) {
            try HNSWIndex.open(dir + "/v.hnsw")
        }
    }

    @Test func failedSaveLeavesNoPartialFile() throws {
        let dir = temporaryDirectory()
        defer { removeTree(dir) }
        #expect(throws: SochVectorError.self) { try built().save(to: dir + "/missing-dir/i.hnsw") }
        #expect(readDirectory(dir).isEmpty)
    }
}

func readDirectory(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

#if canImport(Glibc)
import Glibc
#endif
