import FlagEngine
import Locking

/// Mirrored input: what was refused before evaluating (malformed, too large, rate limited), and per flag the
/// mirrored evaluations whose observed variant differs from ours.
public final class MirrorMetrics: Sendable {
    private let registry: MetricRegistry
    private let dropped: [MirrorDropReason: Counter]
    private let state: Locked<State>

    struct State {
        var labels: FlagSeriesLabels
        var mismatches: [String: Counter] = [:]
    }

    init(registry: MetricRegistry, maximumFlagSeries: Int) {
        self.registry = registry
        state = Locked(State(labels: FlagSeriesLabels(flagSet: nil, maximumFlagSeries: maximumFlagSeries)))
        dropped = seriesByKey(MirrorDropReason.allCases) { reason in
            registry.counter(
                name: "feature_flag_mirror_dropped_total", labels: [("reason", reason.rawValue)],
                help: "Mirrored input refused: malformed, too_large, rate_limited.")
        }
    }

    /// Drops the mismatch series of flags that left the config and creates, at 0, those of the flags in it.
    func configure(_ labels: FlagSeriesLabels) {
        state.withLock { state in
            for (flag, counter) in state.mismatches where !labels.keeps(flag) || flag == FlagSeriesLabels.unknown {
                registry.unregister(counter)
                state.mismatches[flag] = nil
            }
            state.labels = labels
            for definition in (labels.flagSet?.definitions ?? []).prefix(labels.maximumFlagSeries) {
                _ = mismatchCounter(&state, definition.key)
            }
        }
    }

    /// Counts refused mirror input.
    public func recordDropped(_ reason: MirrorDropReason) {
        dropped[reason]?.increment()
    }

    /// Counts a mirrored evaluation whose observed variant differs from ours.
    public func recordMismatch(flagKey: String) {
        state.withLock { state in
            mismatchCounter(&state, state.labels.label(for: flagKey)).increment()
        }
    }

    private func mismatchCounter(_ state: inout State, _ flag: String) -> Counter {
        cachedSeries(&state.mismatches, flag) {
            registry.counter(
                name: "feature_flag_mirror_mismatch_total", labels: [("flag_key", flag)],
                help: "Mirrored evaluations whose observed variant differs from ours.")
        }
    }
}
