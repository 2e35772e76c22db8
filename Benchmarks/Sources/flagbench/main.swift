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
do {
  let t0 = now(); var n = 0
  for i in 0..<1_000_000 {
    let ctx = EvaluationContext(userID: "user-" + String(i), userType: i % 10 == 0 ? "admin" : "user")
    n &+= ctx.userID!.utf8.count
  }
  print("context only ns", (now() - t0) * 1e3, n)
  let t1 = now(); var m: UInt32 = 0
  for i in 0..<1_000_000 { m &+= Bucketing.hash32(flagKey: "W", id: "user-" + String(i)) }
  print("string+hash ns", (now() - t1) * 1e3, m)
  let idx = set.index(of: "W")!
  let t2 = now(); var on = 0
  for i in 0..<1_000_000 {
    let ctx = EvaluationContext(userID: "user-" + String(i), userType: i % 10 == 0 ? "admin" : "user")
    if set.evaluate(flagAt: idx, in: ctx).variantIndex == 0 { on += 1 }
  }
  print("indexed evaluate ns", (now() - t2) * 1e3, on)
}
