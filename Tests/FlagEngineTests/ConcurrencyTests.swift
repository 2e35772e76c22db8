import FlagEngine
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Shared state of the swap test; atomics are not copyable, so they live in one shared object.
final class Counters: Sendable {
    let done = Atomic<Bool>(false)
    let failures = Atomic<Int>(0)
    let evaluations = Atomic<Int>(0)
}

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("8 threads evaluate while another swaps FlagSets 1,000 times: every result comes from the old or new set")
    func swapUnderLoad() {
        @Sendable func makeSet(_ generation: Int) -> FlagSet {
            let variant = Variant(name: "gen\(generation % 2)", value: .int(generation % 2))
            return TestFlags.set(
                TestFlags.flag(
                    "f", state: .enabled, variants: [variant, Variant(name: "off", value: .bool(false))],
                    rules: [TestFlags.rule("r\(generation % 2)", "user_type == 'x'", variant.name)]))
        }
        let store = FlagStore(makeSet(0))
        let counters = Counters()
        // Real OS threads: busy evaluators on the 2-thread cooperative pool would starve the swapper.
        var threads = (0..<8).map { thread in
            OSThread {
                var local = 0
                while !counters.done.load(ordering: .acquiring) {
                    let snapshot = store.snapshot
                    let result = snapshot.evaluate("f", in: EvaluationContext(userID: "u\(thread)", userType: "x"))
                    // A consistent snapshot: the rule and the variant come from the same generation.
                    let consistent =
                        (result.variant == "gen0" && result.rule == "r0" && result.value == .int(0))
                        || (result.variant == "gen1" && result.rule == "r1" && result.value == .int(1))
                    if !consistent { counters.failures.add(1, ordering: .relaxed) }
                    local += 1
                }
                counters.evaluations.add(local, ordering: .relaxed)
            }
        }
        threads.append(
            OSThread {
                for generation in 1...1000 {
                    store.replace(with: makeSet(generation))
                    if generation % 50 == 0 { sched_yield() }
                }
                counters.done.store(true, ordering: .releasing)
            })
        for thread in threads { thread.join() }
        #expect(counters.failures.load(ordering: .relaxed) == 0)
        #expect(counters.evaluations.load(ordering: .relaxed) > 0)
    }
}

/// A joinable POSIX thread running `body`.
final class OSThread: @unchecked Sendable {
    // @unchecked: `handle` is written once in init before any other thread can see this object, then only read.
    private var handle = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let status = pthread_create(&handle, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
    }

    func join() { pthread_join(handle, nil) }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
