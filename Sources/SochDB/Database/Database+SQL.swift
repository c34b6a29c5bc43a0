/// SQL over the same store as keys, paths and collections (`SochSQL`,
/// dialect in docs/sql.md).
extension Database {
    /// Runs one SQL statement (the seed's `execute_sql`) on the database's
    /// shared session: autocommit, unless a `BEGIN` run through this method
    /// opened a transaction, which then holds every caller's statements
    /// until `COMMIT` or `ROLLBACK`. Threads that want their own transactions
    /// use ``sqlSession()`` or ``DatabaseTransaction/execute(_:parameters:)``.
    ///
    ///     try db.executeSQL("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    ///     try db.executeSQL("INSERT INTO users VALUES (?, ?)", parameters: [1, "Alice"])
    ///     let r = try db.executeSQL("SELECT name FROM users WHERE id = 1")
    ///     r.records      // [["name": .text("Alice")]]
    @discardableResult
    public func executeSQL(_ statement: String, parameters: [SQLValue] = []) throws(SochDBError) -> SQLResult {
        do {
            return try defaultSession.withLock { session throws(SQLError) in try session.execute(statement, parameters: parameters) }
        } catch { throw .sql(error) }
    }

    /// The seed's alias of ``executeSQL(_:parameters:)``.
    @discardableResult
    public func execute(_ statement: String, parameters: [SQLValue] = []) throws(SochDBError) -> SQLResult {
        try executeSQL(statement, parameters: parameters)
    }

    /// Several statements separated by `;` on the shared session, stopping
    /// at the first error.
    public func executeSQLScript(_ text: String) throws(SochDBError) -> [SQLResult] {
        do {
            return try defaultSession.withLock { session throws(SQLError) in try session.executeScript(text) }
        } catch { throw .sql(error) }
    }

    /// A new SQL session (one connection: its own BEGIN/COMMIT), for use
    /// by one thread at a time.
    public func sqlSession() -> SQLSession { sql.makeSession() }
}
