import Locking
import NIOCore
import Synchronization
import Telemetry

/// Counts open connections against `--web.max-connections`, and keeps room for new ones: when the cap is reached,
/// the connection idle longest between keep-alive requests (at least ``minimumIdleSeconds``) is closed to admit the
/// new one, so clients that open connections and leave them idle cannot lock scrapes out until their idle timeout.
///
/// The gate's registry changes only when a connection opens or closes. Between requests each connection marks itself
/// busy or idle in its own ``ConnectionActivity`` (an atomic, written by its event loop), so no request takes a lock
/// or looks anything up; the gate reads the activities only when a newcomer finds the cap reached.
final class ConnectionGate: Sendable {
    let maximum: Int
    /// A keep-alive connection must have been idle this long to be closed for a newcomer.
    static let minimumIdleSeconds = 1.0
    private let count = Atomic<Int>(0)
    private let metrics: HTTPMetrics
    private let connections = Locked<[ObjectIdentifier: ConnectionActivity]>([:])

    init(maximum: Int, metrics: HTTPMetrics) {
        self.maximum = maximum
        self.metrics = metrics
    }

    /// Counts a new connection, busy until its first response, and returns its activity record; `admitted` is false
    /// when it is over the cap and no idle connection could make room (it still counts until it closes).
    func open(_ channel: any Channel) -> (admitted: Bool, activity: ConnectionActivity) {
        let now = count.add(1, ordering: .relaxed).newValue
        metrics.setConnections(now)
        let activity = ConnectionActivity(channel: channel)
        let clock = channel.eventLoop.now.uptimeNanoseconds
        let minimumIdle = UInt64(Self.minimumIdleSeconds * 1e9)
        let evicted: ConnectionActivity? = connections.withLock { connections in
            defer { connections[ObjectIdentifier(channel)] = activity }
            guard now > maximum else { return nil }
            // Longest idle first; a connection that turned busy since it was read is skipped (see `evict`).
            let candidates = connections.values.compactMap { candidate in
                candidate.idleSince.flatMap { since in clock >= since && clock - since >= minimumIdle ? (candidate, since) : nil }
            }.sorted { $0.1 < $1.1 }
            guard let chosen = candidates.first(where: { $0.0.evict(ifIdleSince: $0.1) })?.0 else { return nil }
            connections[ObjectIdentifier(chosen.channel)] = nil
            return chosen
        }
        if let evicted {
            metrics.recordRefused(.idleEvicted)
            evicted.channel.close(promise: nil)
            return (true, activity)
        }
        return (now <= maximum, activity)
    }

    func close(_ channel: any Channel) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        metrics.setConnections(count.subtract(1, ordering: .relaxed).newValue)
    }
}

/// Whether one connection is busy with a request or idle between requests, and since when: written by the
/// connection's own event loop at each request's first byte (``RequestReadDeadline``) and each response's end
/// (``RequestLimitHandler``), read by ``ConnectionGate`` when the cap is reached.
final class ConnectionActivity: Sendable {
    let channel: any Channel
    /// The event loop's clock (uptime nanoseconds) when the connection became idle; ``busy`` while a request is in
    /// progress, ``evicted`` once the gate chose it to make room.
    private let state = Atomic<UInt64>(ConnectionActivity.busy)
    private static let busy = UInt64.max
    private static let evicted = UInt64.max - 1

    init(channel: any Channel) { self.channel = channel }

    /// The connection answered its request in full and waits for the next.
    func markIdle(at now: NIODeadline) {
        // An evicted connection stays evicted; it is being closed.
        _ = state.compareExchange(expected: Self.busy, desired: now.uptimeNanoseconds, ordering: .relaxed)
    }

    /// The connection started a request.
    func markBusy() {
        let current = state.load(ordering: .relaxed)
        guard current != Self.evicted else { return }
        _ = state.compareExchange(expected: current, desired: Self.busy, ordering: .relaxed)
    }

    /// When the connection became idle, or nil while busy (or evicted).
    var idleSince: UInt64? {
        let current = state.load(ordering: .relaxed)
        return current >= Self.evicted ? nil : current
    }

    /// Claims the connection for eviction if it is still idle since `since`: a connection whose next request
    /// began after the gate read it is not cut off.
    func evict(ifIdleSince since: UInt64) -> Bool {
        state.compareExchange(expected: since, desired: Self.evicted, ordering: .relaxed).exchanged
    }
}
