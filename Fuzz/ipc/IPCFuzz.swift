// Fuzz target: a client's byte stream as sochdb-server reads it. The input
// is cut into frames as FrameDecoder does (1-byte opcode, u32 LE length,
// payload; a declared length over the 16 MiB cap or past the input ends
// the stream), each frame is decoded by SochWire's Request.decode and run
// by the server's RequestExecutor on a scratch database (at most 16
// requests per input; CHECKPOINT is decoded but not run, it fsyncs). A
// SCAN's stream is drained. Checks beyond "no crash": a request that
// decodes re-encodes to a payload that decodes to the same request (same
// bytes again); every
// reply encodes to a frame that decodes back as a response.
import FuzzSupport
import Foundation
import SochDB
import SochWire
@testable import SochServer

private let statistics = ServerStatistics()
private let executor: RequestExecutor = {
    let directory = scratchDirectory("ipc")
    let database = try! Database.open(directory)
    try! database.put(Array("k1".utf8), Array("v1".utf8))
    _ = try! database.executeSQL("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    return RequestExecutor(database: database, statistics: statistics, scanBatchPairs: 4, scanBatchBytes: 256,
                           durableCommits: false)
}()
private let maxPayload = 16 << 20

private func checkReply(_ response: Response) {
    let frame = response.encodeFrame()
    let payload = Array(frame[FrameFormat.headerSize...])
    do { _ = try Response.decode(opcode: frame[0], payload: payload) } catch {
        fatalError("reply \(response) does not decode: \(error)")
    }
}

@_cdecl("fuzz_ipc_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzIPC(inputBytes(data), size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIPC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let session = Session(statistics: statistics)
    defer { session.abortOpenTransaction() }
    var at = 0
    var requests = 0
    while size - at >= FrameFormat.headerSize, requests < 16 {
        let opcode = bytes[at]
        let length = Int(bytes[at + 1]) | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) << 16 | Int(bytes[at + 4]) << 24
        guard length <= maxPayload, size - at - FrameFormat.headerSize >= length else { break }
        let payload = Array(bytes[(at + FrameFormat.headerSize)..<(at + FrameFormat.headerSize + length)])
        at += FrameFormat.headerSize + length
        requests += 1
        let request: Request
        do { request = try Request.decode(opcode: opcode, payload: payload) } catch {
            checkReply(ErrorCodes.response(error))
            continue
        }
        do {
            let again = try Request.decode(opcode: request.opcode.rawValue, payload: request.encodePayload())
            // Compared as bytes: a vector may hold NaN, which is not == itself.
            require(again.encodePayload() == request.encodePayload(), "request \(request) re-decodes as \(again)")
        } catch {
            fatalError("request \(request) re-encodes to a payload that does not decode: \(error)")
        }
        if case .checkpoint = request { continue }
        switch executor.execute(request, in: session) {
        case .reply(let response): checkReply(response)
        case .stream(let stream):
            while !stream.finished { checkReply(stream.next()) }
        }
    }
    return 0
}
