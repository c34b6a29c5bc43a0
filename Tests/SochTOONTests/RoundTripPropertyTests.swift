import PropertyBased
import Testing
@testable import SochTOON

/// decode(encode(t)) == t over random tables (TOONGen), with equality that
/// compares doubles bit for bit and objects in order; plus the properties
/// that make the text usable as one line of context.
@Suite struct RoundTripPropertyTests {
    @Test func decodeInvertsEncode() async {
        await propertyCheck(count: 400, input: TOONGen.tables) { table in
            let text = try TOON.encode(table)
            #expect(try TOON.decode(text) == table, "\(text)")
        }
    }

    @Test func encodeIsStableThroughDecode() async {
        await propertyCheck(count: 200, input: TOONGen.tables) { table in
            let text = try TOON.encode(table)
            #expect(try TOON.encode(TOON.decode(text)) == text)
        }
    }

    @Test func textIsOneLineWithoutRawControls() async {
        await propertyCheck(count: 200, input: TOONGen.tables) { table in
            let text = try TOON.encode(table)
            #expect(!text.unicodeScalars.contains(where: TOONSyntax.isControl), "\(text.debugDescription)")
        }
    }

    @Test func rowsFormMatchesRecordsForm() async {
        await propertyCheck(count: 200, input: TOONGen.tables) { table in
            let byRows = try TOON.encode(table: table.name, columns: table.fields, rows: table.rows)
            #expect(byRows == (try TOON.encode(table)))
        }
    }

    @Test func everyStringRoundTripsAtTopLevelAndNested() async {
        await propertyCheck(count: 1000, input: TOONGen.strings) { s in
            let value: TOONValue = .string(s)
            let nested: TOONValue = .object([(s, .list([value]))])
            let text = try TOON.encode(table: "t", columns: ["a", "b"], rows: [[value, nested]])
            #expect(try TOON.decode(text).rows == [[value, nested]], "\(text.debugDescription)")
        }
    }

    @Test func everyFiniteDoubleRoundTripsBitExactly() async {
        await propertyCheck(count: 1000, input: Gen.uint64()) { bits in
            let d = Double(bitPattern: bits)
            guard d.isFinite else { return }
            let text = try TOON.encode(table: "t", columns: ["d"], rows: [[.double(d)]])
            #expect(try TOON.decode(text).rows == [[.double(d)]], "\(text)")
        }
    }

    @Test func everyIntRoundTrips() async {
        await propertyCheck(count: 500, input: Gen.int64()) { i in
            let text = try TOON.encode(table: "t", columns: ["i"], rows: [[.int(i)]])
            #expect(text == "t[1]{i}:\(i)")
            #expect(try TOON.decode(text).rows == [[.int(i)]])
        }
    }
}
