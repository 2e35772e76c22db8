import BlockingWork
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Flags and counters shared with jobs on the pool.
private final class Shared: Sendable {
    let running = Atomic<Int>(0)
    let mostAtOnce = Atomic<Int>(0)
    let started = Atomic<Bool>(false)
    let firstEnded = Atomic<Bool>(false)
}

@Suite("Blocking work: jobs on swift-nio's pool, one at a time where they must not overlap")
struct SerialBlockingQueueTests {
    @Test("jobs given at once from many tasks never overlap, and each returns its own result")
    func neverOverlap() async {
        let queue = BlockingWork.shared.serialQueue()
        let shared = Shared()
        let results = await withTaskGroup(of: Int.self, returning: [Int].self) { group in
            for number in 0..<16 {
                group.addTask {
                    await queue.run {
                        let now = shared.running.add(1, ordering: .sequentiallyConsistent).newValue
                        shared.mostAtOnce.max(now, ordering: .sequentiallyConsistent)
                        usleep(1_000)
                        shared.running.subtract(1, ordering: .sequentiallyConsistent)
                        return number * number
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(shared.mostAtOnce.load(ordering: .sequentiallyConsistent) == 1)
        #expect(results.sorted() == (0..<16).map { $0 * $0 })
    }

    @Test("a job given while another runs waits for it; runAndWait blocks until its own job is done")
    func laterJobWaits() async {
        let queue = BlockingWork.shared.serialQueue()
        let shared = Shared()
        async let first: Void = queue.run {
            shared.started.store(true, ordering: .sequentiallyConsistent)
            usleep(50_000)
            shared.firstEnded.store(true, ordering: .sequentiallyConsistent)
        }
        while !shared.started.load(ordering: .sequentiallyConsistent) { await Task.yield() }
        // Blocks this test's thread, as the synchronous commands block theirs.
        let sawFirstEnded = queue.runAndWait { shared.firstEnded.load(ordering: .sequentiallyConsistent) }
        #expect(sawFirstEnded, "the second job ran while the first was still running")
        await first
    }

    @Test("plain jobs run off the calling task and return their value")
    func plainJob() async {
        let value = await BlockingWork.shared.run { (1...10).reduce(0, +) }
        #expect(value == 55)
    }
}
