import Testing
@testable import SochTOON

/// Representational equality, hashing and the literal conveniences.
@Suite struct TOONValueTests {
    @Test func equalityIsRepresentational() {
        #expect(TOONValue.int(1) != .double(1))
        #expect(TOONValue.double(0) != .double(-0.0))
        #expect(TOONValue.double(0.1) == .double(0.1))
        #expect(TOONValue.double(.nan) == .double(.nan))
        #expect(TOONValue.string("") != .null)
        #expect(TOONValue.object([("a", 1), ("b", 2)]) != .object([("b", 2), ("a", 1)]))
        #expect(TOONValue.object([("a", 1), ("b", 2)]) == ["a": 1, "b": 2])
        #expect(TOONValue.object([("a", 1)]) != .object([("a", 1), ("a", 1)]))
        #expect(TOONValue.list([1, "x"]) == [1, "x"])
    }

    @Test func hashingAgreesWithEquality() {
        let values: [TOONValue] = [nil, true, false, 0, 1, 0.0, -0.0, 1.0, "", "a", [], [1], [:], ["a": 1], ["b": 1],
                                   .object([("a", 1), ("b", 2)]), .object([("b", 2), ("a", 1)])]
        #expect(Set(values).count == values.count)
        #expect(Set(values + values).count == values.count)
    }

    @Test func literals() {
        let v: TOONValue = ["id": 1, "score": 2.5, "ok": true, "tags": ["x"], "none": nil, "name": "Ada"]
        #expect(v == .object([("id", .int(1)), ("score", .double(2.5)), ("ok", .bool(true)),
                              ("tags", .list([.string("x")])), ("none", .null), ("name", .string("Ada"))]))
        let i = 7
        #expect(("Product \(i)" as TOONValue) == .string("Product 7"))
    }

    @Test func errorDescriptionNamesKindPositionAndMessage() {
        let e = TOONError(.invalidCount, at: 6, "expected the record count")
        #expect(e.description == "TOON invalidCount at 6: expected the record count")
        #expect(e.code == 134)
    }
}
