import Foundation
import WireFormat
@testable import Exporter
import FlagConfig
import FlagEngine
import Testing

@Suite("OFREP pieces: the rate limit's bucket, the bulk entity tag, the reason table")
struct OFREPUnitTests {
    @Test("a call for more tokens than the burst is admitted with a full bucket and leaves a debt paid back at the rate")
    func tokenBucketDebt() {
        var bucket = TokenBucket(rate: 2, burst: 2)
        #expect(bucket.take(12, now: 0) == nil)
        // 10 tokens short of zero; the next single call needs 1: (1 + 10) / 2 seconds away.
        #expect(bucket.take(1, now: 0) == 5.5)
        #expect(bucket.take(1, now: 5) == 0.5)
        #expect(bucket.take(1, now: 5.5) == nil)
        // Never more than the burst saved up, and a full bucket still admits a large call.
        #expect(bucket.take(12, now: 1000) == nil)
        #expect(bucket.take(2, now: 1006) == nil)
    }

    static func flagSet(_ yaml: String) throws -> FlagSet {
        try FlagConfigLoader.load(base: ConfigText(name: "t.yaml", text: yaml), environment: "development").flagSet
    }

    static let gradual = """
        flags:
          ramp:
            state: rollout
            variants: {on: true, off: false}
            default_variant: "off"
            rollout: {strategy: gradual, gradual: {start_time: 2026-01-01T00:00:00Z, end_time: 2026-01-02T00:00:00Z}}

        """

    @Test("the bulk tag follows the body, the config and a gradual rollout's percentage; none when a rollout is random")
    func entityTag() throws {
        let set = try Self.flagSet(Self.gradual)
        let body = Array(#"{"context":{"targetingKey":"u"}}"#.utf8)
        let start = 1_767_225_600.0  // 2026-01-01T00:00:00Z
        let tag = BulkEntityTag.make(flagSet: set, body: body, gradualTime: start + 3600)
        #expect(tag != nil)
        #expect(tag == BulkEntityTag.make(flagSet: set, body: body, gradualTime: start + 3600))
        #expect(tag != BulkEntityTag.make(flagSet: set, body: body, gradualTime: start + 3601))
        #expect(tag != BulkEntityTag.make(flagSet: set, body: Array(#"{"context":{"targetingKey":"v"}}"#.utf8), gradualTime: start + 3600))
        // After the ramp the percentage stays put, and so does the tag; a pinned timestamp leaves time out.
        #expect(BulkEntityTag.make(flagSet: set, body: body, gradualTime: start + 90_000)
            == BulkEntityTag.make(flagSet: set, body: body, gradualTime: start + 100_000))
        #expect(BulkEntityTag.make(flagSet: set, body: body, gradualTime: nil) != nil)
        let random = try Self.flagSet(Self.gradual.replacingOccurrences(of: "rollout: {strategy", with: "rollout: {sticky: false, strategy"))
        #expect(BulkEntityTag.make(flagSet: random, body: body, gradualTime: start) == nil)
    }

    @Test("If-None-Match: exact, weak, in a list, or *; anything else does not match", arguments: [
        (#""abc""#, true), (#"W/"abc""#, true), (#""x", "abc""#, true), (#"  W/"abc" ,"y""#, true), ("*", true),
        (#""abcd""#, false), (#"abc"#, false), (#""ab""#, false), ("", false),
    ])
    func ifNoneMatch(header: String, matches: Bool) {
        #expect(BulkEntityTag.matches(#""abc""#, [header]) == matches)
    }

    @Test("every engine reason has an OFREP reason from the spec's and OpenFeature's lists")
    func reasonTable() throws {
        let wire: Set = ["STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED", "DEFAULT", "ERROR", "UNKNOWN"]
        for reason in EvaluationReason.allCases {
            for outcome in [RolloutOutcome?.none, .hit, .miss] {
                let result = EvaluationResult(flagKey: "f", variant: "v", value: .bool(true), reason: reason, rolloutOutcome: outcome)
                #expect(wire.contains(OFREP.reason(result, definition: nil).rawValue), "\(reason)")
            }
        }
        let miss = EvaluationResult(flagKey: "f", variant: "off", value: .bool(false), reason: .defaultValue, rolloutOutcome: .miss)
        #expect(OFREP.reason(miss, definition: nil) == .split)
    }
}
