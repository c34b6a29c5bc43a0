import SochDB

/// One connection's database state: the transaction it began, if any.
///
/// Requests of one connection run one at a time (``ConnectionHandler``), on
/// the event loop or a pool thread, so a session is never used by two
/// threads at once; the hand-off between them orders its accesses.
final class Session: @unchecked Sendable {
    /// The open transaction every KV, path, scan, query, SQL and collection
    /// write of this connection goes through until COMMIT or ABORT.
    var transaction: DatabaseTransaction?
    let statistics: ServerStatistics

    init(statistics: ServerStatistics) { self.statistics = statistics }

    func begin(_ txn: DatabaseTransaction) {
        transaction = txn
        statistics.activeTransactions.add(1, ordering: .relaxed)
    }

    /// Forgets the transaction (after its commit or abort).
    func end() {
        guard transaction != nil else { return }
        transaction = nil
        statistics.activeTransactions.subtract(1, ordering: .relaxed)
    }

    /// Aborts the open transaction, if any (disconnects, idle time-outs, shutdown).
    func abortOpenTransaction() {
        transaction?.abort()
        end()
    }
}
