import SochStorage

/// Every failure the SQL layer reports.
///
/// Each case has a stable ``code`` in 800…899, shared with the C ABI and the
/// wire protocol and listed in docs/sql.md: 800–809 bad SQL text or names,
/// 810–819 values and constraints, 820–829 transaction state, 830–839
/// storage and corruption, 840–849 triggers. A statement that throws has changed nothing.
public enum SQLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text does not parse. `position` is the 0-based UTF-8 offset in the
    /// statement; `message` reads "expected X, found 'Y' at line:column";
    /// `expected` names what the grammar wanted there.
    case syntax(message: String, position: Int, expected: String)
    case unknownTable(String)
    case unknownColumn(String)
    case tableExists(String)
    case indexExists(String)
    case unknownIndex(String)
    /// The statement parses but means nothing: an aggregate in WHERE, an
    /// ORDER BY column number out of range, a duplicate column name…
    case invalidStatement(String)
    /// The SQL is valid but this engine does not implement it (joins…).
    case unsupported(String)
    /// A value of the wrong type for a typed column.
    case typeMismatch(column: String, expected: String, got: String)
    /// An operator or function applied to operands it is not defined for
    /// (`'a' + 1`, `-X'00'`): SochSQL does not convert text to numbers.
    case operandType(String)
    /// NULL written into a NOT NULL (or PRIMARY KEY) column.
    case notNull(table: String, column: String)
    /// A PRIMARY KEY or UNIQUE index would hold a duplicate; `constraint` is
    /// `PRIMARY KEY` or the index name.
    case uniqueViolation(table: String, constraint: String)
    /// The number of `?` parameters differs from the values bound.
    case parameterCount(expected: Int, got: Int)
    /// BEGIN inside a transaction, COMMIT/ROLLBACK without one, or
    /// transaction control passed to ``SQLEngine/execute(_:parameters:in:)``.
    case transactionState(String)
    /// The storage engine failed (I/O, closed database…); the text is the
    /// `StorageError`'s description.
    case storage(String)
    /// The storage transaction failed: a commit conflict (retry the
    /// transaction) or an already finished transaction.
    case transaction(TransactionError)
    /// Stored catalogue or row bytes do not decode.
    case corruption(String)
    /// A trigger handler refused the statement (``TriggerAbort``): its
    /// message and its own code.
    case triggerAbort(trigger: String, message: String, code: String?)
    /// A trigger handler failed otherwise: threw another error, or ran
    /// statements nested too deep.
    case triggerFailed(trigger: String, message: String)
    /// A trigger of that name is already registered.
    case triggerExists(String)
    /// No trigger of that name is registered.
    case unknownTrigger(String)

    /// Stable code shared with the C ABI and the wire protocol.
    public var code: Int32 {
        switch self {
        case .syntax: return 800
        case .unknownTable: return 801
        case .unknownColumn: return 802
        case .tableExists: return 803
        case .indexExists: return 804
        case .unknownIndex: return 805
        case .invalidStatement: return 806
        case .unsupported: return 807
        case .typeMismatch: return 810
        case .operandType: return 811
        case .notNull: return 812
        case .uniqueViolation: return 813
        case .parameterCount: return 814
        case .transactionState: return 820
        case .transaction: return 821
        case .storage: return 830
        case .corruption: return 831
        case .triggerAbort: return 840
        case .triggerFailed: return 841
        case .triggerExists: return 842
        case .unknownTrigger: return 843
        }
    }

    public var description: String {
        switch self {
        case let .syntax(message, _, _): return "syntax error: \(message)"
        case .unknownTable(let t): return "no such table: \(t)"
        case .unknownColumn(let c): return "no such column: \(c)"
        case .tableExists(let t): return "table \(t) already exists"
        case .indexExists(let i): return "index \(i) already exists"
        case .unknownIndex(let i): return "no such index: \(i)"
        case .invalidStatement(let s): return "invalid statement: \(s)"
        case .unsupported(let s): return "not supported: \(s)"
        case let .typeMismatch(column, expected, got):
            return "type mismatch: column \(column) expects \(expected), got \(got)"
        case .operandType(let s): return "type mismatch: \(s)"
        case let .notNull(table, column): return "NOT NULL constraint failed: \(table).\(column)"
        case let .uniqueViolation(table, constraint):
            return constraint == "PRIMARY KEY" ? "PRIMARY KEY constraint failed: duplicate key in table \(table)"
                : "UNIQUE constraint failed: index \(constraint) on table \(table)"
        case let .parameterCount(expected, got):
            return "statement has \(expected) parameter\(expected == 1 ? "" : "s"), \(got) bound"
        case .transactionState(let s): return "transaction state: \(s)"
        case .transaction(let e): return e.description
        case .storage(let s): return "storage: \(s)"
        case .corruption(let s): return "corrupt SQL data: \(s)"
        case let .triggerAbort(trigger, message, code):
            return "trigger \(trigger) aborted the statement: \(message)" + (code.map { " [\($0)]" } ?? "")
        case let .triggerFailed(trigger, message): return "trigger \(trigger) failed: \(message)"
        case .triggerExists(let t): return "trigger \(t) already exists"
        case .unknownTrigger(let t): return "no such trigger: \(t)"
        }
    }

    /// Maps an error thrown by SochStorage to a SQL error.
    static func wrap(_ error: any Error) -> SQLError {
        if let e = error as? SQLError { return e }
        if let e = error as? TransactionError { return .transaction(e) }
        if let e = error as? StorageError { return .storage(e.description) }
        return .storage(String(describing: error))
    }
}
