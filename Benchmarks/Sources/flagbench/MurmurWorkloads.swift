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
}
