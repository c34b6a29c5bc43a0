/// Plain restatements of the quoting and reading rules, for tests.
///
/// Each line below is one numbered rule of ``TOONQuoting`` or one reading
/// rule of ``TOONNumber``, written for clarity with regular expressions over
/// Unicode scalars, not for speed. The byte scanners must agree with these on
/// every input (checked by property tests); they are never used to encode.
extension TOONQuoting {
    static func needsQuotesReference(_ string: String, nested: Bool) -> Bool {
        let scalars = Array(string.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last else { return true }  // 1
        if scalars.contains(where: { ",;".unicodeScalars.contains($0) }) { return true }  // 2
        if scalars.contains(where: { "\"\\".unicodeScalars.contains($0) }) { return true }  // 3
        if scalars.contains(where: TOONSyntax.isControl) { return true }  // 4
        if TOONSyntax.isSpace(first) || TOONSyntax.isSpace(last) { return true }  // 5
        if first == "[" || first == "{" { return true }  // 6
        if wholeMatch(string, looksTypedPattern) { return true }  // 7, 8
        if nested, scalars.contains(where: { "]}:".unicodeScalars.contains($0) }) { return true }  // 9
        return false
    }

    /// Rules 7 and 8, with ASCII-only case folding spelt out.
    static let looksTypedPattern =
        #"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"#
        + #"|[+-]?([nN][aA][nN]|[iI][nN][fF]|[iI][nN][fF][iI][nN][iI][tT][yY])"#
        + #"|[tT][rR][uU][eE]|[fF][aA][lL][sS][eE]|[nN][uU][lL][lL]"#

    /// The reading rules of ``TOONNumber/classify(_:)``.
    static func classifyReference(_ token: String) -> TOONNumber.Token {
        switch token {
        case "null": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        if wholeMatch(token, #"-?[0-9]+"#) { return .int }
        if wholeMatch(token, #"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"#) { return .double }
        return .string
    }

    private static func wholeMatch(_ string: String, _ pattern: String) -> Bool {
        let regex = try! Regex(pattern).matchingSemantics(.unicodeScalar)
        return (try? regex.wholeMatch(in: string)) != nil
    }
}
