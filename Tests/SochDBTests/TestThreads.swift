import Foundation

/// Runs `body(0..<count)` on `count` dedicated threads at once and waits for
/// all (`concurrentPerform` may serialise iterations when the pool is busy).
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchGroup()
    for i in 0..<count {
        done.enter()
        Thread { body(i); done.leave() }.start()
    }
    done.wait()
}
