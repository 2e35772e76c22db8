import FlagEngine
import Glibc

func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
let flag = FlagDefinition(key: "W", state: .rollout, defaultVariant: "off",
    variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
    rollout: Rollout(strategy: .percentage(25)),
    targetingRules: [TargetingRule(name: "admin", condition: try! Condition(parsing: "user_type == 'admin'"), variant: "on", priority: 100)])
let set = try! FlagSet(flags: [flag])
for _ in 0..<3 {
  let t0 = now(); var on = 0
  for i in 0..<1_000_000 {
    let ctx = EvaluationContext(userID: "user-" + String(i), userType: i % 10 == 0 ? "admin" : "user")
    if set.evaluate("W", in: ctx).variant == "on" { on += 1 }
  }
  let dt = now() - t0
  print("evals/s", Int(1e6/dt), "ns", dt*1e3, "on", on)
}
