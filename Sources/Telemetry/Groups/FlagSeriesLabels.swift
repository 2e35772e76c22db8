public import FlagEngine
import Locking

/// Which flags have series of their own: the first ``maximumFlagSeries`` flags of the config in use; later flags fold
/// into `flag_key="__other__"`, and flags the config does not have count as `__unknown__`. A value each per-flag group
/// keeps a copy of, replaced when a config is applied.
public struct FlagSeriesLabels: Sendable {
    /// The label that per-flag series of flags past ``maximumFlagSeries`` share.
    public static let other = "__other__"
    /// The label under which mirrored requests for flags the config does not have are counted.
    public static let unknown = "__unknown__"

    public let flagSet: FlagSet?
    public let maximumFlagSeries: Int

    public init(flagSet: FlagSet?, maximumFlagSeries: Int) {
        self.flagSet = flagSet
        self.maximumFlagSeries = max(1, maximumFlagSeries)
    }

    /// The `flag_key` label of `flagKey`.
    public func label(for flagKey: String) -> String {
        guard let flagSet, let index = flagSet.index(of: flagKey) else { return Self.unknown }
        return label(forFlagAt: index, key: flagKey)
    }

    /// The `flag_key` label of the flag at `index`, whose key is `key`.
    public func label(forFlagAt index: Int, key: String) -> String {
        index < maximumFlagSeries ? key : Self.other
    }

    /// Whether a series labelled `label` stays: its flag keeps its own series, or it is a shared label.
    func keeps(_ label: String) -> Bool {
        if label == Self.other || label == Self.unknown { return true }
        guard let flagSet, let index = flagSet.index(of: label) else { return false }
        return index < maximumFlagSeries
    }
}

/// The series under `key` in `cache`, made (and registered) on first use.
func cachedSeries<Key: Hashable, Metric>(_ cache: inout [Key: Metric], _ key: Key, make: () -> Metric) -> Metric {
    if let existing = cache[key] { return existing }
    let made = make()
    cache[key] = made
    return made
}

/// The series in `slot`, made (and registered) on first use.
func cachedSeriesOnce<Metric>(_ slot: inout Metric?, make: () -> Metric) -> Metric {
    if let existing = slot { return existing }
    let made = make()
    slot = made
    return made
}

/// One series per key, made by `make` (the families whose label values are known up front).
func seriesByKey<Key: Hashable, Series>(_ keys: some Sequence<Key>, _ make: (Key) -> Series) -> [Key: Series] {
    Dictionary(uniqueKeysWithValues: keys.map { ($0, make($0)) })
}

/// A metric group with values computed when scraped. `collect(at:)` only reads the state it reports (the config in
/// use, FlagSync's status, `/proc`); it moves nothing.
protocol ScrapeTimeCollector: Sendable {
    func collect(at now: Double)
}

/// Series registered only once their feature is on (the pusher's, the Redis channel's): `nil` until ``enable(_:)``,
/// which registers them once however often it is called; recording before that records nothing.
final class LateSeries<Series: Sendable>: Sendable {
    private let series = Locked<Series?>(nil)

    /// Registers the series with `make`, unless they already are.
    func enable(_ make: () -> Series) {
        series.withLock { series in _ = cachedSeriesOnce(&series, make: make) }
    }

    /// Runs `body` on the series, if enabled.
    func record(_ body: (Series) -> Void) {
        series.withLock { series in if let series { body(series) } }
    }
}
