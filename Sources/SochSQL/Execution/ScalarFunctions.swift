/// The built-in scalar functions (SQLite's semantics for each).
enum ScalarFunctions {
    static func call(_ f: ScalarFunction, _ args: [SQLValue]) throws(SQLError) -> SQLValue {
        switch f {
        case .coalesce: return args.first { !$0.isNull } ?? .null
        case .ifnull: return args[0].isNull ? args[1] : args[0]
        case .nullif: return !args[0].isNull && !args[1].isNull && SQLValue.compare(args[0], args[1]) == 0 ? .null : args[0]
        case .typeof: return .text(args[0].typeName)
        case .min, .max:
            if args.contains(where: \.isNull) { return .null }
            let sign = f == .min ? -1 : 1
            return args.dropFirst().reduce(args[0]) { best, v in SQLValue.compare(v, best) * sign > 0 ? v : best }
        default:
            if args[0].isNull { return .null }
            return try unary(f, args)
        }
    }

    private static func unary(_ f: ScalarFunction, _ args: [SQLValue]) throws(SQLError) -> SQLValue {
        let v = args[0]
        switch f {
        case .abs:
            switch v {
            case .integer(let i):
                guard i != .min else { throw SQLError.operandType("integer overflow in abs()") }
                return .integer(Swift.abs(i))
            case .real(let d): return .real(Swift.abs(d))
            case .boolean(let b): return .integer(b ? 1 : 0)
            default: throw SQLError.operandType("abs() needs a number, got \(v.typeName)")
            }
        case .length:
            if case .blob(let b) = v { return .integer(Int64(b.count)) }
            return .integer(Int64(Conversions.text(v).unicodeScalars.count))
        case .lower, .upper:
            let scalars = Conversions.text(v).unicodeScalars.map { c -> Unicode.Scalar in
                let x = c.value
                if f == .lower, x >= 0x41 && x <= 0x5A { return Unicode.Scalar(x + 0x20)! }
                if f == .upper, x >= 0x61 && x <= 0x7A { return Unicode.Scalar(x - 0x20)! }
                return c
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars)
            return .text(String(s))
        case .trim:
            let scalars = Array(Conversions.text(v).unicodeScalars)
            guard let first = scalars.firstIndex(where: { $0 != " " }),
                  let last = scalars.lastIndex(where: { $0 != " " }) else { return .text("") }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[first...last])
            return .text(String(s))
        case .round: return try round(v, args.count > 1 ? args[1] : .integer(0))
        case .substr: return try substr(v, Array(args.dropFirst()))
        default: preconditionFailure("handled by call(_:_:)")
        }
    }

    private static func round(_ v: SQLValue, _ digitsValue: SQLValue) throws(SQLError) -> SQLValue {
        if digitsValue.isNull { return .null }
        guard v.isNumeric, digitsValue.isNumeric else { throw SQLError.operandType("round() needs numbers") }
        let x: Double
        switch v.numeric { case .int(let i): x = Double(i); case .real(let d): x = d }
        var digits: Int64
        switch digitsValue.numeric { case .int(let i): digits = i; case .real(let d): digits = Int64(d) }
        digits = Swift.max(0, Swift.min(digits, 30))
        let scale = pow10(Int(digits))
        let r = (x * scale).rounded(.toNearestOrAwayFromZero) / scale
        return .real(r.isFinite ? r : x)
    }

    private static func pow10(_ n: Int) -> Double {
        var p = 1.0
        for _ in 0..<n { p *= 10 }
        return p
    }

    /// SUBSTR(x, start[, length]) with 1-based `start`, SQLite's rules for
    /// zero and negative starts and lengths, over characters (bytes for blobs).
    private static func substr(_ v: SQLValue, _ args: [SQLValue]) throws(SQLError) -> SQLValue {
        if args.contains(where: \.isNull) { return .null }
        guard args.allSatisfy({ if case .integer = $0 { return true } else { return false } }) else {
            throw SQLError.operandType("substr() positions must be integers")
        }
        // Clamped far beyond any string length, so the arithmetic below cannot overflow.
        let ints = args.map { v -> Int64 in if case .integer(let i) = v { return Swift.max(-(1 << 40), Swift.min(i, 1 << 40)) } else { return 0 } }
        let units: [UInt32]
        let isBlob: Bool
        if case .blob(let b) = v { units = b.map { UInt32($0) }; isBlob = true } else {
            units = Conversions.text(v).unicodeScalars.map(\.value); isBlob = false
        }
        let n = Int64(units.count)
        let hasLength = ints.count > 1
        var p1 = ints[0], p2 = hasLength ? ints[1] : n
        if p1 < 0 {
            p1 += n
            if p1 < 0 { if hasLength { p2 += p1 }; p1 = 0 }
        } else if p1 > 0 {
            p1 -= 1
        } else if hasLength && p2 > 0 {
            p2 -= 1
        }
        if p2 < 0 {
            p1 += p2
            p2 = -p2
            if p1 < 0 { p2 += p1; p1 = 0 }
        }
        let lower = Swift.min(Swift.max(p1, 0), n)
        let upper = Swift.min(Swift.max(lower, lower + Swift.max(p2, 0)), n)
        let slice = units[Int(lower)..<Int(upper)]
        if isBlob { return .blob(slice.map { UInt8($0) }) }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: slice.compactMap { Unicode.Scalar($0) })
        return .text(String(s))
    }
}
