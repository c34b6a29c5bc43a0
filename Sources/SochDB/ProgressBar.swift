import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress bar on stderr: `[#####-----] 30000/60000  8,950 vec/s  ETA 3s`.
/// Redraws in place on a terminal (at most 10 times a second); elsewhere
/// prints a line at every 10%. Thread-safe: `update` may be called from
/// build workers.
public final class ProgressBar: Sendable {
    private let total: Int
    private let start = DispatchTime.now().uptimeNanoseconds
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let state = Mutex<(lastDraw: UInt64, lastDecile: Int)>((0, -1))

    public init(total: Int) { self.total = max(total, 1) }

    public func update(_ done: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        let line: String? = state.withLock { s in
            if isTerminal {
                guard now - s.lastDraw > 100_000_000 || done >= total else { return nil }
                s.lastDraw = now
                return "\r" + render(done, now)
            }
            let decile = done * 10 / total
            guard decile > s.lastDecile else { return nil }
            s.lastDecile = decile
            return render(done, now) + "\n"
        }
        if let line { writeStandardError(line) }
    }

    public func finish() {
        update(total)
        if isTerminal { writeStandardError("\n") }
    }

    private func render(_ done: Int, _ now: UInt64) -> String {
        let seconds = Double(now - start) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 30, filled = width * min(done, total) / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "[\(bar)] \(done)/\(total)  \(Int(rate)) vec/s  ETA \(Int(eta.rounded()))s"
    }
}

/// Writes `text` to file descriptor 2 unbuffered.
public func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { return }
        done += n
    }
}
