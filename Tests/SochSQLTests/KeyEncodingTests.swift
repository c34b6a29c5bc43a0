import Testing
import SochStorage
@testable import SochSQL

/// The order-preserving key encoding: for random values, bytewise order of
/// encodings equals SQL order within each type, NULL sorts first, and
/// decoding returns the value.
struct KeyEncodingTests {
    static func randomValue(_ rng: inout SeededGenerator, kind: Int) -> SQLValue {
        switch kind {
        case 0: return .null
        case 1: return .boolean(Bool.random(using: &rng))
        case 2:
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return .integer([Int64.min, Int64.max, 0, -1, 1].randomElement(using: &rng)!)
            case 1: return .integer(Int64.random(in: -1000...1000, using: &rng))
            default: return .integer(Int64.random(in: .min ... .max, using: &rng))
            }
        case 3:
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return .real([0.0, -0.0, 1.5, -1.5, .infinity, -.infinity, .leastNonzeroMagnitude, -Double.greatestFiniteMagnitude].randomElement(using: &rng)!)
            case 1: return .real(Double(Int.random(in: -100...100, using: &rng)) / 4)
            default: return .real(Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng)).isNaN ? 1 : Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng)))
            }
        case 4:
            let alphabet: [UInt8] = [0, 0, 1, 0xFF, 0x61, 0x62, 0x7A, 0xC3, 0xA9]
            let bytes = (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            return .blob(bytes)
        default:
            let alphabet = ["", "a", "b", "\u{0}", "é", "z", "ab", "A", "\u{1}"]
            return .text((0..<Int.random(in: 0...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined())
        }
    }

    @Test func byteOrderIsValueOrderWithinEachType() throws {
        var rng = SeededGenerator(seed: 7)
        for kind in 0...5 {
            let values = (0..<400).map { _ in Self.randomValue(&rng, kind: kind) }.filter {
                if case .real(let d) = $0 { return !d.isNaN } else { return true }
            }
            for _ in 0..<4000 {
                let a = values.randomElement(using: &rng)!, b = values.randomElement(using: &rng)!
                let byteOrder = BufferedWrites.compare(OrderedKeyEncoding.encode([a]), OrderedKeyEncoding.encode([b]))
                #expect(byteOrder.signum() == SQLValue.compare(a, b).signum(), "\(a.sqlLiteral) vs \(b.sqlLiteral)")
            }
        }
    }

    @Test func nullSortsFirstAndTupleOrderIsLexicographic() throws {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<3000 {
            let kind = Int.random(in: 1...5, using: &rng)
            let a = [Self.randomValue(&rng, kind: Int.random(in: 0...1, using: &rng) == 0 ? 0 : kind), Self.randomValue(&rng, kind: 5)]
            let b = [Self.randomValue(&rng, kind: Int.random(in: 0...1, using: &rng) == 0 ? 0 : kind), Self.randomValue(&rng, kind: 5)]
            var expected = SQLValue.compare(a[0], b[0])
            if expected == 0 { expected = SQLValue.compare(a[1], b[1]) }
            let actual = BufferedWrites.compare(OrderedKeyEncoding.encode(a), OrderedKeyEncoding.encode(b))
            #expect(actual.signum() == expected.signum(), "\(a) vs \(b)")
        }
    }

    @Test func decodeInvertsEncode() throws {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<2000 {
            let values = (0..<3).map { _ in Self.randomValue(&rng, kind: Int.random(in: 0...5, using: &rng)) }
            let bytes = OrderedKeyEncoding.encode(values)
            var offset = 0
            var decoded: [SQLValue] = []
            for _ in values { decoded.append(try OrderedKeyEncoding.decode(bytes, at: &offset)) }
            #expect(offset == bytes.count)
            for (x, y) in zip(values, decoded) {
                if case .real(let d) = x, d == 0 { #expect(y == .real(0)); continue }   // -0.0 is stored as 0.0
                #expect(x == y)
            }
        }
    }

    @Test func rowCodecRoundTrips() throws {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<1000 {
            let row = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Self.randomValue(&rng, kind: Int.random(in: 0...5, using: &rng)) }
            let decoded = try RowCodec.decode(RowCodec.encode(row), width: row.count + 2)
            #expect(Array(decoded.prefix(row.count)).map(\.sqlLiteral) == row.map(\.sqlLiteral))
            #expect(decoded.suffix(2).allSatisfy { $0.isNull })
        }
        #expect(throws: SQLError.self) { try RowCodec.decode([9, 1], width: 3) }
    }
}
