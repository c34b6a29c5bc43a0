// Fuzz target: metadata-filter JSON (SochDB.MetadataFilter.parse(json:)),
// the text a client sends with a collection search. Checks beyond "no
// crash": a parsed filter evaluates against a set of documents, and the
// filter is a pure function of its text (parsing twice gives equal filters
// that match the same documents).
import FuzzSupport
import SochDB

private let documents: [Metadata] = [
    [:],
    ["a": 1, "b": "x", "c": true, "d": nil],
    ["a": 2.5, "tags": ["x", "y"], "n": ["k": -3]],
    ["a": "1", "b": ["x": ["y": 1]], "c": false],
    ["": 0, "$a": "z", "a.b": 7, "list": [1, 2, 3, [4]]],
]

@_cdecl("fuzz_filter_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzFilter(inputBytes(data), size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFilter(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let filter = try? MetadataFilter.parse(json: text) else { return 0 }
    let again = try? MetadataFilter.parse(json: text)
    require(again == filter, "parsing is not deterministic: \(text.debugDescription)")
    for document in documents {
        require(filter.matches(document) == again!.matches(document))
    }
    return 0
}
