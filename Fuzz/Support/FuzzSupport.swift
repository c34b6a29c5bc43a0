// What every fuzz target needs: the entry point into libFuzzer, checks that
// keep their message in a release build, and a scratch directory.
import CFuzzing
import Foundation

/// Runs libFuzzer on `test`. Each target's `fuzz_<name>_main` calls this:
/// SwiftPM links the executable with `--defsym main=<module>_main`, and
/// libFuzzer brings no `main` of its own to a program that has one.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                      _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var argc = argc
    var argv = Optional(argv)
    return LLVMFuzzerRunDriver(&argc, &argv, test)
}

/// libFuzzer's input as a pointer that is never nil (an empty input may
/// come as nil; nothing is read from it then).
public func inputBytes(_ data: UnsafePointer<UInt8>?) -> UnsafePointer<UInt8> {
    data ?? UnsafePointer(bitPattern: 1)!
}

/// A failed check traps with its message (a release build drops the
/// message of `precondition`, not the trap).
public func require(_ condition: Bool, _ message: @autoclosure () -> String = "") {
    if !condition { fatalError(message()) }
}

/// A fresh directory for this process's scratch files (`target` names it).
public func scratchDirectory(_ target: String) -> String {
    let directory = NSTemporaryDirectory() + "sochdb-fuzz-\(target)-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
        fatalError("cannot create \(directory): \(error)")
    }
    return directory
}

/// Replaces the file at `path` with `bytes`.
public func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    require(fd >= 0, "cannot create \(path)")
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        require(n > 0, "cannot write \(path)")
        done += n
    }
}

/// Checks the input as given and, when `repair` changes it (its checksums
/// recomputed, so that mutations get past them), the repaired input too:
/// the body of the file-format targets.
public func checkAsGivenAndRepaired(_ data: UnsafePointer<UInt8>, _ size: Int,
                                    repair: ([UInt8]) -> [UInt8], check: ([UInt8]) -> Void) {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    check(input)
    let fixed = repair(input)
    if fixed != input { check(fixed) }
}
