/// The exporter itself: its build, and the standard `process_*` metrics read from `/proc` at scrape time, as the
/// Prometheus client libraries read them.
final class ProcessCollector: ScrapeTimeCollector {
    private let cpu: Counter
    private let resident: Gauge
    private let virtual: Gauge
    private let openFDs: Gauge
    private let maximumFDs: Gauge
    private let start: Gauge

    init(registry: MetricRegistry, version: String, revision: String, swiftVersion: String) {
        registry.gauge(
            name: "feature_flag_exporter_build_info",
            labels: [("version", version), ("revision", revision), ("swift_version", swiftVersion)],
            help: "Build information of the exporter; always 1."
        ).set(1.0)
        cpu = registry.counter(name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.")
        resident = registry.gauge(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.")
        virtual = registry.gauge(name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.")
        openFDs = registry.gauge(name: "process_open_fds", help: "Number of open file descriptors.")
        maximumFDs = registry.gauge(name: "process_max_fds", help: "Maximum number of open file descriptors.")
        start = registry.gauge(
            name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.")
    }

    func collect(at now: Double) {
        guard let process = ProcessMetrics.current() else { return }
        cpu.set(total: process.cpuSeconds)
        resident.set(process.residentMemoryBytes)
        virtual.set(process.virtualMemoryBytes)
        openFDs.set(process.openFileDescriptors)
        maximumFDs.set(process.maximumFileDescriptors)
        start.set(process.startTimeSeconds)
    }
}
