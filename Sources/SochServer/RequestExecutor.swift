import Foundation
import SochDB
import SochWire

/// What a request produces: one reply, or a stream of SCAN batches.
enum Outcome {
    case reply(Response)
    case stream(ScanStream)
}

/// Runs decoded requests against the database for one session. Blocking
/// calls happen here; ``ConnectionHandler`` decides on which thread
/// (``runsInline(_:)``). Every failure becomes an ERROR reply; nothing here
/// throws. A failed request leaves the store and the session's transaction
/// as they were, except COMMIT: a failed commit (a conflict) ends the
/// transaction, as in the embedded API, and the client begins a new one.
struct RequestExecutor: Sendable {
    let database: Database
    let statistics: ServerStatistics
    let scanBatchPairs: Int
    let scanBatchBytes: Int
    /// Whether a commit waits for an fsync (sync mode full).
    let durableCommits: Bool

    /// Requests quick enough to run on the event loop: point reads and
    /// writes outside sync mode full (a WAL append and a memtable insert;
    /// they wait only in a write stall, when the memtables are full and a
    /// flush is behind), BEGIN, ABORT, PING and STATS. Everything that may
    /// scan, sort, search or sync runs on the blocking pool, COMMIT too (it
    /// applies collection writes to the graph), so that none of it stalls
    /// the other connections of the event loop.
    func runsInline(_ request: Request) -> Bool {
        switch request {
        case .ping, .stats, .get, .getPath, .beginTxn, .abortTxn, .createTable: return true
        case .put, .delete, .putPath, .deletePath: return !durableCommits
        default: return false
        }
    }

    func execute(_ request: Request, in session: Session) -> Outcome {
        do { return try run(request, session) } catch let e as SochDBError {
            return .reply(ErrorCodes.response(e))
        } catch let e as WireError {
            return .reply(ErrorCodes.response(e))
        } catch {
            return .reply(ErrorCodes.response(.remote(code: 799, message: "internal error: \(error)")))
        }
    }

    private func run(_ request: Request, _ session: Session) throws -> Outcome {
        let txn = session.transaction
        switch request {
        case .ping:
            return .reply(.pong(timestampNanos: UInt64(max(0, Date().timeIntervalSince1970 * 1e9))))
        case let .put(key, value):
            if let txn { try txn.put(key, value) } else { try database.put(key, value) }
            return .reply(.ok)
        case .get(let key):
            let value = if let txn { try txn.get(key) } else { try database.get(key) }
            return .reply(found(value))
        case .delete(let key):
            if let txn { try txn.delete(key) } else { try database.delete(key) }
            return .reply(.ok)
        case let .putPath(segments, value):
            let path = try Self.path(segments)
            if let txn { try txn.putPath(path, value) } else { try database.putPath(path, value) }
            return .reply(.ok)
        case .getPath(let segments):
            let path = try Self.path(segments)
            let value = if let txn { try txn.getPath(path) } else { try database.getPath(path) }
            return .reply(found(value))
        case .deletePath(let segments):
            let path = try Self.path(segments)
            if let txn { try txn.deletePath(path) } else { try database.deletePath(path) }
            return .reply(.ok)
        case .beginTxn:
            guard txn == nil else {
                throw SochDBError.invalidArgument("transaction \(txn!.id) is already open on this connection; commit or abort it first")
            }
            let t = database.beginTransaction()
            session.begin(t)
            return .reply(.txnID(t.id))
        case .commitTxn(let id):
            let t = try owned(id, session)
            defer { session.end() }
            return .reply(.txnID(try t.commit()))
        case .abortTxn(let id):
            let t = try owned(id, session)
            t.abort()
            session.end()
            return .reply(.ok)
        case let .scan(prefix, batchSize):
            let pairs = batchSize == 0 ? scanBatchPairs : min(Int(batchSize), scanBatchPairs)
            return .stream(try ScanStream(prefix: prefix, database: database, transaction: txn,
                                          batchPairs: pairs, batchBytes: scanBatchBytes))
        case .query(let json):
            return .reply(.value(Array(try QueryRunner(database: database, transaction: txn).run(json: json).utf8)))
        case let .executeSQL(sql, format, params):
            return .reply(.value(Array(try SQLRunner.run(sql, format: format, parametersJSON: params,
                                                          database: database, transaction: txn).utf8)))
        case .checkpoint:
            _ = try database.checkpoint()
            return .reply(.ok)
        case .stats:
            return .reply(.statsResp(json: statsJSON()))
        case .createTable:
            throw SochDBError.invalidArgument("CREATE_TABLE is not supported: send CREATE TABLE through EXECUTE_SQL (0x0F)")
        default:
            return .reply(try CollectionRunner(database: database, transaction: txn).run(request))
        }
    }

    private func found(_ value: [UInt8]?) -> Response { value.map { .value($0) } ?? .notFound }

    /// The session's transaction if it has id `id`.
    private func owned(_ id: UInt64, _ session: Session) throws(SochDBError) -> DatabaseTransaction {
        guard let t = session.transaction, t.id == id else {
            throw .invalidArgument("transaction \(id) is not open on this connection")
        }
        return t
    }

    /// The `/`-joined path of a segment list (segments may not contain `/`,
    /// which would silently split them into more segments).
    static func path(_ segments: [String]) throws(SochDBError) -> String {
        guard !segments.isEmpty else { throw .invalidArgument("a path needs at least one segment") }
        for s in segments where s.contains("/") {
            throw .invalidArgument("path segment \"\(s)\" contains '/'")
        }
        return segments.joined(separator: "/")
    }

    /// The engine's statistics by the seed's names, then the server's.
    func statsJSON() -> String {
        let server = statistics.fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        let engine = database.statsJSON()
        return server.isEmpty ? engine : String(engine.dropLast()) + "," + server + "}"
    }
}
