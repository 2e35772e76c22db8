#!/usr/bin/env python3
"""Text vectors from Python itself, the seed system's language, for CodePointTextVectorTests.

Prints one line per case, every text as UTF-8 hex, tab-separated:
    lower   <text>  <text.lower()>
    compare <a>     <b>  <a == b> <b in a> <a.startswith(b)> <a.endswith(b)> <a < b>   (booleans as 0/1)

The texts are drawn (fixed seed) from characters whose case mappings have been stable for decades: ASCII, Latin-1,
Greek capitals and small letters with final sigma's neighbours (case-ignorable apostrophes, full stops, combining
accents, soft hyphens), Turkish dotted I, sharp s, Cyrillic, and pairs of canonically equivalent spellings.
"""
import random

ALPHABET = (
    list("abcXYZ .'-_:0")
    + ["\u00e9", "e\u0301", "\u00c9", "E\u0301", "\u00df", "\u0130", "\u0131", "\u212a", "K", "\u00c5", "\u212b"]
    + ["\u03a3", "\u03c3", "\u03c2", "\u0391", "\u039f", "\u0394", "\u03a5", "\u0395", "\u1f48", "\u038e"]
    + ["\u00ad", "\u0301", "\u0308", "\u2019", "\u00b7"]
    + ["\u0414", "\u0436", "\u0401", "\u0531", "\u0561"]
    + ["\U0001F600"]
)


def text(rng):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 7)))


def hexed(value):
    return value.encode("utf-8").hex()


def main():
    rng = random.Random(20261203)
    fixed = ["\u039f\u0394\u039f\u03a3", "\u03a3", "\u0391\u03a3.", "\u0391\u03a3'\u0391", "\u1f48\u0394\u03a5\u03a3\u03a3\u0395\u038e\u03a3",
             "\u0391\u03a3\u0301", "\u0391\u03a3\u0301\u0391", "a\u03a3 b", "\u0130", ""]
    for value in fixed + [text(rng) for _ in range(1500)]:
        print("lower", hexed(value), hexed(value.lower()), sep="\t")
    pairs = [("\u00e9", "e\u0301"), ("e\u0301", "\u00e9"), ("ae\u0301", "e"), ("e\u0301x", "e"), ("xe\u0301", "\u0301"),
             ("\u212a", "K"), ("caf\u00e9", "caf\u00e9"), ("", ""), ("abc", "")]
    for a, b in pairs + [(text(rng), text(rng)) for _ in range(1500)]:
        flags = [a == b, b in a, a.startswith(b), a.endswith(b), a < b]
        print("compare", hexed(a), hexed(b), "".join("1" if flag else "0" for flag in flags), sep="\t")


main()
