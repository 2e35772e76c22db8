#!/usr/bin/env python3
"""flagd's `fractional` computed independently of the Swift code, from the formula in flagd's documentation:
the hashed text is flagKey + targetingKey; h = murmur3_x86_32(utf8, seed 0) (Python's mmh3);
bucket = (h * totalWeight) >> 32; the variant is the first whose running total of weights exceeds the bucket.
Prints `targetingKey<TAB>variant` for 2,000 users of flag "checkout-split" with weights red 10, blue 30, green 60."""
import mmh3

FLAG = "checkout-split"
WEIGHTS = [("red", 10), ("blue", 30), ("green", 60)]
total = sum(weight for _, weight in WEIGHTS)
for index in range(2000):
    key = f"user-{index}" if index % 3 else f"ü-{index}-日本"
    h = mmh3.hash((FLAG + key).encode(), 0, signed=False)
    bucket = (h * total) >> 32
    running = 0
    for name, weight in WEIGHTS:
        running += weight
        if bucket < running:
            print(f"{key}\t{name}")
            break
