/// The circuit breaker around every fetch of the config source.
///
/// Closed, it lets every fetch through and counts consecutive failures; at ``failureThreshold`` it opens. Open, it
/// refuses fetches (they fail fast as `circuit_breaker_open`) until ``recoveryTimeout`` has passed; then it is
/// half-open and lets exactly one trial through. The trial's success closes it; its failure opens it again.
/// A plain value: the owner keeps it under its own lock and reports each ``Transition``.
public struct CircuitBreaker: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case closed
        case open
        case halfOpen = "half_open"

        /// The value of `feature_flag_circuit_breaker_state`: 0 closed, 1 open, 2 half-open.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }

        /// The spelling of `/health`'s `circuit_breaker_state`.
        public var healthName: String { self == .halfOpen ? "half-open" : rawValue }
    }

    /// What the breaker says to one fetch.
    public enum Permit: Sendable, Hashable {
        /// Go ahead (closed).
        case allowed
        /// Go ahead: this is the one trial of the half-open state.
        case trial
        /// Fail fast: open, or half-open with its trial under way.
        case refused
    }

    /// A change of state, to be counted in `feature_flag_circuit_breaker_transitions_total{to}`.
    public struct Transition: Sendable, Hashable {
        public var from: State
        public var to: State

        public init(from: State, to: State) {
            self.from = from
            self.to = to
        }
    }

    public let failureThreshold: Int
    public let recoveryTimeout: Double
    public private(set) var storedState = State.closed
    public private(set) var consecutiveFailures = 0
    private var openedAt = 0.0
    private var trialInFlight = false

    public init(failureThreshold: Int = 3, recoveryTimeout: Double = 30) {
        self.failureThreshold = max(1, failureThreshold)
        self.recoveryTimeout = max(0, recoveryTimeout)
    }

    /// When an open breaker turns half-open; `nil` unless it is open.
    public var halfOpensAt: Double? { storedState == .open ? openedAt + recoveryTimeout : nil }

    /// The state at `now`: an open breaker whose recovery timeout has passed is half-open.
    public mutating func state(at now: Double) -> (state: State, transition: Transition?) {
        if storedState == .open && now - openedAt >= recoveryTimeout {
            storedState = .halfOpen
            trialInFlight = false
            return (.halfOpen, Transition(from: .open, to: .halfOpen))
        }
        return (storedState, nil)
    }

    /// Asks to fetch at `now`.
    public mutating func permit(at now: Double) -> (permit: Permit, transition: Transition?) {
        let (state, transition) = state(at: now)
        switch state {
        case .closed: return (.allowed, transition)
        case .open: return (.refused, transition)
        case .halfOpen:
            if trialInFlight { return (.refused, transition) }
            trialInFlight = true
            return (.trial, transition)
        }
    }

    /// Reports the fetch's result at `now`.
    public mutating func record(success: Bool, at now: Double) -> Transition? {
        let before = storedState
        if success {
            consecutiveFailures = 0
            trialInFlight = false
            storedState = .closed
        } else {
            consecutiveFailures += 1
            if storedState == .halfOpen || (storedState == .closed && consecutiveFailures >= failureThreshold) {
                storedState = .open
                openedAt = now
                trialInFlight = false
            }
        }
        return before == storedState ? nil : Transition(from: before, to: storedState)
    }
}
