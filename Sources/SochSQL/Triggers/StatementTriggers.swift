import SochStorage

/// The triggers one INSERT, UPDATE or DELETE fires, and the rows it has
/// touched so far (for the AFTER and ON BATCH handlers, which run once the
/// statement's writes are in the transaction).
///
/// Made by ``SQLEngine`` per statement, only when the statement's table has
/// triggers; used by one thread.
final class StatementTriggers {
    let operation: TriggerOperation
    private let before: [TriggerRegistry.Entry]
    private let after: [TriggerRegistry.Entry]
    private let batch: [TriggerRegistry.Entry]
    private let engine: SQLEngine
    private let transaction: Transaction
    private let depth: Int
    /// The statement's table, from the first row it recorded.
    private var table: TableSchema?
    private var changes: [TriggerChange] = []

    /// Nil when none of `entries` has an event this statement fires.
    init?(_ entries: [TriggerRegistry.Entry], operation: TriggerOperation, engine: SQLEngine,
          transaction: Transaction, depth: Int) {
        before = entries.filter { $0.events.contains(operation.before) }
        after = entries.filter { $0.events.contains(operation.after) }
        batch = entries.filter { $0.events.contains(.onBatch) }
        if before.isEmpty && after.isEmpty && batch.isEmpty { return nil }
        self.operation = operation
        self.engine = engine
        self.transaction = transaction
        self.depth = depth
    }

    /// Runs the BEFORE handlers for one row, in registration order, each
    /// given the row the previous one left. `old` is the stored row (UPDATE,
    /// DELETE), `new` the row about to be written (INSERT, UPDATE), both
    /// starting with the table's columns. Returns the new row's column
    /// values as the handlers left them (nil for DELETE), not yet
    /// type-checked.
    func runBefore(_ table: TableSchema, old: [SQLValue]?, new: [SQLValue]?) throws(SQLError) -> [SQLValue]? {
        guard !before.isEmpty else { return new.map { Array($0.prefix(table.columns.count)) } }
        var current = new.map { TriggerRow(table, $0) }
        let oldRow = old.map { TriggerRow(table, $0) }
        for entry in before {
            var context = makeContext(entry, operation.before, table, row: current, old: oldRow, batch: [])
            try call(entry, &context)
            if current != nil, let changed = context.row { current = changed }
        }
        return current?.values
    }

    /// Notes a row the statement wrote (`new` as stored) or deleted.
    func record(_ table: TableSchema, old: [SQLValue]?, new: [SQLValue]?) {
        self.table = table
        guard !after.isEmpty || !batch.isEmpty else { return }
        changes.append(TriggerChange(old: old.map { TriggerRow(table, $0) }, new: new.map { TriggerRow(table, $0) }))
    }

    /// The AFTER handlers of every touched row (rows in statement order,
    /// handlers in registration order), then the ON BATCH handlers once.
    /// Called after the statement's writes reached the transaction.
    func runAfter() throws(SQLError) {
        guard let table, !changes.isEmpty else { return }
        for change in changes {
            for entry in after {
                var context = makeContext(entry, operation.after, table, row: change.new, old: change.old, batch: [])
                try call(entry, &context)
            }
        }
        for entry in batch {
            var context = makeContext(entry, .onBatch, table, row: nil, old: nil, batch: changes)
            try call(entry, &context)
        }
    }

    private func makeContext(_ entry: TriggerRegistry.Entry, _ event: TriggerEvent, _ table: TableSchema,
                             row: TriggerRow?, old: TriggerRow?, batch: [TriggerChange]) -> TriggerContext {
        TriggerContext(trigger: entry.info.name, event: event, operation: operation, table: table.name,
                       row: row, old: old, batch: batch, storageTransaction: transaction, scope: TriggerScope(),
                       engine: engine, depth: depth)
    }

    /// Runs one handler and maps what it throws: a ``TriggerAbort`` becomes
    /// ``SQLError/triggerAbort(trigger:message:code:)``; a trigger error
    /// from a statement it ran, a conflict, a storage failure or corruption
    /// passes unchanged (the first keeps the innermost trigger's verdict,
    /// the others keep their meaning, so autocommit still retries a
    /// conflict); anything else becomes
    /// ``SQLError/triggerFailed(trigger:message:)``.
    private func call(_ entry: TriggerRegistry.Entry, _ context: inout TriggerContext) throws(SQLError) {
        let scope = context.scope
        defer { scope.close() }
        do {
            try entry.handler(&context)
        } catch let abort as TriggerAbort {
            throw .triggerAbort(trigger: entry.info.name, message: abort.message, code: abort.code)
        } catch let error as SQLError {
            switch error {
            case .triggerAbort, .triggerFailed, .transaction, .storage, .corruption: throw error
            default: throw .triggerFailed(trigger: entry.info.name, message: error.description)
            }
        } catch {
            throw .triggerFailed(trigger: entry.info.name, message: String(describing: error))
        }
    }
}

extension SQLStatement {
    /// The table an INSERT, UPDATE or DELETE writes, and which of the three
    /// it is; nil for every other statement.
    var dmlTarget: (table: String, operation: TriggerOperation)? {
        switch self {
        case .insert(let s): return (s.table, .insert)
        case .update(let s): return (s.table, .update)
        case .delete(let s): return (s.table, .delete)
        default: return nil
        }
    }
}
