/// Triggers: Swift code the engine runs on SQL writes (docs/triggers.md).
extension Database {
    /// Binds `handler` to `events` on `table` under the unique `name`. The
    /// engine runs it on every INSERT (also `INSERT … SELECT` and `OR
    /// REPLACE`), UPDATE and DELETE of the table, from ``executeSQL(_:parameters:)``,
    /// SQL sessions and ``DatabaseTransaction/execute(_:parameters:)``
    /// alike, starting with statements that begin after this call. The
    /// table need not exist yet.
    ///
    ///     try db.registerTrigger(name: "lowercase_email", table: "users", events: [.beforeInsert]) { context in
    ///         guard case .text(let email)? = context.row?["email"], email.contains("@") else {
    ///             throw TriggerAbort("Invalid email format", code: "INVALID_EMAIL")
    ///         }
    ///         try context.row?.set("email", to: .text(email.lowercased()))
    ///     }
    ///
    /// A BEFORE handler may change ``TriggerContext/row``; any error it
    /// throws (``TriggerAbort`` for a refusal) fails the statement, which
    /// then writes nothing. AFTER and ON BATCH handlers may write through
    /// ``TriggerContext/transaction``; those writes commit or vanish with
    /// the statement. Triggers live as long as this open `Database`; they
    /// are not stored in it.
    public func registerTrigger(name: String, table: String, events: [TriggerEvent],
                                handler: @escaping TriggerHandler) throws(SochDBError) {
        // A SochDBError carrying a SQL error (a nested statement's, or a
        // nested trigger's verdict) is unwrapped so it keeps its meaning.
        let unwrapping: TriggerHandler = { context in
            do { try handler(&context) } catch let SochDBError.sql(error) { throw error }
        }
        do { try sql.registerTrigger(name: name, table: table, events: events, handler: unwrapping) } catch { throw .sql(error) }
    }

    /// Removes the trigger `name`; statements already running keep it.
    public func unregisterTrigger(name: String) throws(SochDBError) {
        do { try sql.unregisterTrigger(name: name) } catch { throw .sql(error) }
    }

    /// The registered triggers, in registration (and firing) order.
    public var triggers: [TriggerInfo] { sql.triggers }
}

extension TriggerContext {
    /// The statement's transaction for keys, paths and SQL: what a handler
    /// writes through it commits or vanishes with the statement. It cannot
    /// be committed (``SQLError/transactionState(_:)``), aborting it does
    /// nothing, and it refuses every call once the handler has returned.
    /// Its SQL runs as statements nested in this one (their own triggers
    /// fire, to a depth of ``SQLEngine/maxTriggerDepth``).
    public var transaction: DatabaseTransaction { DatabaseTransaction(trigger: self) }
}
