import GRPCCore

/// Gives a call whose client set no deadline (no `grpc-timeout` header) the
/// server's default one. When it passes, the call's work is cancelled and
/// the client gets DEADLINE_EXCEEDED. Both phases of a call are covered:
/// the handler (where a unary or client-streaming call does its work) and
/// the response producer (where a server-streaming call does). Health's Watch, which
/// lasts as long as its client wants, has none.
struct DefaultDeadline: ServerInterceptor {
    let duration: Duration

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if request.metadata[stringValues: "grpc-timeout"].first(where: { _ in true }) != nil
            || context.descriptor == Grpc_Health_V1_Health.Method.Watch.descriptor {
            return try await next(request, context)
        }
        let deadline = ContinuousClock.now.advanced(by: duration)
        let response = try await bounded(by: deadline, context) { try await next(request, context) }
        guard case .success(var contents) = response.accepted else { return response }
        let producer = contents.producer
        contents.producer = { writer in try await self.bounded(by: deadline, context) { try await producer(writer) } }
        return StreamingServerResponse(accepted: .success(contents))
    }

    /// Runs `work` in a child task, racing a timer. At `deadline` the call
    /// is cancelled both ways grpc-swift code may look (the call's handle,
    /// which Workers checks, and the task, which ends a wait for the next
    /// request message) and DEADLINE_EXCEEDED is thrown once `work` has
    /// stopped, with the metadata of what it threw (such as Upsert's
    /// committed count).
    private func bounded<T: Sendable>(by deadline: ContinuousClock.Instant, _ context: ServerContext,
                                      _ work: @Sendable () async throws -> T) async throws -> T {
        try await withoutActuallyEscaping(work) { work in
            // The group awaits both children before it returns, so `work`
            // does not outlive this call.
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return nil
                }
                // The first child to finish: `work` (a value, or its error
                // thrown from here) or the timer (nil).
                if let value = try await group.next()! {
                    group.cancelAll()
                    return value
                }
                context.cancellation.cancel()
                group.cancelAll()
                var metadata: Metadata = [:]
                do { _ = try await group.next() } catch let e as RPCError { metadata = e.metadata } catch {}
                throw RPCError(code: .deadlineExceeded,
                               message: "the server's default deadline of \(duration) passed (set a deadline on the call to choose another)",
                               metadata: metadata)
            }
        }
    }
}
