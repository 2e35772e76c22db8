#!/usr/bin/env python3
"""Independent check of the seed bucketing: runs `featureflag_exporter eval --batch` over N ids and compares every
bucket and variant with Python's own hashlib computation of the seed formula (docs/configuration.md, "Evaluation").

Exit status 0 when all N results agree; 1 with the first disagreements printed otherwise."""
import argparse, hashlib, json, os, subprocess, sys, tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--config", required=True)
parser.add_argument("--environment", default="production")
parser.add_argument("--flag", default="phase1_config_externalization")
parser.add_argument("--percentage", type=float, default=10.0)
parser.add_argument("--count", type=int, default=1_000_000)
args = parser.parse_args()

def user_id(i):
    # Mostly the seed's shape, with some non-ASCII and long ids so UTF-8 handling is exercised too.
    if i % 997 == 0:
        return f"ü-{i}-ユーザー"
    if i % 1009 == 0:
        return f"long-{i}-" + "x" * 300
    return f"user-{i}"

def bucket(flag, uid):
    digest = hashlib.sha256(f"{flag}:{uid}".encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32

with tempfile.TemporaryDirectory() as directory:
    request_path = os.path.join(directory, "requests.jsonl")
    with open(request_path, "w", encoding="utf-8") as requests:
        for i in range(args.count):
            requests.write(json.dumps({"flag_key": args.flag, "context": {"user_id": user_id(i)}}) + "\n")
    with open(request_path, "rb") as stdin:
        completed = subprocess.run(
            [args.binary, "eval", "--config.file", args.config, "--environment", args.environment, "--batch"],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if completed.returncode != 0:
        print("eval --batch failed:", completed.stderr.decode(), file=sys.stderr)
        sys.exit(1)
    lines = completed.stdout.decode("utf-8").splitlines()
    if len(lines) != args.count:
        print(f"expected {args.count} result lines, got {len(lines)}", file=sys.stderr)
        sys.exit(1)
    mismatches = 0
    hits = 0
    threshold = args.percentage / 100
    for i, line in enumerate(lines):
        result = json.loads(line)
        expected = bucket(args.flag, user_id(i))
        expected_variant = "on" if expected < threshold else "off"
        hits += expected_variant == "on"
        if result.get("bucket") != expected or result.get("variant") != expected_variant:
            mismatches += 1
            if mismatches <= 5:
                print(f"id {user_id(i)!r}: expected bucket {expected!r} {expected_variant}, got {line}", file=sys.stderr)
    print(f"{args.count} ids compared, {mismatches} mismatches, {hits} hits at {args.percentage}%")
    sys.exit(1 if mismatches else 0)
