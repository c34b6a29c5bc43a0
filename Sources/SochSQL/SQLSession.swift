import SochStorage

/// One connection to an ``SQLEngine``: each statement runs in its own
/// transaction (autocommit) unless BEGIN opened an explicit one, which
/// lasts until COMMIT (or END) or ROLLBACK.
///
/// In autocommit a statement commits when it succeeds and writes nothing
/// when it fails; when its commit conflicts with a concurrent commit, the
/// statement is run again on a fresh snapshot (at most
/// ``autocommitAttempts`` times in all) before the conflict surfaces as
/// ``SQLError/transaction(_:)``. Inside an explicit
/// transaction a failing statement leaves the transaction as it was before
/// that statement, and the transaction stays open.
///
/// Not thread-safe: use a session from one thread at a time (make one per
/// thread). An open transaction is aborted when the session is freed.
public final class SQLSession {
    private let engine: SQLEngine
    private var transaction: Transaction?

    init(engine: SQLEngine) { self.engine = engine }

    deinit { transaction?.abort() }

    /// True between BEGIN and COMMIT/ROLLBACK.
    public var inTransaction: Bool { transaction != nil }

    /// Runs one statement (a trailing `;` is allowed).
    public func execute(_ sql: String, parameters: [SQLValue] = []) throws(SQLError) -> SQLResult {
        let parsed = try engine.parse(sql)
        switch parsed.statement {
        case .begin:
            engine.countStatement()
            guard transaction == nil else { throw SQLError.transactionState("cannot BEGIN: a transaction is already open") }
            transaction = engine.storage.beginTransaction()
            return StatementExecutor.empty
        case .commit:
            engine.countStatement()
            guard let open = transaction else { throw SQLError.transactionState("cannot COMMIT: no transaction is open") }
            transaction = nil
            do { try open.commit() } catch { throw SQLError.wrap(error) }
            return StatementExecutor.empty
        case .rollback:
            engine.countStatement()
            guard let open = transaction else { throw SQLError.transactionState("cannot ROLLBACK: no transaction is open") }
            transaction = nil
            open.abort()
            return StatementExecutor.empty
        default:
            if let open = transaction { return try engine.run(parsed, parameters: parameters, in: open) }
            return try autocommit(parsed, parameters)
        }
    }

    /// How many times an autocommit statement is tried when its commit
    /// conflicts. Re-running is safe: nothing of a failed attempt remains.
    public static let autocommitAttempts = 16

    private func autocommit(_ parsed: ParsedStatement, _ parameters: [SQLValue]) throws(SQLError) -> SQLResult {
        var attempt = 1
        while true {
            let own = engine.storage.beginTransaction()
            do {
                let result = try engine.run(parsed, parameters: parameters, in: own, retry: attempt > 1)
                try own.commit()
                return result
            } catch {
                own.abort()
                let failure = SQLError.wrap(error)
                guard case .transaction(.conflict) = failure, attempt < Self.autocommitAttempts else { throw failure }
                attempt += 1
            }
        }
    }

    /// Runs the statements of `text` (separated by `;`, quotes and comments
    /// respected) in order; stops at, and throws, the first error. The
    /// statements before it keep their effect.
    public func executeScript(_ text: String) throws(SQLError) -> [SQLResult] {
        var results: [SQLResult] = []
        for statement in SQLScriptSplitter.split(text) { results.append(try execute(statement)) }
        return results
    }
}
