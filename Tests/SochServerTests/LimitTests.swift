import Foundation
import Testing
import SochClient
import SochDB
import SochWire
#if canImport(Glibc)
import Glibc
#endif

/// Every limit of docs/protocol/ipc.md: frame size, client count, idle
/// time-out, clients that never read, and one slow client not delaying others.
@Suite(.serialized) struct LimitTests {
    @Test func oversizedFrameIsRefusedBeforeAllocation() throws {
        let s = try TestServer { $0.maxFrameBytes = 1 << 20 }
        defer { s.stop() }
        let raw = try RawConnection(s.socketPath)
        raw.send([0x01, 0xFF, 0xFF, 0xFF, 0xFF])               // declares 4 GiB, sends nothing more
        guard case .error(let code, _)? = raw.readFrame() else { Issue.record("no ERROR frame"); return }
        #expect(code == 702)
        #expect(raw.isClosedByPeer())
        #expect(try s.client().ping() >= 0)                   // the server is fine

        // Requests before the oversized header still get their replies, in order.
        let raw2 = try RawConnection(s.socketPath)
        raw2.send(Request.executeSQL(sql: "SELECT 1", format: .json, parametersJSON: "").encodeFrame()
                  + Request.ping.encodeFrame() + [0x01, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect({ if case .value? = raw2.readFrame() { true } else { false } }())
        #expect({ if case .pong? = raw2.readFrame() { true } else { false } }())
        #expect({ if case .error(702, _)? = raw2.readFrame() { true } else { false } }())
        #expect(raw2.isClosedByPeer())
    }

    @Test func clientsPastTheLimitGetOneErrorAndAreClosed() throws {
        let limit = 5
        let s = try TestServer { $0.maxClients = limit }
        defer { s.stop() }
        let admitted = try (0..<limit).map { _ in try s.client() }
        for c in admitted { #expect(try c.ping() >= 0) }
        for _ in 0..<(limit + 10) {
            let raw = try RawConnection(s.socketPath)
            guard case .error(let code, let message)? = raw.readFrame() else { Issue.record("no ERROR frame"); continue }
            #expect(code == 702 && message.hasPrefix("limit exceeded: too many clients"))
            #expect(raw.isClosedByPeer())
        }
        for c in admitted { #expect(try c.ping() >= 0) }     // the admitted ones are untouched
        admitted[0].close()
        var ok = false
        for _ in 0..<100 where !ok {                           // a freed slot is reused
            usleep(10_000)
            ok = (try? s.client().ping()) != nil
        }
        #expect(ok)
    }

    @Test func idleConnectionIsClosedAndItsTransactionAborted() throws {
        let s = try TestServer { $0.idleTimeoutMilliseconds = 300 }
        defer { s.stop() }
        let idle = try s.client()
        _ = try idle.beginTransaction()
        try idle.put(bytes("k"), bytes("never committed"))
        let busy = try s.client()
        for _ in 0..<12 { usleep(50_000); _ = try busy.ping() } // 600 ms of activity on another connection
        #expect(throws: SochDBError.self) { _ = try idle.ping() }
        #expect(try busy.get(bytes("k")) == nil)
        #expect(try busy.stats()["active_transactions"] == .int(0))
    }

    @Test func aPipeliningClientThatReadsGetsRepliesPastTheOutputCap() throws {
        // 40 GETs of 256 KiB in flight (10 MiB of replies, ten times the
        // cap): the server runs them as the client reads, so nothing is cut.
        let s = try TestServer { $0.maxOutputBytes = 1 << 20 }
        defer { s.stop() }
        let c = try s.client()
        let big = (0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try c.put(bytes("big"), big)
        let replies = try c.pipeline(Array(repeating: .get(key: bytes("big")), count: 40))
        #expect(replies.count == 40 && replies.allSatisfy { $0 == .value(big) })
        #expect(try c.ping() < 5)
    }

    @Test func aClientThatNeverReadsIsCutOffAndOthersAreServed() throws {
        // Its replies stop at the socket's water mark (the server runs none
        // of its requests meanwhile), and the idle rule (no reply drained)
        // closes it.
        let s = try TestServer { $0.maxOutputBytes = 1 << 20; $0.idleTimeoutMilliseconds = 2_000 }
        defer { s.stop() }
        let c = try s.client()
        try c.put(bytes("big"), [UInt8](repeating: 7, count: 256 << 10))
        let hog = try RawConnection(s.socketPath, timeout: 10)
        let get = Request.get(key: bytes("big")).encodeFrame()
        // Pipeline GETs of 256 KiB each and never read a reply.
        // Others keep being served meanwhile (each check on a fresh
        // connection: a kept one would itself go idle while a send blocks).
        var sent = 0
        let start = ContinuousClock.now
        while sent < 2_000 {
            if !hog.send(get) { break }   // a full socket (the server stopped reading) or a close
            sent += 1
            if sent % 50 == 0 { #expect(try s.client(timeout: 5).get(bytes("big"))?.count == 256 << 10) }
        }
        // Either way the server must close it: EOF after the replies it did buffer.
        #expect(hog.isClosedByPeer())
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(try s.client(timeout: 5).ping() < 5)
    }

    @Test func aLongScanDoesNotStallAnotherConnectionsGet() throws {
        let s = try TestServer { $0.scanBatchPairs = 16 }
        defer { s.stop() }
        let c = try s.client()
        _ = try c.pipeline((0..<20_000).map { .put(key: bytes(String(format: "s%06d", $0)), value: [UInt8](repeating: 1, count: 100)) })
        // A scanner that reads its stream slowly, on its own thread.
        let scanner = try s.client()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? scanner.scan(prefix: bytes("s"), batchSize: 16) { (_: [KeyValue]) throws(SochDBError) in usleep(200) }
            done.signal()
        }
        usleep(50_000)
        let other = try s.client()
        for _ in 0..<50 { #expect(try other.get(bytes("s000001"))?.count == 100) }
        #expect(done.wait(timeout: .now()) == .timedOut, "the GETs finished while the scan was still streaming")
        #expect(done.wait(timeout: .now() + 60) == .success)
    }
}
