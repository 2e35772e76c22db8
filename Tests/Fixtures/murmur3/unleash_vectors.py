#!/usr/bin/env python3
"""Unleash's bucketing computed independently of the Swift code, from the Unleash client specification's formulas
with Python's mmh3: a strategy's bucket is murmur3_x86_32("<groupId>:<userId>", seed 0) % 100 + 1 and the user is
in a flexibleRollout of p% iff p > 0 and bucket <= p; a variant's is murmur3_x86_32("<groupId>:<userId>",
seed 86028157) % totalWeight + 1, walking the variants with weight > 0 until the running total reaches it.
Prints `userId<TAB>enabled<TAB>variant` for 2,000 users of toggle "checkout" (flexibleRollout 25%, groupId
"checkout-rollout", strategy variants blue 200, green 300, red 500 with groupId "checkout-rollout")."""
import mmh3

GROUP = "checkout-rollout"
VARIANTS = [("blue", 200), ("green", 300), ("red", 500), ("none", 0)]
total = sum(weight for _, weight in VARIANTS)
for index in range(2000):
    user = f"user-{index}" if index % 5 else f"ü{index}@日本"
    bucket = mmh3.hash(f"{GROUP}:{user}".encode(), 0, signed=False) % 100 + 1
    enabled = bucket <= 25
    variant = "disabled"
    if enabled:
        target = mmh3.hash(f"{GROUP}:{user}".encode(), 86028157, signed=False) % total + 1
        running = 0
        for name, weight in VARIANTS:
            if weight <= 0:
                continue
            running += weight
            if running >= target:
                variant = name
                break
    print(f"{user}\t{str(enabled).lower()}\t{variant}")
