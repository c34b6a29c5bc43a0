import Foundation
import Testing
@testable import SochTOON

/// The golden fixtures (GoldenFixtures.swift), which Benchmarks/toon_tokens.py
/// checks its Python encoder against too: the Swift encoder must write each
/// case's exact `toon`, and decoding it must give the table back.
@Suite struct GoldenTests {
    struct Case: Decodable {
        var name: String
        var table: String
        var fields: [String]?
        var toon: String
        var records: [[String: Tagged]]
    }

    /// A JSON-tagged TOONValue (see GoldenFixtures.swift).
    struct Tagged: Decodable {
        var value: TOONValue

        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { value = .null; return }
            if let b = try? single.decode(Bool.self) { value = .bool(b); return }
            if let s = try? single.decode(String.self) { value = .string(s); return }
            if let items = try? single.decode([Tagged].self) { value = .list(items.map(\.value)); return }
            let tags = try decoder.container(keyedBy: Tag.self)
            if let i = try tags.decodeIfPresent(String.self, forKey: .int) {
                value = .int(Int64(i)!)
            } else if let d = try tags.decodeIfPresent(String.self, forKey: .double) {
                value = .double(Double(d)!)
            } else {
                var pairs = try tags.nestedUnkeyedContainer(forKey: .object)
                var object: [(String, TOONValue)] = []
                while !pairs.isAtEnd {
                    var pair = try pairs.nestedUnkeyedContainer()
                    object.append((try pair.decode(String.self), try pair.decode(Tagged.self).value))
                }
                value = .object(object)
            }
        }

        enum Tag: String, CodingKey { case int, double, object }
    }

    static let cases: [Case] = {
        struct File: Decodable { var cases: [Case] }
        return try! JSONDecoder().decode(File.self, from: Data(goldenFixturesJSON.utf8)).cases
    }()

    @Test func fixturesLoad() {
        #expect(Self.cases.count >= 14)
    }

    @Test(arguments: cases.map(\.name))
    func encodesExactly(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let records = c.records.map { $0.mapValues(\.value) }
        #expect(try TOON.encode(table: c.table, records: records, fields: c.fields) == c.toon)
    }

    @Test(arguments: cases.map(\.name))
    func decodesBack(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let records = c.records.map { $0.mapValues(\.value) }
        let fields = c.fields ?? Array(Set(records.flatMap(\.keys))).sorted()
        let expected = TOONTable(name: c.table, fields: fields, records: records.map { record in
            Dictionary(uniqueKeysWithValues: fields.map { ($0, record[$0] ?? .null) })
        })
        #expect(try TOON.decode(c.toon) == expected)
    }
}
