import Logging
import NIOCore
import NIOPosix
import SochDB
import SochWire

/// Sent down a connection's pipeline when the server shuts down: finish the
/// requests already received, then close.
struct DrainEvent: Sendable {}

/// One client connection: runs its requests one at a time, in order, and
/// enforces the per-connection limits.
///
/// - Order: replies leave in request order. Quick requests run on the event
///   loop; the rest run on the blocking pool while later frames wait.
/// - Back-pressure: the handler stops reading from the socket while
///   `maxQueuedRequests` frames wait, so a pipelining client cannot make the
///   server buffer requests without bound.
/// - A SCAN streams: the next batch is read only when the socket has room.
/// - Replies wait for the client: while the channel is not writable (its
///   unsent bytes passed the high-water mark) no further request of the
///   connection runs, so a client that pipelines large GETs and reads them
///   as they come is served whatever their total, and one that stops
///   reading holds at most the water mark plus one batch of replies.
/// - A hard cap on top: when a reply is due and the unsent replies already
///   pass `maxOutputBytes`, the connection is closed.
/// - Idle: no request received and no reply drained for the idle time-out
///   closes the connection (also a client that stopped reading its
///   replies). Closing aborts the open transaction.
///
/// Event-loop bound: every member is touched on the channel's event loop only.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = RawFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let executor: RequestExecutor
    private let pool: NIOThreadPool
    private let configuration: ServerConfiguration
    private let session: Session
    private let statistics: ServerStatistics
    private let logger: Logger

    private var context: ChannelHandlerContext?
    private var queue = CircularBuffer<RawFrame>()
    /// A request (or a scan) is running on the pool.
    private var busy = false
    /// A task of this connection is running on the pool (it may use the session).
    private var poolTaskInFlight = false
    /// The reply that ends the connection once the queued requests are done
    /// (an oversized frame was announced).
    private var fatal: Response?
    private var stream: ScanStream?
    private var streamWaitsForRoom = false
    /// Queued requests wait for the channel to become writable.
    private var requestsWaitForRoom = false
    private var readHeld = false
    private var draining = false
    private var closing = false
    /// Unsent reply bytes after the last write (to see the client drain them).
    private var lastUnsent = 0
    private var unflushed = false
    /// Replies not yet handed to the channel.
    private var out = ByteBufferAllocator().buffer(capacity: 256)
    private var lastActivity = NIODeadline.now()
    private var idleTask: RepeatedTask?

    init(executor: RequestExecutor, pool: NIOThreadPool, configuration: ServerConfiguration,
         statistics: ServerStatistics, logger: Logger) {
        self.executor = executor; self.pool = pool; self.configuration = configuration
        self.statistics = statistics; self.logger = logger
        session = Session(statistics: statistics)
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let timeout = TimeAmount.milliseconds(Int64(configuration.idleTimeoutMilliseconds))
        let check = TimeAmount.milliseconds(Int64(max(10, configuration.idleTimeoutMilliseconds / 4)))
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTask = context.eventLoop.scheduleRepeatedTask(initialDelay: check, delay: check) { _ in
            bound.value.checkIdle(timeout: timeout)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
        closing = true
        // A request on the pool may be using the transaction: its
        // completion aborts it instead (one thread at a time).
        if !poolTaskInFlight { session.abortOpenTransaction() }
        queue.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    private func close(_ reason: String) {
        guard !closing, let context else { return }
        closing = true
        logger.debug("closing connection: \(reason)")
        flushIfNeeded()
        context.close(promise: nil)
    }

    private func checkIdle(timeout: TimeAmount) {
        guard !closing else { return }
        // A request on the pool is progress (a long SQL statement, a
        // checkpoint); a scan waiting for the client to read is not.
        if busy && !streamWaitsForRoom { return }
        let unsent = (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        if unsent < lastUnsent { lastActivity = .now() }   // replies are draining
        lastUnsent = unsent
        if NIODeadline.now() - lastActivity >= timeout {
            logger.info("closing idle connection (no request or reply progress for \(configuration.idleTimeoutMilliseconds) ms)")
            close("idle")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent {
            draining = true
            closeIfDrained()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func closeIfDrained() {
        guard !busy && queue.isEmpty else { return }
        if let fatal {
            write(fatal)
            close("oversized frame")
        } else if draining {
            close("server shutting down")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? FrameTooLarge {
            // The stream cannot be framed past this header. The requests
            // before it still run and get their replies; then ERROR, close.
            statistics.requestsTotal.add(1, ordering: .relaxed)
            statistics.requestsError.add(1, ordering: .relaxed)
            fatal = ErrorCodes.response(.limitExceeded("frame declares \(e.declared) payload bytes; the limit is \(e.limit)"))
            pump()
            flushIfNeeded()
        } else {
            logger.debug("connection error: \(error)")
            close("error: \(error)")
        }
    }

    // MARK: requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        statistics.bytesReceived.add(FrameFormat.headerSize + frame.payload.count, ordering: .relaxed)
        lastActivity = .now()
        guard !closing else { return }
        queue.append(frame)
        // Requests run when the read ends, so that a pipelined run of writes
        // arrives whole and commits as one batch (``coalesceWrites``).
        if queue.count >= configuration.maxQueuedRequests { pump() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        pump()
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    /// Runs queued requests until one has to go to the pool.
    private func pump() {
        while !busy && !closing, !queue.isEmpty {
            // Back-pressure on replies: hand what is batched to the channel
            // once it is large, and run nothing more while the channel is
            // over its high-water mark (the client is behind on reading).
            if out.readableBytes >= Self.batchFlushBytes { flushIfNeeded() }
            if let context, !context.channel.isWritable {
                requestsWaitForRoom = true
                break
            }
            guard let frame = queue.popFirst() else { break }
            statistics.requestsTotal.add(1, ordering: .relaxed)
            let request: Request
            do { request = try Request.decode(opcode: frame.opcode, payload: frame.payload) } catch {
                handle(.reply(ErrorCodes.response(error)))
                continue
            }
            if executor.runsInline(request) {
                if let write = Self.plainWrite(request), session.transaction == nil {
                    coalesceWrites(first: write)
                } else {
                    handle(executor.execute(request, in: session))
                }
            } else {
                offload(request)
            }
        }
        releaseReadIfRoom()
        closeIfDrained()
    }

    /// A PUT or DELETE as one write of a batch.
    private static func plainWrite(_ r: Request) -> (key: [UInt8], value: [UInt8]?)? {
        switch r {
        case let .put(key, value): (key, value)
        case .delete(let key): (key, nil)
        default: nil
        }
    }

    /// Commits `first` and the PUTs and DELETEs queued right behind it (a
    /// pipelined run, up to `maxCoalescedWrites`) as one atomic batch, then
    /// answers each in order. Each request's effect and reply are what they
    /// would be alone; they only become visible together. If the batch fails
    /// (a bad key among them), each runs alone, so only the bad one fails.
    private func coalesceWrites(first: (key: [UInt8], value: [UInt8]?)) {
        var writes = [first]
        while writes.count < Self.maxCoalescedWrites, let next = queue.first,
              next.opcode == Opcode.put.rawValue || next.opcode == Opcode.delete.rawValue,
              let request = try? Request.decode(opcode: next.opcode, payload: next.payload),
              let write = Self.plainWrite(request) {
            _ = queue.popFirst()
            statistics.requestsTotal.add(1, ordering: .relaxed)
            writes.append(write)
        }
        if writes.count == 1 || (try? executor.database.write(writes)) == nil {
            for w in writes {
                let r: Request = w.value.map { .put(key: w.key, value: $0) } ?? .delete(key: w.key)
                handle(executor.execute(r, in: session))
            }
        } else {
            for _ in writes { handle(.reply(.ok)) }
        }
    }

    static let maxCoalescedWrites = 256

    private func offload(_ request: Request) {
        guard let context else { return }
        busy = true
        poolTaskInFlight = true
        let executor = self.executor, session = self.session
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        pool.runIfActive(eventLoop: context.eventLoop) { executor.execute(request, in: session) }
            .whenComplete { result in
                let me = bound.value
                me.busy = false
                me.poolTaskInFlight = false
                if me.closing {
                    me.session.abortOpenTransaction()
                    return
                }
                switch result {
                case .success(let outcome): me.handle(outcome)
                case .failure(let error): me.handle(.reply(ErrorCodes.response(.remote(code: 799, message: "\(error)"))))
                }
                me.pump()
                // No channelReadComplete follows a completion: flush what
                // this reply and the inline requests after it wrote.
                me.flushIfNeeded()
            }
    }

    private func handle(_ outcome: Outcome) {
        switch outcome {
        case .reply(let response):
            count(response)
            write(response)
        case .stream(let s):
            busy = true
            stream = s
            continueStream()
        }
    }

    private func count(_ response: Response) {
        if case .error = response { statistics.requestsError.add(1, ordering: .relaxed) }
        else { statistics.requestsSuccess.add(1, ordering: .relaxed) }
    }

    /// Fetches and writes the stream's next batch once the socket has room.
    private func continueStream() {
        guard let context, let stream, !closing else { return }
        guard context.channel.isWritable else { streamWaitsForRoom = true; return }
        streamWaitsForRoom = false
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        pool.runIfActive(eventLoop: context.eventLoop) { stream.next() }.whenComplete { result in
            let me = bound.value
            let reply: Response
            switch result {
            case .success(let r): reply = r
            case .failure(let error): reply = ErrorCodes.response(.remote(code: 799, message: "\(error)")); stream.abandon()
            }
            if stream.finished { me.count(reply) }
            me.write(reply)
            if stream.finished {
                me.stream = nil
                me.busy = false
                me.pump()
                me.flushIfNeeded()
            } else {
                me.flushIfNeeded()
                me.continueStream()
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && streamWaitsForRoom { continueStream() }
        if context.channel.isWritable && requestsWaitForRoom {
            requestsWaitForRoom = false
            lastActivity = .now()   // the client drained replies
            pump()
            flushIfNeeded()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: reading and writing

    func read(context: ChannelHandlerContext) {
        if hasRoomToRead(context) { context.read() } else { readHeld = true }
    }

    private func hasRoomToRead(_ context: ChannelHandlerContext) -> Bool {
        !draining && fatal == nil && queue.count < configuration.maxQueuedRequests
    }

    private func releaseReadIfRoom() {
        guard readHeld, let context, hasRoomToRead(context) else { return }
        readHeld = false
        context.read()
    }

    /// Appends the reply to the pending output buffer; replies of one read
    /// leave in one socket write (``flushIfNeeded()``).
    private func write(_ response: Response) {
        guard let context, !closing else { return }
        // Unsent bytes as the channel counts them, plus this batch's.
        let unsent = ((try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0) + out.readableBytes
        if unsent > configuration.maxOutputBytes {
            logger.warning("closing a connection that does not read its replies (\(unsent) bytes unsent)")
            close("output buffer over \(configuration.maxOutputBytes) bytes")
            return
        }
        if unsent < lastUnsent { lastActivity = .now() }   // the client drained some
        let before = out.readableBytes
        Self.encode(response, into: &out)
        let n = out.readableBytes - before
        statistics.bytesSent.add(n, ordering: .relaxed)
        lastUnsent = unsent + n
        unflushed = true
    }

    /// Batched replies past this size go to the channel before the next
    /// request runs, so the channel's writability sees them.
    static let batchFlushBytes = 64 << 10

    /// The frame of `response`, written straight into `buffer` (VALUE, the
    /// common large reply, without an intermediate array).
    static func encode(_ response: Response, into buffer: inout ByteBuffer) {
        switch response {
        case .value(let v):
            buffer.writeInteger(Opcode.value.rawValue)
            buffer.writeInteger(UInt32(v.count + 4), endianness: .little)
            buffer.writeInteger(UInt32(v.count), endianness: .little)
            buffer.writeBytes(v)
        case .ok, .notFound:
            buffer.writeInteger(response.opcode.rawValue)
            buffer.writeInteger(UInt32(0), endianness: .little)
        default:
            let payload = response.encodePayload()
            buffer.writeInteger(response.opcode.rawValue)
            buffer.writeInteger(UInt32(payload.count), endianness: .little)
            buffer.writeBytes(payload)
        }
    }

    private func flushIfNeeded() {
        guard unflushed, let context else { return }
        unflushed = false
        if out.readableBytes > 0 {
            context.write(wrapOutboundOut(out), promise: nil)
            out = context.channel.allocator.buffer(capacity: 256)
        }
        context.flush()
    }
}
