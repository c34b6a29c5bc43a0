/// How numbers and keywords are written and recognised.
///
/// Writing: an `Int64` as its decimal digits; a finite `Double` as Swift's
/// `description`, the shortest text that reads back to the same bits, which
/// always holds a `.` or an exponent (`1.0`, `0.1`, `1e+300`, `5e-324`), so a
/// float never reads back as an integer.
///
/// Reading (``classify(_:)``), an unquoted token is, in this order:
/// `null`; `true`/`false`; an integer `-?[0-9]+`; a float
/// `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?` that has a fraction or an exponent;
/// otherwise a string, verbatim.
enum TOONNumber {
    /// The text of a finite double; callers reject NaN and infinities first.
    static func format(_ value: Double) -> String {
        precondition(value.isFinite, "TOONNumber.format needs a finite double")
        let text = value.description
        // Swift's description always marks a float; keep the guarantee local.
        if text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") }) {
            return text
        }
        return text + ".0"
    }

    /// What an unquoted token means.
    enum Token: Equatable {
        case null
        case bool(Bool)
        /// Matches the integer grammar (may still overflow `Int64`).
        case int
        /// Matches the float grammar (may still overflow `Double`).
        case double
        case string
    }

    /// Classifies an unquoted token by the reading rules above. O(n).
    static func classify<C: RandomAccessCollection<UInt8>>(_ bytes: C) -> Token where C.Index == Int {
        if bytes.elementsEqual(TOONSyntax.null.utf8) { return .null }
        if bytes.elementsEqual(TOONSyntax.true.utf8) { return .bool(true) }
        if bytes.elementsEqual(TOONSyntax.false.utf8) { return .bool(false) }
        var i = bytes.startIndex
        let end = bytes.endIndex
        if i < end, bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intDigits = skipDigits(bytes, &i)
        guard intDigits > 0 else { return .string }
        if i == end { return .int }
        var isFloat = false
        if bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard skipDigits(bytes, &i) > 0 else { return .string }
            isFloat = true
        }
        if i < end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard skipDigits(bytes, &i) > 0 else { return .string }
            isFloat = true
        }
        return i == end && isFloat ? .double : .string
    }

    /// True when a string must be quoted because a reader could take it for a
    /// number or keyword: the decoder's own grammar, widened on purpose to
    /// `[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?`, to
    /// `[+-]?(nan|inf|infinity)` and to `true`/`false`/`null`, the words
    /// ignoring ASCII case. The widening costs nothing on ordinary text and
    /// keeps `+1`, `.5`, `NaN` or `True` from being typed by looser readers.
    static func looksTyped<C: RandomAccessCollection<UInt8>>(_ bytes: C) -> Bool where C.Index == Int {
        guard let first = bytes.first, mayStartTyped(first) else { return false }
        return looksNumeric(bytes) || keywords.contains { equalsIgnoringCase(bytes, $0) }
    }

    private static let keywords = [TOONSyntax.null, TOONSyntax.true, TOONSyntax.false]
    private static let nonFinite = ["nan", "inf", "infinity"]

    /// Digits, signs, `.`, and the first letters of the words above: a cheap
    /// filter that lets ordinary text skip the full check.
    @inline(__always)
    private static func mayStartTyped(_ byte: UInt8) -> Bool {
        switch byte | 0x20 {  // folds A-Z to a-z; digits, '+', '-', '.' keep their value
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "n"), UInt8(ascii: "i"), UInt8(ascii: "t"), UInt8(ascii: "f"):
            return true
        default:
            return false
        }
    }

    private static func looksNumeric<C: RandomAccessCollection<UInt8>>(_ bytes: C) -> Bool where C.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        if nonFinite.contains(where: { equalsIgnoringCase(bytes[i...], $0) }) { return true }
        var digits = skipDigits(bytes, &i)
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            digits += skipDigits(bytes, &i)
        }
        guard digits > 0 else { return false }
        if i < end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard skipDigits(bytes, &i) > 0 else { return false }
        }
        return i == end
    }

    /// `bytes` equals `word` (lowercase ASCII letters) ignoring ASCII case:
    /// `b | 0x20` maps exactly `A`–`Z` onto `a`–`z` among the bytes that can
    /// equal a lowercase letter.
    private static func equalsIgnoringCase(_ bytes: some Collection<UInt8>, _ word: String) -> Bool {
        bytes.count == word.utf8.count && zip(bytes, word.utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    @inline(__always)
    private static func skipDigits<C: RandomAccessCollection<UInt8>>(_ bytes: C, _ i: inout Int) -> Int where C.Index == Int {
        let start = i
        while i < bytes.endIndex, TOONSyntax.isDigit(bytes[i]) { i += 1 }
        return i - start
    }
}
