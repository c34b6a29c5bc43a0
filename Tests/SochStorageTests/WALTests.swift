import Testing
@testable import SochStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write-ahead log: framing round trips, and the recovery rules that
/// separate a torn tail (trimmed silently) from mid-log damage (reported).
struct WALTests {
    // MARK: helpers

    static let fs = POSIXFileSystem.shared

    static func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/sochdb-wal-test-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }

    static func removeDirectory(_ path: String) {
        for name in (try? fs.children(of: path)) ?? [] { try? fs.remove(path + "/" + name) }
        rmdir(path)
    }

    static func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            var i = 0
            while i < count {
                var word = rng.next()
                withUnsafeBytes(of: &word) { w in
                    for j in 0..<min(8, count - i) { raw[i + j] = w[j] }
                }
                i += 8
            }
        }
        return bytes
    }

    /// Sizes from 0 bytes to 100 KiB, a third each tiny, small and large.
    static func randomPayloads(_ n: Int, seed: UInt64, maxSize: Int = 100 << 10) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in
            let bound = [65, 4097, maxSize + 1][Int(rng.next() % 3)]
            return randomBytes(Int(rng.next() % UInt64(min(bound, maxSize + 1))), &rng)
        }
    }

    /// Writes one segment; returns each record's offset.
    @discardableResult
    static func writeSegment(_ path: String, _ payloads: [[UInt8]], counters: EngineCounters = EngineCounters()) throws -> [UInt64] {
        let writer = try WALWriter(fileSystem: fs, path: path, counters: counters)
        var offsets: [UInt64] = []
        for p in payloads {
            offsets.append(writer.size)
            try writer.append(p)
        }
        try writer.sync()
        try writer.close()
        return offsets
    }

    struct ReadResult {
        var report: WALSegmentReport
        var payloads: [[UInt8]] = []
        var offsets: [UInt64] = []
    }

    static func read(_ path: String, last: Bool = true, mode: WALRecovery = .strict,
                     fileSystem: FileSystem = fs, counters: EngineCounters = EngineCounters()) throws -> ReadResult {
        var payloads: [[UInt8]] = []
        var offsets: [UInt64] = []
        let report = try WALReader.read(fileSystem: fileSystem, path: path, isLastSegment: last, mode: mode, counters: counters) { p, offset in
            payloads.append(Array(p))
            offsets.append(offset)
        }
        return ReadResult(report: report, payloads: payloads, offsets: offsets)
    }

    static func bytes(of path: String) throws -> [UInt8] {
        let f = try fs.openForReading(path)
        defer { f.close() }
        return try f.readAll()
    }

    static func overwrite(_ path: String, with bytes: [UInt8]) throws {
        let f = try fs.openForAppend(path, truncate: true)
        try f.append(bytes)
        try f.close()
    }

    /// The walCorruption fields of `error`, or nil for any other error.
    static func walCorruption(_ error: StorageError?) -> (segment: String, offset: UInt64)? {
        if case .walCorruption(let segment, let offset, _)? = error { return (segment, offset) }
        return nil
    }

    /// Reading in strict mode throws walCorruption at `offset`; salvage mode
    /// delivers exactly `before` and reports the same error.
    static func expectCorruption(_ path: String, last: Bool = true, at offset: UInt64, before: [[UInt8]],
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        var thrown: StorageError?
        do { _ = try read(path, last: last, mode: .strict) } catch let e as StorageError { thrown = e }
        let strict = walCorruption(thrown)
        #expect(strict?.segment == path && strict?.offset == offset, "strict: \(String(describing: thrown))", sourceLocation: sourceLocation)
        let salvaged = try read(path, last: last, mode: .salvage)
        #expect(salvaged.payloads == before, sourceLocation: sourceLocation)
        #expect(salvaged.report.corruption != nil && salvaged.report.corruption == thrown, sourceLocation: sourceLocation)
        #expect(salvaged.report.validEnd == offset && salvaged.report.tornTailBytes == 0, sourceLocation: sourceLocation)
    }

    // MARK: round trips

    @Test func roundTripOfRandomSizes() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        var payloads = Self.randomPayloads(300, seed: 1)
        payloads.insert(Self.randomPayloads(1, seed: 2, maxSize: 3 << 20)[0] + [UInt8](repeating: 7, count: 2 << 20), at: 150)  // > the 1 MiB window
        payloads.append([])
        let path = dir + "/000001.log"
        let written = EngineCounters()
        let offsets = try Self.writeSegment(path, payloads, counters: written)
        let size = try Self.fs.fileSize(path)
        #expect(written.bytesWritten.value == size && written.walSyncs.value == 1)

        let counters = EngineCounters()
        let result = try Self.read(path, counters: counters)
        #expect(result.payloads == payloads)
        #expect(result.offsets == offsets && offsets.first == UInt64(WALFormat.segmentHeaderSize))
        #expect(result.report == WALSegmentReport(validEnd: size, tornTailBytes: 0, corruption: nil, records: payloads.count, fileSize: size))
        #expect(counters.bytesRead.value == size)  // every byte read once
    }

    @Test func headerOnlySegmentHasNoRecords() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        try Self.writeSegment(dir + "/000001.log", [])
        #expect(try Self.bytes(of: dir + "/000001.log") == WALFormat.segmentHeader())
        for last in [true, false] {
            let r = try Self.read(dir + "/000001.log", last: last)
            #expect(r.report.validEnd == 16 && r.report.records == 0 && r.report.tornTailBytes == 0)
        }
    }

    @Test func multiSegmentReadReturnsEveryRecordInOrder() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let all = Self.randomPayloads(90, seed: 3, maxSize: 8 << 10)
        let paths = (1...3).map { dir + "/00000\($0).log" }
        for (i, path) in paths.enumerated() { try Self.writeSegment(path, Array(all[(i * 30)..<(i * 30 + 30)])) }
        var recovered: [[UInt8]] = []
        for (i, path) in paths.enumerated() {
            let r = try Self.read(path, last: i == paths.count - 1)
            #expect(r.report.records == 30 && r.report.tornTailBytes == 0 && r.report.corruption == nil)
            recovered += r.payloads
        }
        #expect(recovered == all)
    }

    // MARK: torn tails

    @Test func truncationAnywhereInTheLastRecordIsATornTail() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        var payloads = Self.randomPayloads(20, seed: 4, maxSize: 2000)
        payloads.append(Array(repeating: 0xAB, count: 300))
        let full = dir + "/full.log", cut = dir + "/cut.log"
        let offsets = try Self.writeSegment(full, payloads)
        let bytes = try Self.bytes(of: full)
        let lastStart = Int(offsets.last!)
        for length in lastStart..<bytes.count {  // inside the last record's header, then its payload
            try Self.overwrite(cut, with: Array(bytes[..<length]))
            let r = try Self.read(cut)
            #expect(r.payloads == Array(payloads.dropLast()), "cut at \(length)")
            #expect(r.report.validEnd == UInt64(lastStart) && r.report.tornTailBytes == UInt64(length - lastStart))
            #expect(r.report.corruption == nil)
        }
    }

    @Test func truncationInsideTheSegmentHeaderOfTheLastSegmentIsAnEmptyTornSegment() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let header = WALFormat.segmentHeader()
        for length in 0..<header.count {
            try Self.overwrite(dir + "/s.log", with: Array(header[..<length]))
            let r = try Self.read(dir + "/s.log")
            #expect(r.report == WALSegmentReport(validEnd: 0, tornTailBytes: UInt64(length), corruption: nil, records: 0, fileSize: UInt64(length)))
        }
    }

    @Test func zeroFilledTailIsATornTail() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000001.log"
        let payloads = Self.randomPayloads(10, seed: 5, maxSize: 1000)
        try Self.writeSegment(path, payloads)
        let bytes = try Self.bytes(of: path)
        try Self.overwrite(path, with: bytes + [UInt8](repeating: 0, count: 4096))
        let r = try Self.read(path)
        #expect(r.payloads == payloads)
        #expect(r.report.validEnd == UInt64(bytes.count) && r.report.tornTailBytes == 4096 && r.report.corruption == nil)
    }

    /// A partial last write followed by zeros or by garbage (a torn page) is
    /// still a torn tail: no intact record follows it.
    @Test func partialRecordFollowedByZerosOrGarbageIsATornTail() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000001.log"
        let payloads = Self.randomPayloads(10, seed: 6, maxSize: 1000) + [[UInt8](repeating: 1, count: 900)]
        let offsets = try Self.writeSegment(path, payloads)
        let bytes = try Self.bytes(of: path)
        var rng = SplitMix64(seed: 60)
        for keep in [5, 12, 13, 100, 600] {
            let prefix = Array(bytes[..<(Int(offsets.last!) + keep)])
            for filler in [[UInt8](repeating: 0, count: 4096), Self.randomBytes(4096, &rng)] {
                try Self.overwrite(path, with: prefix + filler)
                let r = try Self.read(path)
                #expect(r.payloads == Array(payloads.dropLast()), "keep \(keep)")
                #expect(r.report.validEnd == offsets.last! && r.report.corruption == nil)
            }
        }
    }

    @Test func shortOrZeroedLastSegmentIsEmpty() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000009.log"
        for content in [[], [UInt8](repeating: 0, count: 7), [UInt8](repeating: 0, count: 16), [UInt8](repeating: 0, count: 4096), [0x53, 0x4F, 0x43]] {
            try Self.overwrite(path, with: content)
            let r = try Self.read(path, last: true)
            #expect(r.report == WALSegmentReport(validEnd: 0, tornTailBytes: UInt64(content.count), corruption: nil, records: 0, fileSize: UInt64(content.count)))
            try Self.expectCorruption(path, last: false, at: 0, before: [])
        }
    }

    @Test func tornTailInASegmentThatIsNotTheLastIsCorruption() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000003.log"
        let payloads = Self.randomPayloads(8, seed: 7, maxSize: 3000) + [[UInt8](repeating: 9, count: 500)]
        let offsets = try Self.writeSegment(path, payloads)
        let bytes = try Self.bytes(of: path)
        for cut in [Int(offsets.last!) + 3, Int(offsets.last!) + 200] {
            try Self.overwrite(path, with: Array(bytes[..<cut]))
            try Self.expectCorruption(path, last: false, at: offsets.last!, before: Array(payloads.dropLast()))
        }
        try Self.overwrite(path, with: bytes + [UInt8](repeating: 0, count: 100))
        try Self.expectCorruption(path, last: false, at: UInt64(bytes.count), before: payloads)
    }

    // MARK: damage

    @Test func bitFlipInAMiddleRecordIsCorruption() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000004.log"
        let payloads = Self.randomPayloads(12, seed: 8, maxSize: 600).map { $0 + [1, 2, 3] }
        let offsets = try Self.writeSegment(path, payloads)
        let clean = try Self.bytes(of: path)
        let victim = 6
        let start = Int(offsets[victim]), end = Int(offsets[victim + 1])
        var rng = SplitMix64(seed: 80)
        let positions = Array(start..<(start + 12)) + (0..<24).map { _ in start + 12 + Int(rng.next() % UInt64(end - start - 12)) }
        for position in positions {
            var damaged = clean
            damaged[position] ^= UInt8(1) << (rng.next() % 8)
            try Self.overwrite(path, with: damaged)
            for last in [true, false] {
                try Self.expectCorruption(path, last: last, at: offsets[victim], before: Array(payloads[..<victim]))
            }
        }
    }

    @Test func bitFlipInTheSegmentHeaderIsCorruption() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000005.log"
        try Self.writeSegment(path, Self.randomPayloads(5, seed: 9, maxSize: 300))
        let clean = try Self.bytes(of: path)
        for position in 0..<WALFormat.segmentHeaderSize {
            for bit in [0, 5] {
                var damaged = clean
                damaged[position] ^= UInt8(1) << bit
                try Self.overwrite(path, with: damaged)
                try Self.expectCorruption(path, last: true, at: 0, before: [])
            }
        }
    }

    /// Damage to the very last record cannot be told from a torn write.
    @Test func bitFlipInTheLastRecordIsATornTail() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000006.log"
        let payloads = Self.randomPayloads(6, seed: 10, maxSize: 300) + [[UInt8](repeating: 5, count: 64)]
        let offsets = try Self.writeSegment(path, payloads)
        let clean = try Self.bytes(of: path)
        for position in [Int(offsets.last!), Int(offsets.last!) + 5, Int(offsets.last!) + 11, clean.count - 1] {
            var damaged = clean
            damaged[position] ^= 0x10
            try Self.overwrite(path, with: damaged)
            let r = try Self.read(path)
            #expect(r.payloads == Array(payloads.dropLast()) && r.report.validEnd == offsets.last!)
            #expect(r.report.tornTailBytes == UInt64(clean.count) - offsets.last!)
        }
    }

    @Test func newerFormatVersionIsRefusedInBothModes() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000007.log"
        var header = WALFormat.magic
        header.appendFixed32(2)
        header.appendFixed32(Checksum.crc32c(header))
        try Self.overwrite(path, with: header)
        for mode in WALRecovery.allCases {
            #expect(throws: StorageError.self) { try Self.read(path, mode: mode) }
            do { _ = try Self.read(path, mode: mode) } catch let e as StorageError {
                guard case .corruption(let p, _) = e else { Issue.record("got \(e)"); continue }
                #expect(p == path)
            }
        }
    }

    /// A length field with a valid header CRC is bounded by the file: past
    /// the end it is a torn tail, and nothing is allocated for it.
    @Test func hostileLengthIsBoundedByTheFile() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let path = dir + "/000008.log"
        let payloads = Self.randomPayloads(4, seed: 11, maxSize: 200)
        try Self.writeSegment(path, payloads)
        let clean = try Self.bytes(of: path)
        for length: UInt32 in [0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF] {
            var header = [UInt8](repeating: 0, count: 12)
            header.withUnsafeMutableBytes { WALFormat.encodeRecordHeader(length: length, payloadCRC: 1, into: $0.baseAddress!) }
            try Self.overwrite(path, with: clean + header + [1, 2, 3])
            let counters = EngineCounters()
            let r = try Self.read(path, counters: counters)
            #expect(r.payloads == payloads && r.report.validEnd == UInt64(clean.count) && r.report.corruption == nil)
            #expect(counters.bytesRead.value == UInt64(clean.count + 15))
        }
        // An over-limit length with a valid CRC followed by intact records is damage.
        var header = [UInt8](repeating: 0, count: 12)
        header.withUnsafeMutableBytes { WALFormat.encodeRecordHeader(length: 0xFFFF_FFFF, payloadCRC: 1, into: $0.baseAddress!) }
        let middle = Array(clean[..<Int(16)]) + header + Array(clean[16...])
        try Self.overwrite(path, with: middle)
        try Self.expectCorruption(path, at: 16, before: [])
    }

    // MARK: writer failures and power loss

    @Test func writerFailureIsStickyAndLeavesARecoverableLog() throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let fault = FaultInjectingFileSystem()
        let path = dir + "/000001.log"
        let counters = EngineCounters()
        let writer = try WALWriter(fileSystem: fault, path: path, counters: counters)
        let payloads = Self.randomPayloads(5, seed: 12, maxSize: 500)
        for p in payloads { try writer.append(p) }
        try writer.sync()
        fault.failWrite(after: 1)
        #expect(throws: StorageError.self) { try writer.append([1, 2, 3]) }
        #expect(throws: StorageError.self) { try writer.append([4, 5, 6]) }   // sticky, though the fault was one-shot
        #expect(throws: StorageError.self) { try writer.sync() }
        try writer.close()
        #expect(counters.walSyncs.value == 1)
        let r = try Self.read(path)
        #expect(r.payloads == payloads && r.report.corruption == nil)
    }

    /// Power loss with a torn last page: every record up to the last sync is
    /// recovered in strict mode, and what is recovered is a prefix of what
    /// was appended (no garbage record).
    @Test(arguments: 0..<24)
    func powerLossRecoversEverySyncedRecord(seed: UInt64) throws {
        let dir = Self.makeTemporaryDirectory()
        defer { Self.removeDirectory(dir) }
        let fault = FaultInjectingFileSystem()
        let counters = EngineCounters()
        var rng = SplitMix64(seed: seed &* 7919)
        let appended = Self.randomPayloads(40 + Int(rng.next() % 40), seed: seed, maxSize: 700)
        let roll = Int(rng.next() % 30)   // records before the first segment is rolled
        var segments = [dir + "/000001.log"]
        var writer = try WALWriter(fileSystem: fault, path: segments[0], counters: counters)
        try fault.syncDirectory(dir)
        var synced = 0
        for (i, p) in appended.enumerated() {
            if i == roll {
                try writer.sync(); try writer.close()
                segments.append(dir + "/000002.log")
                writer = try WALWriter(fileSystem: fault, path: segments[1], counters: counters)
                try fault.syncDirectory(dir)
                synced = i
            }
            try writer.append(p)
            try writer.flush()   // reaches the OS, not the disk
            if rng.next() % 6 == 0 { try writer.sync(); synced = i + 1 }
        }
        fault.halt()
        try? writer.close()
        try fault.simulatePowerLoss(tear: .lastPage(seed: seed))

        var recovered: [[UInt8]] = []
        for (i, path) in segments.enumerated() {
            let r = try Self.read(path, last: i == segments.count - 1, mode: .strict, fileSystem: fault)
            #expect(r.report.corruption == nil)
            recovered += r.payloads
        }
        #expect(recovered.count >= synced, "seed \(seed): \(recovered.count) recovered, \(synced) synced")
        #expect(recovered == Array(appended.prefix(recovered.count)), "seed \(seed)")
    }
}
