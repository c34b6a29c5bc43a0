import SochStorage
import Synchronization

/// What a trigger handler is given: the event, the row, and the statement's
/// transaction to read and write through.
///
/// - BEFORE INSERT / BEFORE UPDATE: ``row`` is the row about to be written;
///   the handler may change it (``TriggerRow/set(_:to:)``), and the changed
///   row is type-checked like any inserted row.
/// - AFTER INSERT / AFTER UPDATE: ``row`` is the row as stored (changes are
///   ignored).
/// - UPDATE and DELETE: ``old`` is the row before the statement.
/// - ON BATCH: ``batch`` lists every row the statement touched.
///
/// ``execute(_:parameters:)`` runs SQL in the statement's transaction: what
/// it writes commits or vanishes with the statement. The context is valid
/// only while the handler runs.
public struct TriggerContext {
    /// The name the running trigger was registered under.
    public let trigger: String
    public let event: TriggerEvent
    public let operation: TriggerOperation
    /// The table's name as the catalogue holds it.
    public let table: String
    /// The new row (INSERT, UPDATE); nil for DELETE and ON BATCH.
    public var row: TriggerRow?
    /// The row before the statement (UPDATE, DELETE); nil otherwise.
    public let old: TriggerRow?
    /// ON BATCH: the rows the statement touched, in the order it wrote them.
    public let batch: [TriggerChange]

    /// The statement's transaction (package-internal: the database layer
    /// wraps it so that a handler can neither commit it nor leave it).
    package let storageTransaction: Transaction
    package let scope: TriggerScope
    let engine: SQLEngine
    /// How many trigger-run statements enclose this one (0: the caller's).
    let depth: Int

    /// Whether the handler may write: AFTER and ON BATCH handlers may; a
    /// BEFORE handler runs while the statement's own rows are still being
    /// made, so it may only read (its writes could not see those rows, and
    /// would be overwritten by them, index entries and all).
    public var canWrite: Bool {
        switch event {
        case .beforeInsert, .beforeUpdate, .beforeDelete: return false
        default: return true
        }
    }

    /// Refuses a write from a handler that may not write (``canWrite``).
    public func checkWritable() throws(SQLError) {
        guard canWrite else {
            throw SQLError.transactionState("trigger \(trigger) runs \(event): a BEFORE handler may read and change its row, not write")
        }
    }

    /// Runs one SQL statement in the statement's transaction. Its own
    /// triggers fire (see docs/triggers.md, "Re-entrancy"). Refused: BEGIN,
    /// COMMIT and ROLLBACK; schema changes; and anything but SELECT from a
    /// BEFORE handler.
    @discardableResult
    public func execute(_ sql: String, parameters: [SQLValue] = []) throws(SQLError) -> SQLResult {
        guard scope.isOpen else { throw SQLError.transactionState("trigger \(trigger) has returned; its context is closed") }
        guard depth < SQLEngine.maxTriggerDepth else {
            throw SQLError.triggerFailed(trigger: trigger, message: "statements run by triggers nest deeper than \(SQLEngine.maxTriggerDepth) levels")
        }
        let parsed = try engine.parse(sql)
        if parsed.statement.isSchemaChange {
            throw SQLError.transactionState("trigger \(trigger) cannot change the schema inside the statement that fired it")
        }
        if !canWrite, !parsed.statement.isQuery { try checkWritable() }
        return try engine.execute(parsed, parameters: parameters, in: storageTransaction, depth: depth + 1)
    }
}

/// Whether a ``TriggerContext`` may still be used: closed when its handler
/// returns, so a context (or a transaction wrapper) kept past it refuses
/// every call instead of writing outside the statement.
package final class TriggerScope: Sendable {
    private let open = Atomic<Bool>(true)
    package var isOpen: Bool { open.load(ordering: .acquiring) }
    func close() { open.store(false, ordering: .releasing) }
}

/// A trigger's code. It runs on the thread executing the statement, maybe
/// on several threads at once for concurrent statements, so it must be
/// `Sendable`. Throwing ``TriggerAbort`` (or any error) fails the statement.
public typealias TriggerHandler = @Sendable (inout TriggerContext) throws -> Void

/// A registered trigger: its name, table and events.
public struct TriggerInfo: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    /// The table name it is bound to, lowercased (it need not exist yet).
    public let table: String
    /// Its events, in ``TriggerEvent`` order.
    public let events: [TriggerEvent]

    public var description: String {
        "\(name) ON \(table) \(events.map(\.rawValue).joined(separator: ", "))"
    }
}
