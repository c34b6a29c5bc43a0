/// SQLite's LIKE: `%` matches any run of characters, `_` exactly one; ASCII
/// letters match case-insensitively, other characters only themselves.
enum LikeMatcher {
    /// nil when the value or the pattern is NULL.
    static func like(_ value: SQLValue, _ pattern: SQLValue, escape: SQLValue?) throws(SQLError) -> Bool? {
        if value.isNull || pattern.isNull { return nil }
        var escapeScalar: Unicode.Scalar?
        if let escape {
            if escape.isNull { return nil }
            let scalars = Array(Conversions.text(escape).unicodeScalars)
            guard scalars.count == 1 else {
                throw SQLError.invalidStatement("ESCAPE expression must be a single character")
            }
            escapeScalar = scalars[0]
        }
        return matches(Array(Conversions.text(value).unicodeScalars), Array(Conversions.text(pattern).unicodeScalars),
                       escape: escapeScalar)
    }

    private static func fold(_ c: Unicode.Scalar) -> UInt32 {
        let v = c.value
        return v >= 0x41 && v <= 0x5A ? v + 0x20 : v
    }

    /// Iterative matching with backtracking to the last `%`: O(n·m) worst case.
    static func matches(_ s: [Unicode.Scalar], _ p: [Unicode.Scalar], escape: Unicode.Scalar?) -> Bool {
        var si = 0, pi = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count {
                let c = p[pi]
                if c == "%" && c != escape {
                    starP = pi; starS = si; pi += 1; continue
                }
                if c == "_" && c != escape {
                    si += 1; pi += 1; continue
                }
                var literal = c, width = 1
                if c == escape, pi + 1 < p.count { literal = p[pi + 1]; width = 2 }
                if fold(literal) == fold(s[si]) { si += 1; pi += width; continue }
            }
            guard starP >= 0 else { return false }
            starS += 1
            si = starS
            pi = starP + 1
        }
        while pi < p.count && p[pi] == "%" && p[pi] != escape { pi += 1 }
        return pi == p.count
    }
}
