/// Every failure that encoding or decoding TOON reports.
///
/// All of them are bad input (the 1xx range shared with `SochVectorError`,
/// `StorageError` and `SochDBError`): TOON has no I/O and nothing to corrupt.
/// Our own bugs trap instead.
///
/// `position` means, for a **decoding** error, the offset in Unicode scalars
/// (code points, 0-based) from the start of the decoded text to the place
/// where the input first departs from the grammar or from what its header
/// declares; for ASCII text that is the character index. For an **encoding**
/// error it is the index of the offending record (value and row errors), the
/// index of the offending field in the field list (name errors), or -1 when
/// the table name itself is at fault. `message` says what was expected.
public struct TOONError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong; each kind has a stable ``code``.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A character that the grammar does not allow here (decode).
        case unexpectedCharacter
        /// The text ended where more was required (decode).
        case unexpectedEnd
        /// A table or field name is empty or not `[A-Za-z_][A-Za-z0-9_.-]*`.
        case invalidName
        /// The same field name appears twice in the header or field list.
        case duplicateField
        /// The `[count]` of the header is not a decimal number that fits `Int`.
        case invalidCount
        /// A quoted string has no closing `"` (position: its opening quote).
        case unterminatedString
        /// A backslash escape other than `\" \\ \n \r \t \uXXXX`, or a lone
        /// UTF-16 surrogate (position: the backslash).
        case invalidEscape
        /// An integer outside `Int64`, or a float that overflows `Double`.
        case numberOutOfRange
        /// The body holds more or fewer records than the header's `[count]`.
        case recordCountMismatch
        /// A record holds more or fewer values than the header has fields.
        case valueCountMismatch
        /// A complete value in a record is followed by something other than
        /// `,`, `;` or the end of the text (`"a"b`, `[1]]`). Inside a list or
        /// object the same mistake is an `unexpectedCharacter`.
        case trailingCharacters
        /// Lists and objects nest deeper than ``TOONSyntax/maxNestingDepth``.
        case nestingTooDeep
        /// A NaN or infinite double, which TOON cannot represent (encode).
        case nonFiniteNumber
        /// A row given to `encode(table:columns:rows:)` is not as wide as the
        /// column list (encode).
        case rowWidthMismatch

        /// Stable code shared with the C ABI and the wire protocol (130–143).
        public var code: Int32 {
            switch self {
            case .unexpectedCharacter: return 130
            case .unexpectedEnd: return 131
            case .invalidName: return 132
            case .duplicateField: return 133
            case .invalidCount: return 134
            case .unterminatedString: return 135
            case .invalidEscape: return 136
            case .numberOutOfRange: return 137
            case .recordCountMismatch: return 138
            case .valueCountMismatch: return 139
            case .trailingCharacters: return 140
            case .nestingTooDeep: return 141
            case .nonFiniteNumber: return 142
            case .rowWidthMismatch: return 143
            }
        }
    }

    public var kind: Kind
    /// See the type's documentation for what the number counts.
    public var position: Int
    /// Human-readable detail: what was found and what was expected.
    public var message: String

    public init(_ kind: Kind, at position: Int, _ message: String) {
        self.kind = kind
        self.position = position
        self.message = message
    }

    /// Stable code shared with the C ABI and the wire protocol.
    public var code: Int32 { kind.code }

    public var description: String { "TOON \(kind.rawValue) at \(position): \(message)" }
}
