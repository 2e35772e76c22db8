#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for FUZZ_SECONDS (default 60) on its corpus.
#
#   scripts/fuzz.sh [target ...]        targets: condition flags-file ofrep-body mirror-line regex (default: all)
#
# Each target starts from the seed corpus in Fuzz/Corpus/<target> (committed) and adds what it finds to
# .build-fuzz/corpus/<target> (not committed). A crash stops that target, leaves its input in
# .build-fuzz/crashes/<target>/, and makes the script exit 1: copy the input into Fuzz/Regressions/<target>/ and
# the FuzzRegressionTests replay it in `make test` from then on (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build-fuzz

SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
# FUZZ_JOBS=n runs n processes per target (libFuzzer then writes their output to fuzz-<n>.log here).
JOBS="${FUZZ_JOBS:-1}"
declare -A BINARIES=(
    [condition]=FuzzCondition [flags-file]=FuzzFlagsFile [ofrep-body]=FuzzOFREPBody [mirror-line]=FuzzMirrorLine
    [regex]=FuzzRegex
)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(condition flags-file ofrep-body mirror-line regex); fi

(cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)

status=0
for target in "${targets[@]}"; do
    binary="Fuzz/.build/release/${BINARIES[$target]:?unknown target $target}"
    mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/crashes/$target"
    echo "== $target: ${SECONDS_PER_TARGET}s"
    # -max_len: a condition is at most 4 KiB, a context line 64 KiB; flags files get 64 KiB of mutation room.
    parallel=()
    if [ "$JOBS" -gt 1 ]; then parallel=(-jobs="$JOBS" -workers="$JOBS"); fi
    if ! "$binary" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        "${parallel[@]}" -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/crashes/$target/" \
        ".build-fuzz/corpus/$target" "Fuzz/Corpus/$target"; then
        echo "!! $target found a crash: see .build-fuzz/crashes/$target/" >&2
        status=1
    fi
done
exit $status
