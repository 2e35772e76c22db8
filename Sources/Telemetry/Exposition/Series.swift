import Locking
import Synchronization

/// One series of a metric family: its labels, and how it writes its sample lines.
protocol ExposedSeries: AnyObject, Sendable {
    /// The type every series of the family has.
    static var type: MetricType { get }
    /// The name of the family it belongs to.
    var familyName: String { get }
    var labels: LabelSet { get }
    /// Appends the series' sample lines, reading its value(s) as they are now.
    func write(into buffer: inout [UInt8])
}

/// A value that only goes up: a count (whole increments, one atomic add each), or a total mirrored from a cumulative
/// source read at scrape time (``set(total:)``, e.g. CPU seconds). Thread-safe.
final class Counter: ExposedSeries {
    static let type = MetricType.counter
    let familyName: String
    let labels: LabelSet
    private let linePrefix: [UInt8]
    private let whole = Atomic<Int64>(0)
    private let fractionalBits = Atomic<UInt64>(0.0.bitPattern)

    init(name: String, labels: LabelSet) {
        familyName = name
        self.labels = labels
        linePrefix = ExpositionText.samplePrefix(name: name, labels: labels)
    }

    /// Adds `amount` (≥ 0).
    func increment(by amount: Int64 = 1) {
        precondition(amount >= 0, "a counter only goes up")
        whole.wrappingAdd(amount, ordering: .relaxed)
    }

    /// Adds `amount` (≥ 0), for counts that are not whole (seconds).
    func increment(by amount: Double) {
        precondition(amount >= 0, "a counter only goes up")
        var bits = fractionalBits.load(ordering: .relaxed)
        while true {
            let (exchanged, original) = fractionalBits.compareExchange(
                expected: bits, desired: (Double(bitPattern: bits) + amount).bitPattern, ordering: .relaxed)
            if exchanged { return }
            bits = original
        }
    }

    /// Sets the total of a counter that mirrors a cumulative source (such as the process's CPU seconds), in one store,
    /// so that no scrape sees it drop between a reset and an increment. Not to be mixed with ``increment(by:)``.
    func set(total: Double) {
        fractionalBits.store(total.bitPattern, ordering: .relaxed)
    }

    func write(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: linePrefix)
        let fractional = Double(bitPattern: fractionalBits.load(ordering: .relaxed))
        let whole = whole.load(ordering: .relaxed)
        if fractional == 0 {
            ExpositionText.appendDecimal(whole, to: &buffer)
        } else {
            ExpositionText.appendDouble(fractional + Double(whole), to: &buffer)
        }
        buffer.append(UInt8(ascii: "\n"))
    }
}

/// A value that goes up and down, set whole. Thread-safe (one atomic store).
final class Gauge: ExposedSeries {
    static let type = MetricType.gauge
    let familyName: String
    let labels: LabelSet
    private let linePrefix: [UInt8]
    private let bits = Atomic<UInt64>(0.0.bitPattern)

    init(name: String, labels: LabelSet) {
        familyName = name
        self.labels = labels
        linePrefix = ExpositionText.samplePrefix(name: name, labels: labels)
    }

    /// Sets the value.
    func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// The value as it stands.
    var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }

    func write(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: linePrefix)
        ExpositionText.appendDouble(value, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
    }
}

/// Observations counted into cumulative buckets, with their sum and count. Thread-safe (a lock per histogram, held
/// for one observation or one write).
final class Histogram: ExposedSeries {
    static let type = MetricType.histogram
    let familyName: String
    let labels: LabelSet
    private let upperBounds: [Double]
    /// `name_bucket{labels,le="bound"} ` for each bound, then `+Inf`; `name_sum{labels} `; `name_count{labels} `.
    private let bucketPrefixes: [[UInt8]]
    private let sumPrefix: [UInt8]
    private let countPrefix: [UInt8]
    private let state: Locked<State>

    private struct State {
        /// Observations at or below each bound (cumulative, as exposed).
        var bucketCounts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    init(name: String, labels: LabelSet, buckets: [Double]) {
        familyName = name
        self.labels = labels
        upperBounds = buckets
        bucketPrefixes = (buckets.map(\.description) + ["+Inf"]).map { bound in
            ExpositionText.samplePrefix(name: name + "_bucket", labels: labels.adding(name: "le", value: bound))
        }
        sumPrefix = ExpositionText.samplePrefix(name: name + "_sum", labels: labels)
        countPrefix = ExpositionText.samplePrefix(name: name + "_count", labels: labels)
        state = Locked(State(bucketCounts: Array(repeating: 0, count: buckets.count)))
    }

    /// Counts one observation of `value`.
    func record(_ value: Double) {
        state.withLock { state in
            for index in upperBounds.indices where value <= upperBounds[index] {
                state.bucketCounts[index] += 1
            }
            state.sum += value
            state.count += 1
        }
    }

    func write(into buffer: inout [UInt8]) {
        let state = state.withLock { $0 }
        for (prefix, count) in zip(bucketPrefixes, state.bucketCounts + [state.count]) {
            buffer.append(contentsOf: prefix)
            ExpositionText.appendDecimal(count, to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
        buffer.append(contentsOf: sumPrefix)
        ExpositionText.appendDouble(state.sum, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
        buffer.append(contentsOf: countPrefix)
        ExpositionText.appendDecimal(state.count, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
    }
}
