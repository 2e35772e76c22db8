import FlagConfig
import FlagEngine

/// Workload W on the murmur3 formats (issue 19): the admin rule and a 25% rollout as one flagd `fractional` flag and
/// as one Unleash `flexibleRollout` toggle, users `user-0` .. `user-999999` built inside the loop, one thread,
/// median of 3. The C floor's line to compare with is "Workload W eval in C: key build + admin + murmur3 bucket".
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

    static func flagd() -> String {
        guard let set = try? FlagdFileDecoder.decode(flagdFile, file: "W.json").flagSet else { return "workload=W-flagd error=decode" }
        return run(name: "W-flagd") { number, context in
            set.resolve("W", context: context, now: 0).variant == "on"
        }
    }

    static func unleash() -> String {
        guard let set = try? UnleashFileDecoder.decode(unleashPayload, file: "W.json").toggleSet else { return "workload=W-unleash error=decode" }
        return run(name: "W-unleash") { number, context in
            set.evaluate("W", context: UnleashContext(userID: context.userID, properties: ["user_type": context.userType ?? ""]),
                         now: 0, random: { 1 }).enabled
        }
    }

    private static func run(name: String, _ isOn: (Int, EvaluationContext) -> Bool) -> String {
        var on = 0
        var times: [Double] = []
        for _ in 0..<3 {
            let start = Workloads.monotonicSeconds()
            on = 0
            var context = EvaluationContext()
            for number in 0..<Workloads.users {
                context.userID = Workloads.userID(number)
                context.userType = number % 10 == 0 ? "admin" : "user"
                if isOn(number, context) { on += 1 }
            }
            times.append(Workloads.monotonicSeconds() - start)
        }
        let seconds = Workloads.median(times)
        let users = Double(Workloads.users)
        return "workload=\(name) evals_per_sec=\(Int(users / seconds)) ns_per_eval=\(Workloads.format(seconds / users * 1e9)) on=\(on)"
    }
}
