import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import SochDB
@testable import SochGRPC
import Testing

typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

/// A running server on a loopback port over a scratch folder: index files
/// go in `indexes`, the database (if any) in `db`.
struct Fixture: Sendable {
    let directory: String
    let server: SochGRPCServer
    var indexes: String { directory + "/indexes" }
    var vectors: Sochdb_V1_VectorService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    var collections: Sochdb_V1_CollectionService.Client<HTTP2ClientTransport.Posix> { .init(wrapping: client) }
    let client: Client
}

func scratchDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sochgrpc-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir + "/indexes", withIntermediateDirectories: true)
    return dir
}

func testConfiguration(_ dir: String, database: Bool) -> GRPCServerConfiguration {
    var config = GRPCServerConfiguration()
    config.port = 0
    config.indexDirectory = dir + "/indexes"
    config.databasePath = database ? dir + "/db" : nil
    config.logLevel = .critical
    return config
}

func clientTransport(port: Int) throws -> HTTP2ClientTransport.Posix {
    try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
}

/// Starts a server, runs `body` with a client connected to it, shuts the
/// server down (gracefully) and removes the folder.
func withServer<T: Sendable>(database: Bool = true, in existing: String? = nil,
                             _ configure: (inout GRPCServerConfiguration) -> Void = { _ in },
                             _ body: (Fixture) async throws -> T) async throws -> T {
    let dir = try existing ?? scratchDirectory()
    defer { if existing == nil { try? FileManager.default.removeItem(atPath: dir) } }
    var config = testConfiguration(dir, database: database)
    configure(&config)
    let server = try await SochGRPCServer.start(config)
    do {
        let result = try await withGRPCClient(transport: try clientTransport(port: server.port)) { client in
            try await body(Fixture(directory: dir, server: server, client: client))
        }
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Seeded uniform vectors in [-1, 1).
func randomRows(_ n: Int, _ dimension: Int, seed: UInt64) -> [[Float]] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    func next() -> Float {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
    return (0..<n).map { _ in (0..<dimension).map { _ in next() } }
}

/// Little-endian f32 bytes of rows, as a client sends them.
func bytes(_ rows: [[Float]]) -> Data {
    var out = Data()
    out.reserveCapacity(rows.count * (rows.first?.count ?? 0) * 4)
    for row in rows { for x in row { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } } }
    return out
}

@discardableResult
func writeIndex(_ rows: [[Float]], ids: [Int64]? = nil, metric: Metric = .l2, to path: String) throws -> HNSWIndex {
    let index = try HNSWIndex.build(rows, metric: metric, ids: ids, threads: 1)
    let tmp = path + ".tmp"
    _ = try index.save(to: tmp)
    guard rename(tmp, path) == 0 else { throw SochDBError.invalidArgument("rename \(tmp)") }
    return index
}

/// Runs `body` and checks it fails with status `code`; returns the error.
@discardableResult
func expectStatus(_ code: RPCError.Code, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation,
                  _ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        Issue.record("\(what): expected \(code), the call succeeded", sourceLocation: sourceLocation)
    } catch let error as RPCError {
        #expect(error.code == code, "\(what): \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("\(what): expected RPCError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
