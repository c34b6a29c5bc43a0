import GRPCCore
import NIOPosix

/// Threads for the CPU-bound part of a call (a search, an upsert), so that
/// Swift's cooperative executor, which runs every call's async code, never
/// blocks. Work is handed over in pieces, and before each one the call is
/// checked: gRPC signals a passed deadline or a client gone away through
/// the call's cancellation handle (not by cancelling its task), the
/// server's default deadline (DefaultDeadline) by cancelling the task.
struct Workers: Sendable {
    let pool: NIOThreadPool

    /// `body` on a worker thread; what it throws as the status the client
    /// sees (StatusMapping).
    func run<T: Sendable>(_ context: ServerContext, _ body: @escaping @Sendable () throws -> T) async throws(RPCError) -> T {
        if Task.isCancelled || context.cancellation.isCancelled {
            throw RPCError(code: .cancelled, message: "the call was cancelled (its deadline passed or the client went away)")
        }
        do { return try await pool.runIfActive(body) } catch { throw StatusMapping.rpcError(error) }
    }
}
