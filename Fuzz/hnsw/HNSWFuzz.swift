// Fuzz target `hnsw`: the .hnsw index file (docs/formats/hnsw.md).
//
// Feeds: the input, written to one file in a per-process temp directory
// (rewritten for every input), to HNSWIndex.open with `.header`
// verification (read into owned memory, so ASan sees any overread) and with
// `.full` verification (mapped). Each input is opened as given and with its
// checksums repaired (every section CRC in the table, then the header CRC),
// so mutations of the header fields and sections get past the CRCs.
//
// Checks, beyond "no trap / no out-of-bounds read": errors are
// SochVectorError; an index that opens answers a search with a query of its
// dimension with at most k results, nearest first, whose ids are ids of
// entries of the file (of live, not deleted, entries when fully verified);
// a query of another dimension is refused.
// A fully verified index also takes a delete (which copies the mapped
// sections into memory) and then no longer returns the deleted id.
import FuzzSupport
import Foundation
@testable import SochVector

@_cdecl("fuzz_hnsw_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(inputBytes(data), size) }
}

/// The scratch file every input is written to (created once per process).
let path = scratchDirectory("hnsw") + "/input.hnsw"

/// The input with each in-bounds section CRC, then the header CRC, recomputed.
func repaired(_ input: [UInt8]) -> [UInt8] {
    typealias F = HNSWFileFormat.Field
    var b = input
    guard b.count >= HNSWFileFormat.headerSize else { return b }
    func le<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T { b.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!).le(T.self, at: at) } }
    let sections = Int(le(UInt32.self, F.sectionCount))
    guard sections <= HNSWFileFormat.maxSections else { return b }
    let tableEnd = HNSWFileFormat.headerSize + sections * HNSWFileFormat.sectionEntrySize
    guard tableEnd <= b.count else { return b }
    for i in 0..<sections {
        let e = HNSWFileFormat.headerSize + i * HNSWFileFormat.sectionEntrySize
        let offset = le(UInt64.self, e + 8), length = le(UInt64.self, e + 16)
        guard length <= UInt64(b.count), offset <= UInt64(b.count) - length else { continue }
        b.put(CRC32C.checksum(Array(b[Int(offset)..<Int(offset + length)])), at: e + 24)
    }
    b.put(CRC32C.checksum(Array(b[0..<F.headerCRC] + b[HNSWFileFormat.headerSize..<tableEnd])), at: F.headerCRC)
    return b
}

/// Runs `body`; a SochVectorError is an answer, anything else is a bug.
func attempt<R>(_ body: () throws -> R) -> R? {
    do { return try body() } catch is SochVectorError { return nil } catch {
        fatalError("non-SochVectorError \(error)")
    }
}

/// Searches `index` and checks the answer against its entries: ids of live
/// entries if the file passed `.full` verification; of any entry otherwise
/// (with `.header` only, tombstones may disagree with the header's deleted
/// count, and the search skips tombstones only when that count is > 0).
func checkSearch(_ index: HNSWIndex, verified: Bool, excluding gone: Int64? = nil) {
    let d = index.dimension
    let query = (0..<d).map { Float($0 % 7) - 2.5 }
    let live = Set(index.entries().filter { !$0.deleted || !verified }.map(\.id))
    for k in [1, 10] {
        guard let results = attempt({ try index.search(query, k: k) }) else { continue }
        require(results.count <= min(k, index.count), "\(results.count) results for k=\(k), \(index.count) vectors")
        for r in results {
            require(live.contains(r.id), "result id \(r.id) is not \(verified ? "a live" : "an") entry of the file")
            require(r.id != gone, "deleted id \(r.id) returned")
        }
        if results.allSatisfy({ !$0.distance.isNaN }) {
            require(zip(results, results.dropFirst()).allSatisfy { $0.distance <= $1.distance }, "results not nearest first")
        }
    }
    do {
        _ = try index.search([Float](repeating: 1, count: d + 1), k: 1)
        fatalError("a query of dimension \(d + 1) was accepted by a \(d)-dimensional index")
    } catch SochVectorError.dimensionMismatch {} catch { fatalError("wrong error \(error)") }
}

func check(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { writeFile(path, $0) }
    if let index = attempt({ try HNSWIndex.open(path, verification: .header, options: .init(directRead: true)) }) {
        checkSearch(index, verified: false)
    }
    if let index = attempt({ try HNSWIndex.open(path, verification: .full) }) {
        checkSearch(index, verified: true)
        if let victim = index.entries().first(where: { !$0.deleted })?.id {
            require(attempt({ try index.markDeleted(id: victim) }) == true, "delete of a live id failed")
            checkSearch(index, verified: true, excluding: victim)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    checkAsGivenAndRepaired(data, size, repair: repaired, check: check)
    return 0
}

