import Foundation
import Testing
@testable import SochDB

/// The metadata filter language: parsing, each operator's semantics, the
/// typed builder, and algebraic laws over random documents.
struct MetadataFilterTests {
    let docs: [Metadata] = [
        ["lang": "en", "year": 2021, "tag": ["a", "x"], "draft": false, "author": ["name": "Ann"]],
        ["lang": "en", "year": 2019.5, "tag": "b", "draft": true],
        ["lang": "fr", "year": 2024, "draft": false],
        ["lang": "en", "year": "2022", "tag": ["c"]],
        [:],
    ]

    func matching(_ json: String) throws -> [Int] {
        let f = try MetadataFilter.parse(json: json)
        return docs.indices.filter { f.matches(docs[$0]) }
    }

    @Test func theIssuesExample() throws {
        let json = #"{"lang": "en", "year": {"$gte": 2020}, "$or": [{"tag": {"$in": ["a", "b"]}}, {"draft": false}]}"#
        #expect(try matching(json) == [0])
        let typed: MetadataFilter = .and([
            MetadataFilter.field("lang") == "en",
            MetadataFilter.field("year") >= 2020,
            MetadataFilter.field("tag").isIn(["a", "b"]) || MetadataFilter.field("draft") == false,
        ])
        #expect(docs.indices.filter { typed.matches(docs[$0]) } == [0])
    }

    @Test func eachOperator() throws {
        #expect(try matching(#"{"lang": "en"}"#) == [0, 1, 3])
        #expect(try matching(#"{"lang": {"$eq": "fr"}}"#) == [2])
        #expect(try matching(#"{"lang": {"$ne": "en"}}"#) == [2, 4])                   // missing field matches $ne
        #expect(try matching(#"{"year": {"$gt": 2021}}"#) == [2])                      // "2022" is a string: not comparable
        #expect(try matching(#"{"year": {"$gte": 2021, "$lt": 2024}}"#) == [0])
        #expect(try matching(#"{"year": {"$lte": 2019.5}}"#) == [1])
        #expect(try matching(#"{"year": {"$lt": 2020.0}}"#) == [1])                    // int/float compare numerically
        #expect(try matching(#"{"year": 2021.0}"#) == [0])
        #expect(try matching(#"{"tag": "a"}"#) == [0])                                  // list field: any element
        #expect(try matching(#"{"tag": ["c"]}"#) == [3])                                // or the whole list
        #expect(try matching(#"{"tag": {"$in": ["b", "c"]}}"#) == [1, 3])
        #expect(try matching(#"{"tag": {"$nin": ["a", "b"]}}"#) == [2, 3, 4])
        #expect(try matching(#"{"year": {"$not": {"$gte": 2020}}}"#) == [1, 3, 4])
        #expect(try matching(#"{"$not": {"lang": "en"}}"#) == [2, 4])
        #expect(try matching(#"{"$and": [{"lang": "en"}, {"draft": true}]}"#) == [1])
        #expect(try matching(#"{"author.name": "Ann"}"#) == [0])
        #expect(try matching(#"{}"#) == [0, 1, 2, 3, 4])
    }

    @Test func malformedFiltersAreTypedErrorsWithAPath() {
        for (json, path) in [(#"{"year": {"$gte": [1]}}"#, "$.year.$gte"), (#"{"$or": []}"#, "$.$or"),
                             (#"{"$xor": []}"#, "$.$xor"), (#"{"a": {"$foo": 1}}"#, "$.a.$foo"),
                             (#"{"$and": [1]}"#, "$.$and[0]"), ("[1]", "$"), ("{", ""),
                             // Found by the filter fuzz target: which of the two keys a dictionary
                             // listed first decided between equality and an unknown-operator error.
                             (##"{"a": {"$.p": 0, "#$lt": 5}}"##, "$.a.#$lt"), (#"{"a": {"$gt": 1, "b": 2}}"#, "$.a.b")] {
            #expect(throws: MetadataFilter.ParseError.self) { try MetadataFilter.parse(json: json) }
            do { _ = try MetadataFilter.parse(json: json) } catch { #expect(error.path == path, "\(json)") }
        }
    }

    @Test func notAndDeMorganHoldOnRandomDocuments() {
        var rng = SplitMix64(seed: 5)
        func value() -> MetadataValue {
            switch rng.next() % 5 {
            case 0: return .int(Int64(rng.next() % 5))
            case 1: return .double(Double(rng.next() % 10) / 2)
            case 2: return .string(["a", "b", "c"][Int(rng.next() % 3)])
            case 3: return .bool(rng.next() % 2 == 0)
            default: return .list([.int(Int64(rng.next() % 5)), .string("a")])
            }
        }
        func filter(_ depth: Int) -> MetadataFilter {
            let field = ["f", "g"][Int(rng.next() % 2)]
            switch depth == 0 ? rng.next() % 4 : rng.next() % 7 {
            case 0: return .field(field, .eq(value()))
            case 1: return .field(field, .gte(.int(Int64(rng.next() % 5))))
            case 2: return .field(field, .in([value(), value()]))
            case 3: return .field(field, .ne(value()))
            case 4: return .and([filter(depth - 1), filter(depth - 1)])
            case 5: return .or([filter(depth - 1), filter(depth - 1)])
            default: return .not(filter(depth - 1))
            }
        }
        for _ in 0..<2_000 {
            var doc: Metadata = [:]
            if rng.next() % 3 != 0 { doc["f"] = value() }
            if rng.next() % 3 != 0 { doc["g"] = value() }
            let a = filter(2), b = filter(2)
            #expect(MetadataFilter.not(a).matches(doc) == !a.matches(doc))
            #expect(MetadataFilter.not(.and([a, b])).matches(doc) == MetadataFilter.or([.not(a), .not(b)]).matches(doc))
            #expect(MetadataFilter.and([a, b]).matches(doc) == (a.matches(doc) && b.matches(doc)))
        }
    }

    @Test func anObjectWithoutOperatorsIsAValueToCompareWith() throws {
        let filter = try MetadataFilter.parse(json: #"{"author": {"name": "Ann"}}"#)
        #expect(filter == .field("author", .eq(["name": "Ann"])))
        #expect(docs.filter(filter.matches).count == 1)
    }

    @Test func metadataRoundTripsThroughJSON() throws {
        let doc: Metadata = ["s": "x", "i": 3, "d": 2.5, "b": true, "n": nil, "l": [1, "a"], "o": ["k": false]]
        let back = try JSONDecoder().decode(Metadata.self, from: try JSONEncoder().encode(doc))
        #expect(back == doc)
    }
}
