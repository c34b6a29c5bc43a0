import Testing
@testable import SochTOON

/// What the encoder refuses, and where it says the fault is.
@Suite struct EncodeErrorTests {
    func error(_ body: () throws(TOONError) -> String) -> TOONError? {
        do { _ = try body(); return nil } catch { return error }
    }

    @Test func invalidTableNames() {
        for name in ["", "1users", "my table", "a,b", "ta[b]", "naïve", "-x", ".x"] {
            let e = error { () throws(TOONError) in try TOON.encode(table: name, records: []) }
            #expect(e?.kind == .invalidName, "\(name.debugDescription)")
            #expect(e?.position == -1)
        }
        for name in ["users", "_t", "a.b-c_9", "T"] {
            #expect(error { () throws(TOONError) in try TOON.encode(table: name, records: []) } == nil)
        }
    }

    @Test func invalidFieldNames() {
        let e = error { () throws(TOONError) in try TOON.encode(table: "t", records: [], fields: ["ok", "not ok"]) }
        #expect(e?.kind == .invalidName)
        #expect(e?.position == 1)
        let keys = error { () throws(TOONError) in try TOON.encode(table: "t", records: [["bad key": 1]]) }
        #expect(keys?.kind == .invalidName)
        let empty = error { () throws(TOONError) in try TOON.encode(table: "t", columns: [""], rows: []) }
        #expect(empty?.kind == .invalidName)
    }

    @Test func duplicateFields() {
        let e = error { () throws(TOONError) in try TOON.encode(table: "t", records: [], fields: ["a", "b", "a"]) }
        #expect(e == TOONError(.duplicateField, at: 2, "field \"a\" is listed twice"))
        let c = error { () throws(TOONError) in try TOON.encode(table: "t", columns: ["x", "x"], rows: []) }
        #expect(c?.kind == .duplicateField)
    }

    @Test func nonFiniteDoubles() {
        for d in [Double.nan, .infinity, -.infinity, .signalingNaN] {
            let top = error { () throws(TOONError) in
                try TOON.encode(table: "t", records: [["a": 1], ["a": .double(d)]])
            }
            #expect(top?.kind == .nonFiniteNumber)
            #expect(top?.position == 1)
            let nested = error { () throws(TOONError) in
                try TOON.encode(table: "t", columns: ["a"], rows: [[["k": [.double(d)]]]])
            }
            #expect(nested?.kind == .nonFiniteNumber)
            #expect(nested?.position == 0)
        }
    }

    @Test func rowWidthMismatch() {
        let e = error { () throws(TOONError) in try TOON.encode(table: "t", columns: ["a", "b"], rows: [[1, 2], [3]]) }
        #expect(e?.kind == .rowWidthMismatch)
        #expect(e?.position == 1)
    }

    @Test func nestingTooDeep() {
        var value: TOONValue = .list([])
        for _ in 0..<TOONSyntax.maxNestingDepth { value = .object([("k", value)]) }
        let e = error { () throws(TOONError) in try TOON.encode(table: "t", columns: ["a"], rows: [[value]]) }
        #expect(e?.kind == .nestingTooDeep)
    }

    @Test func errorCodesAreStableAndDistinct() {
        let codes = TOONError.Kind.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { (130...149).contains($0) })
        #expect(TOONError.Kind.unexpectedCharacter.code == 130)
        #expect(TOONError.Kind.rowWidthMismatch.code == 143)
    }
}
