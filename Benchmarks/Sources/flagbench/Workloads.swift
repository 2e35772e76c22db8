import CHeapUsage
import FlagConfig
import FlagEngine

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark workloads; each returns its result line.
enum Workloads {
    private static let origin = ContinuousClock.now

    static func monotonicSeconds() -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// Workload W's flag: rollout 25%, rule `user_type == 'admin'` -> on at priority 100.
    static let workloadFlagSet: FlagSet = {
        let flag = FlagDefinition(
            key: "W", state: .rollout, defaultVariant: "off",
            variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
            rollout: Rollout(strategy: .percentage(25)),
            targetingRules: [
                TargetingRule(
                    name: "admin", condition: try! Condition(parsing: "user_type == 'admin'"), variant: "on",
                    priority: 100)
            ])
        return try! FlagSet(flags: [flag])
    }()

    static let users = 1_000_000

    /// `"user-<i>"`, written as the C floor's `utoa` writes it (the digits of a `uint32_t`) straight into the new
    /// string's storage: `String(unsafeUninitializedCapacity:)` fills a small string in place, where `String(decoding:)`
    /// of a stack buffer copied it in byte by byte (about 70 instructions more per id, counted with callgrind). The
    /// prefix is five stores, not a copy loop or `memcpy` (30-60 instructions more).
    @inline(__always)
    static func userID(_ number: Int) -> String {
        let value = UInt32(truncatingIfNeeded: number)
        let count = 5 + decimalDigits(value)
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer[0] = UInt8(ascii: "u")
            buffer[1] = UInt8(ascii: "s")
            buffer[2] = UInt8(ascii: "e")
            buffer[3] = UInt8(ascii: "r")
            buffer[4] = UInt8(ascii: "-")
            writeDecimal(value, into: buffer, endingAt: count)
            return count
        }
    }

    /// The number of decimal digits of `value`.
    @inline(__always)
    static func decimalDigits(_ value: UInt32) -> Int {
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        return digits
    }

    /// Writes `value`'s decimal digits so that the last one is at `end - 1`.
    @inline(__always)
    static func writeDecimal(_ value: UInt32, into buffer: UnsafeMutableBufferPointer<UInt8>, endingAt end: Int) {
        var value = value
        var index = end - 1
        repeat {
            let quotient = value / 10
            buffer[index] = UInt8(truncatingIfNeeded: 48 &+ value &- quotient &* 10)
            value = quotient
            index -= 1
        } while value > 0
    }

    /// One pass of W over all users, the context built inside the loop: one context per thread whose two fields are
    /// set for each user, as the synthetic runner does. Returns the number of `on` results.
    @inline(never)
    static func passW(_ set: FlagSet) -> Int {
        var on = 0
        var context = EvaluationContext()
        for number in 0..<users {
            context.userID = userID(number)
            context.userType = number % 10 == 0 ? "admin" : "user"
            if set.isEnabled("W", in: context) { on += 1 }
        }
        return on
    }

    /// The same pass with a new `EvaluationContext` value per user and the full `EvaluationResult`, as an
    /// application calling `evaluate` once per request would; reported beside W, not instead of it.
    @inline(never)
    static func passWFreshContext(_ set: FlagSet) -> Int {
        var on = 0
        for number in 0..<users {
            let context = EvaluationContext(userID: userID(number), userType: number % 10 == 0 ? "admin" : "user")
            if set.evaluate("W", in: context).value == .bool(true) { on += 1 }
        }
        return on
    }

    static func singleThread(name: String = "W", set: FlagSet = workloadFlagSet, pass: (FlagSet) -> Int = passW) -> String {
        var on = 0
        var times: [Double] = []
        for _ in 0..<3 {
            let start = monotonicSeconds()
            on = pass(set)
            times.append(monotonicSeconds() - start)
        }
        let seconds = median(times)
        return "workload=\(name) evals_per_sec=\(Int(Double(users) / seconds)) ns_per_eval=\(format(seconds / Double(users) * 1e9)) on=\(on)"
    }

    static func allCores() -> String {
        let threads = Int(ProcessEnvironmentReader.value("FLAGBENCH_THREADS") ?? "") ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let set = workloadFlagSet
        var times: [Double] = []
        var on = 0
        for _ in 0..<3 {
            let results = ResultBox(count: threads)
            let start = monotonicSeconds()
            let workers = (0..<threads).map { index in
                Worker { results.store(passW(set), at: index) }
            }
            for worker in workers { worker.join() }
            times.append(monotonicSeconds() - start)
            on = results.values[0]
            precondition(Set(results.values).count == 1, "threads disagree")
        }
        let seconds = median(times)
        let total = Double(users * threads)
        return "workload=W8 threads=\(threads) evals_per_sec=\(Int(total / seconds)) ns_per_eval=\(format(seconds / total * 1e9)) on=\(on)"
    }

    static func reload10k() -> String {
        let yaml = GeneratedConfig.yaml(flags: 10_000)
        var times: [Double] = []
        var bytesPerFlag = 0
        for _ in 0..<5 {
            let before = heap_bytes_in_use()
            let start = monotonicSeconds()
            let loaded = try! FlagConfigLoader.load(base: ConfigText(name: "generated.yaml", text: yaml), environment: "production")
            times.append(monotonicSeconds() - start)
            // Heap still held once only the FlagSet survives: parse trees and diagnostics are gone by now.
            let flagSet = loaded.flagSet
            let held = Int(heap_bytes_in_use()) - Int(before)
            bytesPerFlag = held / flagSet.count
            precondition(flagSet.count == 10_000)
        }
        return "workload=reload-10k ms=\(format(median(times) * 1000)) bytes_per_flag=\(bytesPerFlag) flags=10000 yaml_bytes=\(yaml.utf8.count)"
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return String(rounded)
    }
}

/// Per-thread results, each slot written by one thread before the join that precedes every read.
final class ResultBox: @unchecked Sendable {
    // @unchecked: each index is written by exactly one worker, and read only after all workers are joined.
    private(set) var values: [Int]
    init(count: Int) { values = Array(repeating: 0, count: count) }
    func store(_ value: Int, at index: Int) { values[index] = value }
}

/// A joinable POSIX thread.
final class Worker: @unchecked Sendable {
    // @unchecked: `handle` is written once in init, before the object is shared, then only read by join().
    private var handle = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&handle, nil, { argument in
            Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box)
    }

    func join() { pthread_join(handle, nil) }
}

enum ProcessEnvironmentReader {
    static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
