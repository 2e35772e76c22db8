import Testing

@testable import Telemetry

@Suite("Telemetry: the metric registry and its exposition text")
struct MetricRegistryTests {
    static func text(_ registry: MetricRegistry) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test("families are written once each, sorted by name, with their series sorted by labels")
    func order() {
        let registry = MetricRegistry()
        registry.gauge(name: "zeta", help: "Last.").set(2)
        for flag in ["b", "a-b", "a"] {
            registry.counter(name: "alpha_total", labels: [("flag_key", flag), ("source", "synthetic")], help: "First.")
                .increment(by: Int64(flag.utf8.count))
        }
        #expect(Self.text(registry) == """
            # HELP alpha_total First.
            # TYPE alpha_total counter
            alpha_total{flag_key="a",source="synthetic"} 1
            alpha_total{flag_key="a-b",source="synthetic"} 3
            alpha_total{flag_key="b",source="synthetic"} 1
            # HELP zeta Last.
            # TYPE zeta gauge
            zeta 2.0

            """)
        #expect(Self.text(registry) == Self.text(registry), "two scrapes of one state are the same bytes")
    }

    @Test("the same name and labels are the same series; other labels are another")
    func sameSeries() {
        let registry = MetricRegistry()
        let first = registry.counter(name: "c_total", labels: [("a", "1")], help: "C.")
        #expect(registry.counter(name: "c_total", labels: [("a", "1")], help: "C.") === first)
        #expect(registry.counter(name: "c_total", labels: [("a", "2")], help: "C.") !== first)
    }

    @Test("label values escape backslash, double quote and line feed; help text escapes backslash and line feed")
    func escaping() {
        let registry = MetricRegistry()
        registry.gauge(name: "g", labels: [("flag_key", "a\\b\"c\nd")], help: "One \\ two\nthree \"quoted\".").set(1)
        #expect(Self.text(registry) == """
            # HELP g One \\\\ two\\nthree "quoted".
            # TYPE g gauge
            g{flag_key="a\\\\b\\"c\\nd"} 1.0

            """)
    }

    @Test("counters: whole counts print as integers, counts with fractions as doubles; a mirrored total is one store")
    func counterValues() {
        let registry = MetricRegistry()
        let whole = registry.counter(name: "whole_total", help: "W.")
        whole.increment()
        whole.increment(by: Int64(41))
        let seconds = registry.counter(name: "seconds_total", help: "S.")
        seconds.increment(by: 0.25)
        seconds.increment(by: 1.0)
        let cpu = registry.counter(name: "cpu_seconds_total", help: "CPU.")
        cpu.set(total: 12.5)
        cpu.set(total: 13.75)
        let text = Self.text(registry)
        #expect(text.contains("\nwhole_total 42\n"))
        #expect(text.contains("\nseconds_total 1.25\n"))
        #expect(text.contains("\ncpu_seconds_total 13.75\n"))
    }

    @Test("a histogram writes cumulative buckets up to +Inf after its labels, then its sum and count")
    func histogram() {
        let registry = MetricRegistry()
        let histogram = registry.histogram(
            name: "latency_seconds", labels: [("handler", "/metrics")], buckets: [0.001, 0.01, 0.1], help: "L.")
        for value in [0.0005, 0.001, 0.05, 3] { histogram.record(value) }
        #expect(Self.text(registry) == """
            # HELP latency_seconds L.
            # TYPE latency_seconds histogram
            latency_seconds_bucket{handler="/metrics",le="0.001"} 2
            latency_seconds_bucket{handler="/metrics",le="0.01"} 2
            latency_seconds_bucket{handler="/metrics",le="0.1"} 3
            latency_seconds_bucket{handler="/metrics",le="+Inf"} 4
            latency_seconds_sum{handler="/metrics"} 3.0515
            latency_seconds_count{handler="/metrics"} 4

            """)
    }

    @Test("unregistering removes the series, and its family with the last one; a series no longer held is ignored")
    func unregistering() {
        let registry = MetricRegistry()
        let kept = registry.gauge(name: "g", labels: [("k", "kept")], help: "G.")
        let dropped = registry.gauge(name: "g", labels: [("k", "dropped")], help: "G.")
        registry.unregister(dropped)
        registry.unregister(dropped)
        #expect(Self.text(registry) == "# HELP g G.\n# TYPE g gauge\ng{k=\"kept\"} 0.0\n")

        let replacement = registry.gauge(name: "g", labels: [("k", "dropped")], help: "G.")
        replacement.set(5)
        registry.unregister(dropped)
        #expect(Self.text(registry).contains("g{k=\"dropped\"} 5.0\n"), "the old series' removal left its replacement")

        registry.unregister(kept)
        registry.unregister(replacement)
        #expect(Self.text(registry) == "", "no HELP or TYPE line is left for a family without series")
    }

    @Test("a reload's worth of series (20,000 in one family) registers, writes and unregisters completely")
    func manySeries() {
        let registry = MetricRegistry()
        let counters = (0..<20_000).map { index in
            registry.counter(name: "many_total", labels: [("flag_key", "flag-\(index)")], help: "M.")
        }
        for (index, counter) in counters.enumerated() { counter.increment(by: Int64(index)) }
        let lines = Self.text(registry).split(separator: "\n")
        #expect(lines.count == 20_002)
        #expect(lines.contains("many_total{flag_key=\"flag-19999\"} 19999"))
        for counter in counters.dropLast() { registry.unregister(counter) }
        #expect(Self.text(registry).split(separator: "\n").count == 3)
    }

    @Test("the decimal writer matches Swift's own for the edges of Int64 and UInt64", arguments: [
        Int64.min, -1, 0, 9, 10, 1_234_567_890, Int64.max,
    ])
    func decimals(value: Int64) {
        var buffer: [UInt8] = []
        ExpositionText.appendDecimal(value, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == String(value))
        buffer = []
        ExpositionText.appendDecimal(UInt64(bitPattern: value), to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == String(UInt64(bitPattern: value)))
    }

    @Test("the number writer gives Swift's description's bytes, shortcut or not", arguments: [
        0.0, -0.0, 1, -3, 100, 0.25, 1e-7, 12.5, 999_999_999_999_999, 1e15, -1e15, 1e16, 2.5e20, .infinity,
        -.infinity, .nan, .ulpOfOne, Double(Int64.max), -Double(Int64.max),
    ])
    func doubles(value: Double) {
        var buffer: [UInt8] = []
        ExpositionText.appendDouble(value, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == value.description)
    }

    @Test("the number writer agrees with description on 100,000 random whole and fractional values")
    func randomDoubles() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<100_000 {
            let magnitude = Double.random(in: 0..<2e15, using: &generator)
            let value = round.isMultiple(of: 2) ? magnitude.rounded() : magnitude
            var buffer: [UInt8] = []
            ExpositionText.appendDouble(round.isMultiple(of: 3) ? -value : value, to: &buffer)
            let expected = (round.isMultiple(of: 3) ? -value : value).description
            guard String(decoding: buffer, as: UTF8.self) == expected else {
                Issue.record("\(String(decoding: buffer, as: UTF8.self)) != \(expected)")
                return
            }
        }
    }

    @Test("metric and label names: the exposition format's grammar", arguments: [
        ("feature_flag_evaluations_total", true, true), ("a:b", true, false), ("_x9", true, true),
        ("9x", false, false), ("", false, false), ("a-b", false, false), ("é", false, false),
    ])
    func names(name: String, validMetric: Bool, validLabel: Bool) {
        #expect(ExpositionText.isValidMetricName(name) == validMetric)
        #expect(ExpositionText.isValidLabelName(name) == validLabel)
    }
}
