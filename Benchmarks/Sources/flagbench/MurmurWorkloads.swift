import FlagConfig
import FlagEngine

/// Workload W on the murmur3 formats (issue 19): the admin rule and a 25% rollout as one flagd `fractional` flag and
/// as one Unleash `flexibleRollout` toggle, users `user-0` .. `user-999999` built inside the loop, one thread,
/// median of 3, exactly as W runs. The C floor's line to compare with is "Workload W eval in C: key build + admin + murmur3 bucket".
enum MurmurWorkloads {
    static let flagdFile = """
        {"flags": {"W": {"state": "ENABLED", "variants": {"on": true, "off": false}, "defaultVariant": "off",
          "targeting": {"if": [{"==": [{"var": "user_type"}, "admin"]}, "on",
                               {"fractional": [["on", 25], ["off", 75]]}]}}}}
        """
    static let unleashPayload = """
        {"features": [{"name": "W", "enabled": true, "strategies": [
          {"name": "default", "constraints": [{"contextName": "user_type", "operator": "IN", "values": ["admin"]}]},
          {"name": "flexibleRollout", "parameters": {"rollout": "25", "stickiness": "userId", "groupId": "W"}}]}]}
        """

    /// The same pass as W's (``Workloads/passW(_:)``: `isEnabled("W")` through the `FlagSet` every driver, OFREP and
    /// `simulate` evaluate), over the flagd file.
    static func flagd() -> String {
        guard let loaded = try? FlagConfigLoader.load(base: ConfigText(name: "W.json", text: flagdFile), environment: "production")
        else { return "workload=W-flagd error=decode" }
        return Workloads.singleThread(name: "W-flagd", set: loaded.flagSet)
    }

    /// The same over the Unleash payload.
    static func unleash() -> String {
        guard let loaded = try? FlagConfigLoader.load(base: ConfigText(name: "W.json", text: unleashPayload), environment: "production")
        else { return "workload=W-unleash error=decode" }
        return Workloads.singleThread(name: "W-unleash", set: loaded.flagSet)
    }

    /// The C floor's murmur3 loop written in Swift, with the one difference an engine whose contexts hold `String`s
    /// cannot avoid: the key `"W:user-<i>"` is built as a `String` (the cheapest public way, as W builds its ids), and
    /// its UTF-8 hashed in place. The admin check is the C loop's `i % 10 == 0` and the bucket its `% 100 < 25`, so the
    /// `on` count must equal the floor's (324,181). No engine, no context, no lookup: the floor of any String-keyed
    /// evaluation in this language on this host, measured in the same run as the C one.
    static func swiftStringFloor() -> String {
        var on = 0
        var times: [Double] = []
        for _ in 0..<3 {
            let start = Workloads.monotonicSeconds()
            on = passSwiftStringFloor()
            times.append(Workloads.monotonicSeconds() - start)
        }
        let seconds = Workloads.median(times)
        let users = Double(Workloads.users)
        return "workload=W-string-floor evals_per_sec=\(Int(users / seconds)) ns_per_eval=\(Workloads.format(seconds / users * 1e9)) on=\(on)"
    }

    @inline(never)
    static func passSwiftStringFloor() -> Int {
        var on = 0
        for number in 0..<Workloads.users {
            let key = floorKey(number)
            if number % 10 == 0 {
                on += 1
            } else {
                let hash = key.utf8.withContiguousStorageIfAvailable { Murmur3.hash32(UnsafeRawBufferPointer($0)) } ?? 0
                if hash % 100 < 25 { on += 1 }
            }
        }
        return on
    }

    /// `"W:user-<i>"`, built as ``Workloads/userID(_:)`` builds `"user-<i>"`.
    @inline(__always)
    static func floorKey(_ number: Int) -> String {
        let value = UInt32(truncatingIfNeeded: number)
        let count = 7 + Workloads.decimalDigits(value)
        return String(unsafeUninitializedCapacity: count) { buffer in
            buffer[0] = UInt8(ascii: "W")
            buffer[1] = UInt8(ascii: ":")
            buffer[2] = UInt8(ascii: "u")
            buffer[3] = UInt8(ascii: "s")
            buffer[4] = UInt8(ascii: "e")
            buffer[5] = UInt8(ascii: "r")
            buffer[6] = UInt8(ascii: "-")
            Workloads.writeDecimal(value, into: buffer, endingAt: count)
            return count
        }
    }
}
