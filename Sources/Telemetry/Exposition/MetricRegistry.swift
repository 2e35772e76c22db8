import Locking

/// The exporter's metric registry: metric families by name, each holding its series by label set, written out in the
/// text exposition format 0.0.4 with families sorted by name and each family's series sorted by their labels (the
/// order the Go client gathers in, so two scrapes of the same state are byte for byte the same).
///
/// Adding or removing a series changes its family in place: O(1) each, so a reload that registers a series per flag
/// costs time linear in the flags. (swift-prometheus 2.4.1, which this replaced, copied a family's whole dictionary
/// for each series it added: 1.8 s for a config of 2,000 flags, with scrapes waiting.)
///
/// Thread-safety: every method may be called from any thread. The registry's lock is taken to add or remove series and
/// to take the list a scrape writes, never to count: values live in the series themselves (atomics; a lock per
/// histogram).
final class MetricRegistry: Sendable {
    private let families = Locked<[String: MetricFamily]>([:])

    init() {}

    /// The counter `name{labels}`, registered on first use.
    ///
    /// `name`, the label names and `help` are the catalog's constants: an invalid one, or a name registered before
    /// with another type or help text, is a programming error and stops the process. Label values may be anything.
    func counter(name: String, labels: [(String, String)] = [], help: String) -> Counter {
        series(name: name, labels: labels, help: help, buckets: []) { Counter(name: name, labels: $0) }
    }

    /// The gauge `name{labels}`, registered on first use (see ``counter(name:labels:help:)``).
    func gauge(name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        series(name: name, labels: labels, help: help, buckets: []) { Gauge(name: name, labels: $0) }
    }

    /// The histogram `name{labels}` with upper bounds `buckets` (ascending; `+Inf` is implied), registered on first
    /// use. Every series of a family has the same buckets.
    func histogram(name: String, labels: [(String, String)] = [], buckets: [Double], help: String) -> Histogram {
        precondition(zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 }, "\(name): buckets must ascend")
        precondition(!labels.contains { $0.0 == "le" }, "\(name): a histogram cannot have a label named le")
        return series(name: name, labels: labels, help: help, buckets: buckets) {
            Histogram(name: name, labels: $0, buckets: buckets)
        }
    }

    /// Removes `series` from its family, and the family once it has no series left. A series the registry no longer
    /// holds (removed before, or replaced) is ignored.
    func unregister(_ series: some ExposedSeries) {
        families.withLock { families in
            // Compared in place: a copy of the family held across the removal would make it copy the dictionary.
            guard families[series.familyName]?.series[series.labels] === series else { return }
            families[series.familyName]?.remove(series.labels)
            if families[series.familyName]?.isEmpty == true {
                families[series.familyName] = nil
            }
        }
    }

    /// Appends every family in the text exposition format to `buffer`.
    ///
    /// The lock is held only to take the families' sorted series (a reference per family); the text is written after,
    /// so registering a series never waits for a scrape's writing.
    func emit(into buffer: inout [UInt8]) {
        let snapshot = families.withLock { families in
            families.keys.sorted().compactMap { name in families[name]?.snapshot() }
        }
        for family in snapshot {
            buffer.append(contentsOf: family.header)
            for series in family.series {
                series.write(into: &buffer)
            }
        }
    }

    private func series<Series: ExposedSeries>(
        name: String, labels: [(String, String)], help: String, buckets: [Double], make: (LabelSet) -> Series
    ) -> Series {
        let labelSet = LabelSet(validating: labels, of: name)
        return families.withLock { families in
            if let family = families[name] {
                precondition(
                    family.type == Series.type && family.help == help && family.buckets == buckets,
                    "\(name) is registered with another type, help text or buckets")
                if let existing = family.series[labelSet] {
                    guard let existing = existing as? Series else { preconditionFailure("\(name): series of two types") }
                    return existing
                }
            } else {
                precondition(ExpositionText.isValidMetricName(name), "invalid metric name \(name)")
                families[name] = MetricFamily(name: name, type: Series.type, help: help, buckets: buckets)
            }
            let made = make(labelSet)
            families[name]?.add(made)
            return made
        }
    }
}

/// The Prometheus metric types the exporter exposes.
enum MetricType: String, Sendable {
    case counter, gauge, histogram
}

/// One metric family: its `# HELP` and `# TYPE` lines and its series by label set.
private struct MetricFamily {
    let type: MetricType
    let help: String
    let buckets: [Double]
    private let header: [UInt8]
    private(set) var series: [LabelSet: any ExposedSeries] = [:]
    /// The series in exposition order; `nil` after a series came or went, sorted again at the next scrape.
    private var sortedSeries: [any ExposedSeries]?

    init(name: String, type: MetricType, help: String, buckets: [Double]) {
        self.type = type
        self.help = help
        self.buckets = buckets
        var header: [UInt8] = []
        ExpositionText.appendHeader(name: name, help: help, type: type.rawValue, to: &header)
        self.header = header
    }

    var isEmpty: Bool { series.isEmpty }

    mutating func add(_ newSeries: any ExposedSeries) {
        series[newSeries.labels] = newSeries
        sortedSeries = nil
    }

    mutating func remove(_ labels: LabelSet) {
        series[labels] = nil
        sortedSeries = nil
    }

    /// The header and the series in exposition order, sorted now if a series came or went since the last time.
    mutating func snapshot() -> (header: [UInt8], series: [any ExposedSeries]) {
        let sorted = sortedSeries ?? series.sorted { $0.key < $1.key }.map(\.value)
        sortedSeries = sorted
        return (header, sorted)
    }
}
