import PropertyBased
@testable import SochTOON

/// Random tables for the property tests: random names, random records of
/// every value kind including nested lists and objects, and strings built
/// from pieces rich in TOON's special characters, so that every quoting rule
/// and escape is hit often. Doubles are always finite (NaN cannot be encoded).
enum TOONGen {
    /// Pieces that strings are glued from: every character with a role in
    /// the grammar, white space and controls, words that read as typed values,
    /// and non-ASCII text (combining marks, emoji, flags).
    static let pieces: [String] = [
        ",", ";", "\"", "\\", "[", "]", "{", "}", ":", " ", "\n", "\r", "\t",
        "\u{0}", "\u{7}", "\u{1F}", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "\u{2028}", "\u{2029}", "\u{3000}",
        "a", "b", "Z", "x y", "0", "1", "9", "-", "+", ".", "e", "E",
        "null", "true", "false", "NaN", "inf", "Infinity", "1e5", "-0", "1.5", "007",
        "é", "e\u{301}", "日本", "😀", "🇫🇷", "ß", "\u{FEFF}",
    ]

    static let nameStart = Array("abcxyzABCXYZ_")
    static let nameRest = Array("abcxyzABCXYZ_0189.-")

    static func string(_ rng: inout any SeededRandomNumberGenerator) -> String {
        let count = Int.random(in: 0...6, using: &rng)
        return (0..<count).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    static func name(_ rng: inout any SeededRandomNumberGenerator) -> String {
        var name = String(nameStart.randomElement(using: &rng)!)
        for _ in 0..<Int.random(in: 0...6, using: &rng) { name.append(nameRest.randomElement(using: &rng)!) }
        return name
    }

    static let specialInts: [Int64] = [0, 1, -1, .max, .min, 42, -9_007_199_254_740_993]
    static let specialDoubles: [Double] = [
        0, -0.0, 1, -1, 0.1, 1e300, -1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .leastNormalMagnitude, 9_007_199_254_740_992, 9_007_199_254_740_994, 1e16, 1e-4, 1e-5, 123.456,
    ]

    static func double(_ rng: inout any SeededRandomNumberGenerator) -> Double {
        switch Int.random(in: 0...2, using: &rng) {
        case 0: return specialDoubles.randomElement(using: &rng)!
        case 1: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 100
        default:
            while true {
                let d = Double(bitPattern: UInt64.random(in: .min ... .max, using: &rng))
                if d.isFinite { return d }
            }
        }
    }

    static func int(_ rng: inout any SeededRandomNumberGenerator) -> Int64 {
        Bool.random(using: &rng)
            ? specialInts.randomElement(using: &rng)!
            : Int64.random(in: .min ... .max, using: &rng)
    }

    /// A value; lists and objects only while `depth` < 3.
    static func value(_ rng: inout any SeededRandomNumberGenerator, depth: Int = 0) -> TOONValue {
        let kinds = depth < 3 ? 8 : 6
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(int(&rng))
        case 3: return .double(double(&rng))
        case 4, 5: return .string(string(&rng))
        case 6:
            return .list((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            return .object((0..<Int.random(in: 0...4, using: &rng)).map { _ in
                (string(&rng), value(&rng, depth: depth + 1))
            })
        }
    }

    /// A table whose records hold exactly its fields (so it round-trips).
    static func table(_ rng: inout any SeededRandomNumberGenerator) -> TOONTable {
        var fields: [String] = []
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            let field = name(&rng)
            if !fields.contains(field) { fields.append(field) }
        }
        let records = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
            Dictionary(uniqueKeysWithValues: fields.map { ($0, value(&rng)) })
        }
        return TOONTable(name: name(&rng), fields: fields, records: records)
    }

    static let tables = Generator<TOONTable, Shrink.None<TOONTable>>(run: { table(&$0) })
    static let strings = Generator<String, Shrink.None<String>>(run: { string(&$0) })
    /// Tokens over the alphabet of numbers and keywords, for the classifier.
    static let tokens = Generator<String, Shrink.None<String>>(run: { rng in
        let alphabet = Array("0123456789-+.eEnultrfasiNI")
        return String((0..<Int.random(in: 0...7, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    })
}
