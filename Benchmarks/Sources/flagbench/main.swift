// flagbench: the benchmark workloads of Benchmarks/Floor/WORKLOADS.md.
//
// Usage: flagbench W | W8 | reload-10k | W-evaluate | W-flagd | W-unleash | W-string-floor | scrape-1k | synthetic-100k |
//        push-1k | configure-1k | configure-2k | configure-4k | all
// (the ofrep workload needs a running server and wrk: scripts/bench-ofrep.sh; push-1k starts prometheus-pushgateway,
// or pushes to FLAGBENCH_PUSHGATEWAY)
// W-evaluate is not a WORKLOADS.md workload: it is W through `evaluate` with a new context value per user, reported
// so that the cost of the full result is visible beside W. W-flagd and W-unleash are W on the murmur3 formats (a flagd
// fractional flag, an Unleash flexibleRollout toggle), beside the C floor's murmur3 line. W-string-floor is that C line's
// loop written in Swift with its key built as a String: no engine at all, the floor of a String-keyed evaluation here.
// configure-Nk is not a WORKLOADS.md workload either: what a reload of N flags costs the metrics (their zero-valued
// series made in the registry), reported to show that it grows linearly with N (it grew with N² on swift-prometheus).
// Each workload prints one line: `workload=<name> key=value ...`.
import FlagConfig
import FlagEngine

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
let workloads: [String: () -> String] = [
    "W": { Workloads.singleThread() },
    "W8": { Workloads.allCores() },
    "reload-10k": { Workloads.reload10k() },
    "W-evaluate": { Workloads.singleThread(name: "W-evaluate", pass: Workloads.passWFreshContext) },
    "scrape-1k": { ExporterWorkloads.scrape1k() },
    "synthetic-100k": { ExporterWorkloads.synthetic() },
    "push-1k": { PushWorkload.push1k() },
    "W-flagd": { MurmurWorkloads.flagd() },
    "W-unleash": { MurmurWorkloads.unleash() },
    "W-string-floor": { MurmurWorkloads.swiftStringFloor() },
    "configure-1k": { ExporterWorkloads.configure(flags: 1_000) },
    "configure-2k": { ExporterWorkloads.configure(flags: 2_000) },
    "configure-4k": { ExporterWorkloads.configure(flags: 4_000) },
]
let order = [
    "W", "W8", "reload-10k", "W-evaluate", "W-flagd", "W-unleash", "W-string-floor", "scrape-1k", "synthetic-100k", "push-1k", "configure-1k",
    "configure-2k", "configure-4k",
]

guard let name = arguments.first, name == "all" || workloads[name] != nil else {
    let usage = "usage: flagbench \(order.joined(separator: " | ")) | all\n"
    _ = usage.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    exit(2)
}
for workload in name == "all" ? order : [name] {
    print(workloads[workload]!())
}
