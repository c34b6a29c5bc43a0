import Foundation
import Synchronization

/// The server's counters, reported by STATS beside the engine's (upstream's
/// names). Lock-free; any thread.
final class ServerStatistics: Sendable {
    let connectionsTotal = Atomic<Int>(0)
    let connectionsActive = Atomic<Int>(0)
    let connectionsRejected = Atomic<Int>(0)
    let requestsTotal = Atomic<Int>(0)
    let requestsSuccess = Atomic<Int>(0)
    let requestsError = Atomic<Int>(0)
    let bytesReceived = Atomic<Int>(0)
    let bytesSent = Atomic<Int>(0)
    let activeTransactions = Atomic<Int>(0)
    let started = Date()

    var fields: [(String, Int)] {
        [("connections_total", connectionsTotal.load(ordering: .relaxed)),
         ("connections_active", connectionsActive.load(ordering: .relaxed)),
         ("connections_rejected", connectionsRejected.load(ordering: .relaxed)),
         ("requests_total", requestsTotal.load(ordering: .relaxed)),
         ("requests_success", requestsSuccess.load(ordering: .relaxed)),
         ("requests_error", requestsError.load(ordering: .relaxed)),
         ("bytes_received", bytesReceived.load(ordering: .relaxed)),
         ("bytes_sent", bytesSent.load(ordering: .relaxed)),
         ("uptime_secs", Int(Date().timeIntervalSince(started))),
         ("active_transactions", activeTransactions.load(ordering: .relaxed))]
    }
}
