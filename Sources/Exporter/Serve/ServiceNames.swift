import Settings
import FlagConfig

/// How each service is named in ServiceLifecycle's debug logs ("Starting service ..."): its role in a few words,
/// never a dump of its settings and state.
extension PeriodicRefresher: CustomStringConvertible {
    var description: String { "periodic refresh (refresh mode \(plan.mode.rawValue), interval \(plan.interval) s)" }
}

extension BreakerClock: CustomStringConvertible {
    var description: String { "circuit breaker clock" }
}

extension FileWatchRefresher: CustomStringConvertible {
    var description: String { "file watch (\(paths.joined(separator: ", ")))" }
}

extension RedisRefresher: CustomStringConvertible {
    var description: String { "Redis pub/sub refresh" }
}

extension HangupReloader: CustomStringConvertible {
    var description: String { "SIGHUP reload" }
}

extension MirrorFlusher: CustomStringConvertible {
    var description: String { "mirror flush (every 1 s)" }
}

extension MirrorFeed: CustomStringConvertible {
    public var description: String { "mirror feed (\(path))" }
}

extension SyntheticDriver: CustomStringConvertible {
    public var description: String { "synthetic traffic (\(settings.rate) contexts/s)" }
}

extension CanaryDriver: CustomStringConvertible {
    public var description: String { "canaries (\(settings.checks.count), every \(settings.interval) s)" }
}

extension PeriodicPusher: CustomStringConvertible {
    public var description: String { "Pushgateway push (every \(plan.interval) s)" }
}
