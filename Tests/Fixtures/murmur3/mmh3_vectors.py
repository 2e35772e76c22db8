#!/usr/bin/env python3
"""Prints MurmurHash3 x86_32 vectors from Python's mmh3 (an implementation independent of the Swift code), one per
line: the UTF-8 bytes in hex, the seed, the hash (unsigned), tab-separated. Inputs cover every length 0..67 and
multi-byte UTF-8; seeds are 0 (flagd, Unleash strategies), 86028157 (Unleash variants) and a few others."""
import mmh3

SEEDS = [0, 86028157, 1, 0xFFFFFFFF]
PIECES = ["user-", "flag", ":", "ü", "日本", "🙂", "a", "Feature.flexible.rollout", "", "0123456789"]

inputs = []
for index in range(3000):
    text = ""
    value = index * 2654435761 % 4294967296
    while len(text.encode()) < index % 68:
        text += PIECES[value % len(PIECES)]
        value //= 3
        if value == 0:
            value = index + 7
    inputs.append(text)
for index, text in enumerate(inputs):
    seed = SEEDS[index % len(SEEDS)]
    print(f"{text.encode().hex()}\t{seed}\t{mmh3.hash(text.encode(), seed, signed=False)}")
