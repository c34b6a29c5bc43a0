import Foundation
import SochDB
import SochWire
import Synchronization

/// A client of `sochdb-server` over its Unix socket (the seed's `IpcClient`).
///
///     let client = try IpcClient.connect(path: "./my_db/sochdb.sock", timeout: 30)
///     try client.put(Array("key".utf8), Array("value".utf8))
///     let latency = try client.ping()            // seconds
///     let txn = try client.beginTransaction()    // later calls run inside it…
///     let lsn = try client.commit(txn)           // …until commit or abort
///
/// Thread-safety: every method may be called from any thread; calls on one
/// client are serialised (one request on the wire at a time, or one
/// ``pipeline(_:)`` batch), so use one client per thread for parallelism.
/// A transaction belongs to the connection: while one is open, every call
/// of this client runs inside it. Failures are ``SochDBError``s:
/// `.connection` (unreachable, closed, timed out), `.protocol`,
/// `.transaction` (conflict: retry), and the server's own errors with
/// their codes (`.invalidArgument`, `.notFound`, `.alreadyExists`,
/// `.limitExceeded`, `.remote(code:message:)`).
public final class IpcClient: @unchecked Sendable {
    private let socket: UnixSocket
    private let lock = Mutex<Void>(())
    /// The largest reply accepted (the server's own frame cap is 16 MiB by
    /// default; scan batches and results stay below it).
    public let maxReplyBytes: Int

    private init(socket: UnixSocket, maxReplyBytes: Int) { self.socket = socket; self.maxReplyBytes = maxReplyBytes }

    /// Connects to the server at `path`; `timeout` (seconds, 0: none)
    /// bounds every later send and receive.
    public static func connect(path: String, timeout: Double = 30, maxReplyBytes: Int = 64 << 20) throws(SochDBError) -> IpcClient {
        IpcClient(socket: try UnixSocket(path: path, timeout: timeout), maxReplyBytes: maxReplyBytes)
    }

    public func close() { lock.withLock { _ in socket.close() } }

    // MARK: the raw protocol

    /// Sends one request and returns its reply (for SCAN: the first frame of
    /// the stream; use ``scan(prefix:batchSize:_:)``). ERROR replies are
    /// returned, not thrown.
    public func send(_ request: Request) throws(SochDBError) -> Response {
        try Self.check(request)
        return try lock.withLock { _ throws(SochDBError) in
            try socket.write(request.encodeFrame())
            return try readResponse()
        }
    }

    /// Sends every request before reading any reply (pipelining), then the
    /// replies in order. No SCAN among them.
    public func pipeline(_ requests: [Request]) throws(SochDBError) -> [Response] {
        try lock.withLock { _ throws(SochDBError) in
            var bytes: [UInt8] = []
            for r in requests {
                guard r.opcode != .scan else { throw .invalidArgument("SCAN cannot be pipelined") }
                try Self.check(r)
                bytes.append(contentsOf: r.encodeFrame())
            }
            try socket.write(bytes)
            var out: [Response] = []
            out.reserveCapacity(requests.count)
            for _ in requests { out.append(try readResponse()) }
            return out
        }
    }

    private static func check(_ request: Request) throws(SochDBError) {
        do { try request.checkEncodable() } catch { throw .invalidArgument(error.description) }
    }

    private func readResponse() throws(SochDBError) -> Response {
        let (op, payload) = try socket.readFrame(maxPayload: maxReplyBytes)
        do { return try Response.decode(opcode: op, payload: payload) } catch {
            socket.close()
            throw .protocol("bad reply from the server: \(error)")
        }
    }

    /// The reply, with ERROR turned into its typed error.
    private func call(_ request: Request) throws(SochDBError) -> Response {
        let r = try send(request)
        if case let .error(code, message) = r { throw Self.error(code: code, message: message) }
        return r
    }

    /// The typed error for an ERROR reply's code (docs/errors.md).
    public static func error(code: Int32, message: String) -> SochDBError {
        func strip(_ prefix: String) -> String { message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message }
        switch code {
        case 600: return .transaction(.conflict(key: []))   // the key stays on the server; the message names it
        case 120: return .invalidArgument(strip("invalid argument: "))
        case 121: return .notFound(strip("not found: "))
        case 122: return .alreadyExists(strip("already exists: "))
        case 701: return .protocol(strip("protocol error: "))
        case 702: return .limitExceeded(strip("limit exceeded: "))
        default: return .remote(code: code, message: message)
        }
    }

    private func unexpected(_ r: Response, _ what: String) -> SochDBError {
        .protocol("unexpected reply 0x\(String(r.opcode.rawValue, radix: 16)) to \(what)")
    }

    private func expectOK(_ request: Request) throws(SochDBError) {
        let r = try call(request)
        guard case .ok = r else { throw unexpected(r, "\(request.opcode)") }
    }

    private func expectValue(_ request: Request) throws(SochDBError) -> [UInt8]? {
        switch try call(request) {
        case .value(let v): return v
        case .notFound: return nil
        case let r: throw unexpected(r, "\(request.opcode)")
        }
    }

    // MARK: keys and paths

    /// Round-trip time of a PING, in seconds.
    public func ping() throws(SochDBError) -> Double {
        let start = ContinuousClock.now
        let r = try call(.ping)
        guard case .pong = r else { throw unexpected(r, "PING") }
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) throws(SochDBError) { try expectOK(.put(key: key, value: value)) }

    /// The value under `key`, nil if there is none (an empty value is `[]`).
    public func get(_ key: [UInt8]) throws(SochDBError) -> [UInt8]? { try expectValue(.get(key: key)) }

    public func delete(_ key: [UInt8]) throws(SochDBError) { try expectOK(.delete(key: key)) }

    /// Stores at a path given as segments (`["users", "alice", "email"]`).
    public func putPath(_ segments: [String], _ value: [UInt8]) throws(SochDBError) {
        try expectOK(.putPath(segments: segments, value: value))
    }

    public func getPath(_ segments: [String]) throws(SochDBError) -> [UInt8]? { try expectValue(.getPath(segments: segments)) }

    public func deletePath(_ segments: [String]) throws(SochDBError) { try expectOK(.deletePath(segments: segments)) }

    // MARK: scans and queries

    /// Streams every pair whose key starts with `prefix`, in key order, one
    /// server batch at a time (at most `batchSize` pairs; 0: the server's).
    /// Returns the number of pairs.
    @discardableResult
    public func scan(prefix: [UInt8], batchSize: Int = 0,
                     _ body: ([KeyValue]) throws(SochDBError) -> Void) throws(SochDBError) -> UInt64 {
        try lock.withLock { _ throws(SochDBError) in
            try socket.write(Request.scan(prefix: prefix, batchSize: UInt32(clamping: batchSize)).encodeFrame())
            while true {
                switch try readResponse() {
                case .scanBatch(let pairs): try body(pairs)
                case .endStream(let n): return n
                case let .error(code, message): throw Self.error(code: code, message: message)
                case let r: throw unexpected(r, "SCAN")
                }
            }
        }
    }

    /// Every pair under `prefix` (the seed's `client.scan("users/")`).
    public func scan(_ prefix: String) throws(SochDBError) -> [(key: [UInt8], value: [UInt8])] {
        var out: [(key: [UInt8], value: [UInt8])] = []
        try scan(prefix: Array(prefix.utf8)) { (batch: [KeyValue]) throws(SochDBError) in
            out.append(contentsOf: batch.map { ($0.key, $0.value) })
        }
        return out
    }

    /// The seed's fluent query: `client.query("users/").limit(10).select(["name"]).execute()`.
    public func query(_ prefix: String) -> IpcQuery { IpcQuery(client: self, prefix: prefix) }

    func runQuery(json: String) throws(SochDBError) -> String {
        guard let bytes = try expectValue(.query(json: json)) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: transactions, checkpoints, statistics

    /// Begins the connection's transaction; until commit or abort, this
    /// client's reads and writes run inside it. Returns its id.
    public func beginTransaction() throws(SochDBError) -> UInt64 {
        let r = try call(.beginTxn)
        guard case .txnID(let id) = r else { throw unexpected(r, "BEGIN_TXN") }
        return id
    }

    /// Commits; returns the commit's LSN. A conflict throws
    /// `.transaction(.conflict)` and the transaction is gone (retry it whole).
    @discardableResult
    public func commit(_ txnID: UInt64) throws(SochDBError) -> UInt64 {
        let r = try call(.commitTxn(id: txnID))
        guard case .txnID(let lsn) = r else { throw unexpected(r, "COMMIT_TXN") }
        return lsn
    }

    public func abort(_ txnID: UInt64) throws(SochDBError) { try expectOK(.abortTxn(id: txnID)) }

    public func checkpoint() throws(SochDBError) { try expectOK(.checkpoint) }

    /// The engine's and the server's statistics by name.
    public func stats() throws(SochDBError) -> [String: MetadataValue] {
        let r = try call(.stats)
        guard case .statsResp(let json) = r,
              case .object(let o)? = try? JSONDecoder().decode(MetadataValue.self, from: Data(json.utf8))
        else { throw unexpected(r, "STATS") }
        return o
    }

    // MARK: SQL

    /// Runs one SQL statement (inside the open transaction, if any); the
    /// result with typed values (blobs come back as hex text).
    public func executeSQL(_ sql: String, parameters: [SQLValue] = []) throws(SochDBError) -> SQLResult {
        let text = try sqlText(sql, parameters: parameters, format: .json)
        return try SQLResultJSON.decode(text)
    }

    /// Runs one SQL statement; the rows as a TOON table named `result`.
    public func executeSQLTOON(_ sql: String, parameters: [SQLValue] = []) throws(SochDBError) -> String {
        try sqlText(sql, parameters: parameters, format: .toon)
    }

    private func sqlText(_ sql: String, parameters: [SQLValue], format: Request.ResultFormat) throws(SochDBError) -> String {
        let params = SQLJSON.parametersJSON(parameters)
        let bytes = try expectValue(.executeSQL(sql: sql, format: format, parametersJSON: params)) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }
}
