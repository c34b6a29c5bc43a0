/// SQL over the same store as keys, paths and collections (`SochSQL`,
/// dialect in docs/sql.md).
extension Database {
    /// Runs one SQL statement (the seed's `execute_sql`) in its own
    /// transaction: committed when it succeeds, discarded when it fails.
    /// BEGIN/COMMIT/ROLLBACK belong to a session (``sqlSession()``) or a
    /// transaction (``beginTransaction()`` and ``DatabaseTransaction/execute(_:parameters:)``),
    /// so that one thread's open transaction can never take in another's
    /// statements; here they are refused.
    ///
    ///     try db.executeSQL("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    ///     try db.executeSQL("INSERT INTO users VALUES (?, ?)", parameters: [1, "Alice"])
    ///     let r = try db.executeSQL("SELECT name FROM users WHERE id = 1")
    ///     r.records      // [["name": .text("Alice")]]
    @discardableResult
    public func executeSQL(_ statement: String, parameters: [SQLValue] = []) throws(SochDBError) -> SQLResult {
        let session = sql.makeSession()
        let result: SQLResult
        do { result = try session.execute(statement, parameters: parameters) } catch { throw .sql(error) }
        if session.inTransaction { throw .sql(.transactionState(Self.sessionOnly)) }
        return result
    }

    /// The seed's alias of ``executeSQL(_:parameters:)``.
    @discardableResult
    public func execute(_ statement: String, parameters: [SQLValue] = []) throws(SochDBError) -> SQLResult {
        try executeSQL(statement, parameters: parameters)
    }

    /// Several statements separated by `;`, each in its own transaction
    /// unless the script itself runs BEGIN … COMMIT; stops at the first
    /// error. A script that ends inside a transaction is rolled back and
    /// refused.
    public func executeSQLScript(_ text: String) throws(SochDBError) -> [SQLResult] {
        let session = sql.makeSession()
        let results: [SQLResult]
        do { results = try session.executeScript(text) } catch { throw .sql(error) }
        if session.inTransaction { throw .sql(.transactionState("the script ends inside BEGIN without COMMIT; it was rolled back")) }
        return results
    }

    /// A new SQL session (one connection with its own BEGIN/COMMIT), for
    /// use by one thread at a time.
    public func sqlSession() -> SQLSession { sql.makeSession() }

    static let sessionOnly = "BEGIN opens a transaction that would end with this call: use db.sqlSession() or db.beginTransaction()"
}
