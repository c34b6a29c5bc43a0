import GRPCCore
import Synchronization

/// grpc.health.v1: SERVING for the server ("") and each service it
/// registers while it runs, NOT_SERVING once shutdown begins. Check on an
/// unknown service is NOT_FOUND; Watch sends the status now and each change
/// after it (SERVICE_UNKNOWN for an unknown service), until the call ends
/// or the server shuts down (its last message then is NOT_SERVING). Watch
/// is exempt from the server's default deadline.
final class HealthStatus: Sendable {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus
    private struct State {
        var serving = true
        var watchers: [Int: AsyncStream<Bool>.Continuation] = [:]
        var nextWatcher = 0
    }
    let services: Set<String>
    private let state = Mutex(State())

    init(services: [String]) { self.services = Set(services + [""]) }

    func status(of service: String) -> Status? {
        guard services.contains(service) else { return nil }
        return state.withLock { $0.serving } ? .serving : .notServing
    }

    /// Marks every service NOT_SERVING and tells the watchers.
    func stopServing() {
        let watchers = state.withLock { s -> [AsyncStream<Bool>.Continuation] in
            s.serving = false
            return Array(s.watchers.values)
        }
        for w in watchers { w.yield(false) }
    }

    /// A stream of serving changes, and the call that ends it.
    func watch() -> (AsyncStream<Bool>, @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { s -> Int in
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = continuation
            return s.nextWatcher
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) } }
        return (stream, { continuation.finish() })
    }
}

struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    let health: HealthStatus

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = health.status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \"\(request.service)\"")
        }
        return .with { $0.status = status }
    }

    func watch(request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
               context: ServerContext) async throws {
        let (changes, end) = health.watch()
        defer { end() }
        var last = health.status(of: request.service) ?? .serviceUnknown
        try await response.write(.with { $0.status = last })
        // A server shutting down ends its watches once they know.
        if last == .notServing { return }
        // gRPC tells a handler that its call ended (client gone, deadline)
        // through the call's cancellation handle, not by cancelling its task.
        try await withRPCCancellationHandler {
            for await serving in changes {
                let now = serving ? health.status(of: request.service) ?? .serviceUnknown : .notServing
                if now != last { last = now; try await response.write(.with { $0.status = now }) }
                if !serving { return }
            }
        } onCancelRPC: { end() }
    }
}
