// Fuzz target: a collection record's stored value (label + metadata JSON,
// SochDB's CollectionRecordValue), as read back from disk by every
// collection get and filtered search. Checks beyond "no crash": a value
// that decodes re-encodes, and the re-encoding decodes to the same label
// and metadata; decoded metadata can be filtered.
import FuzzSupport
@testable import SochDB

private let filters: [MetadataFilter] = [
    "{\"a\": 1}", "{\"a\": {\"$gt\": 0}}", "{\"$or\": [{\"b\": \"x\"}, {\"tags\": {\"$in\": [\"x\"]}}]}",
    "{\"$not\": {\"n.k\": {\"$lte\": -3}}}",
].map { try! MetadataFilter.parse(json: $0) }

@_cdecl("fuzz_metadata_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzMetadata(inputBytes(data), size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetadata(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? CollectionRecordValue(decoding: bytes, key: "fuzz") else { return 0 }
    for filter in filters { _ = filter.matches(value.metadata) }
    let encoded: [UInt8]
    do { encoded = try value.encoded() } catch {
        // Metadata holding a non-finite double (e.g. 1e999 decodes to
        // infinity) is refused on encode: that is a typed error, not a bug.
        return 0
    }
    guard let again = try? CollectionRecordValue(decoding: encoded, key: "fuzz") else {
        fatalError("re-encoded record does not decode: \(encoded)")
    }
    // Numbers compare by value: JSON cannot tell 5.0 from 5, so a double
    // with an integral value reads back as an int (docs/fuzzing.md).
    require(again.label == value.label && sameValue(.object(again.metadata), .object(value.metadata)),
                 "round trip changed the record: \(value.label) \(value.metadata) -> \(again.label) \(again.metadata)")
    return 0
}

/// Equal, except that numbers compare by value (int 5 == double 5.0, 0 == -0.0).
func sameValue(_ a: MetadataValue, _ b: MetadataValue) -> Bool { a.sameValue(as: b) }
