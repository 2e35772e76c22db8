import FlagSync
import Testing

@Suite("The circuit breaker")
struct CircuitBreakerTests {
    @Test("opens after the threshold of consecutive failures; a success in between resets the count")
    func opens() {
        var breaker = CircuitBreaker(failureThreshold: 3, recoveryTimeout: 30)
        #expect(breaker.permit(at: 0).permit == .allowed)
        #expect(breaker.record(success: false, at: 0) == nil)
        #expect(breaker.record(success: false, at: 1) == nil)
        #expect(breaker.record(success: true, at: 2) == nil)
        #expect(breaker.record(success: false, at: 3) == nil)
        #expect(breaker.record(success: false, at: 4) == nil)
        #expect(breaker.record(success: false, at: 5) == .init(from: .closed, to: .open))
        #expect(breaker.permit(at: 6).permit == .refused)
        #expect(breaker.state(at: 34.9).state == .open)
    }

    @Test("half-open after the recovery timeout lets exactly one trial through; its success closes the breaker")
    func trialSucceeds() {
        var breaker = CircuitBreaker(failureThreshold: 1, recoveryTimeout: 10)
        _ = breaker.record(success: false, at: 0)
        let (state, transition) = breaker.state(at: 10)
        #expect(state == .halfOpen)
        #expect(transition == .init(from: .open, to: .halfOpen))
        #expect(breaker.state(at: 10.5).transition == nil)
        #expect(breaker.permit(at: 11).permit == .trial)
        #expect(breaker.permit(at: 11).permit == .refused)
        #expect(breaker.record(success: true, at: 12) == .init(from: .halfOpen, to: .closed))
        #expect(breaker.permit(at: 12).permit == .allowed)
        #expect(breaker.consecutiveFailures == 0)
    }

    @Test("halfOpensAt says when an open breaker turns half-open; reading the stored state moves nothing")
    func halfOpensAt() {
        var breaker = CircuitBreaker(failureThreshold: 1, recoveryTimeout: 10)
        #expect(breaker.halfOpensAt == nil)
        _ = breaker.record(success: false, at: 5)
        #expect(breaker.halfOpensAt == 15)
        // Long past the timeout, the stored state (what scrapes and /health read) is still open until moved.
        #expect(breaker.storedState == .open)
        #expect(breaker.state(at: 100).transition == .init(from: .open, to: .halfOpen))
        #expect(breaker.storedState == .halfOpen && breaker.halfOpensAt == nil)
    }

    @Test("a failed trial reopens it for another full recovery timeout")
    func trialFails() {
        var breaker = CircuitBreaker(failureThreshold: 2, recoveryTimeout: 5)
        _ = breaker.record(success: false, at: 0)
        _ = breaker.record(success: false, at: 0)
        #expect(breaker.permit(at: 5).permit == .trial)
        #expect(breaker.record(success: false, at: 6) == .init(from: .halfOpen, to: .open))
        #expect(breaker.permit(at: 10).permit == .refused)
        #expect(breaker.permit(at: 11).permit == .trial)
    }

    @Test("gauge values and /health names follow docs/metrics.md")
    func names() {
        #expect(CircuitBreaker.State.closed.gaugeValue == 0)
        #expect(CircuitBreaker.State.open.gaugeValue == 1)
        #expect(CircuitBreaker.State.halfOpen.gaugeValue == 2)
        #expect(CircuitBreaker.State.halfOpen.rawValue == "half_open")
        #expect(CircuitBreaker.State.halfOpen.healthName == "half-open")
    }
}
