#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted bytes (docs/fuzzing.md).
#
#   bash scripts/fuzz.sh [--seconds N] [target ...]   fuzz each target N s (default 600), one after another
#   bash scripts/fuzz.sh --replay [target ...]        run each committed corpus once (what CI does)
#   bash scripts/fuzz.sh --build-only [target ...]    build the targets, run nothing
#   --no-build                                        run what .build-fuzz holds
#
# Targets live in Fuzz/<name>/ (those with a corpus/ folder; Fuzz/Support,
# Fuzz/StorageSupport and Fuzz/CFuzzing are shared code); each has a
# committed seed corpus in Fuzz/<name>/corpus (sql also reads the golden
# scripts in Tests/SochSQLTests/Golden). Builds go to .build-fuzz (release,
# -sanitize=fuzzer,address, -enable-testing for @testable imports). New
# inputs found while fuzzing go to .build-fuzz/corpus/<name> and crashes to
# .build-fuzz/crashes/<name>-*; neither is committed: a crash is fixed and
# its input copied into the seed corpus and a regression test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=600
nobuild=0
mode=fuzz
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --replay) mode=replay; shift ;;
        --build-only) mode=build; shift ;;
        --no-build) nobuild=1; shift ;;
        -h|--help) sed -n 2,16p "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 64 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
    for dir in Fuzz/*/corpus/; do targets+=("$(basename "$(dirname "$dir")")"); done
fi

build=.build-fuzz
flags=(-c release --manifest-cache none --build-path "$build" -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)
for t in "${targets[@]}"; do
    [[ -d "Fuzz/$t" ]] || { echo "no fuzz target $t (Fuzz/$t)" >&2; exit 64; }
    [[ $nobuild == 1 ]] || SOCHDB_FUZZ=1 swift build "${flags[@]}" --product "fuzz-$t"
done
[[ $mode == build ]] && exit 0

bin="$build/release"
# ASan: a leak at exit is not a finding here (caches live for the process).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# The Swift runtime's backtracer reads other threads' stacks, which ASan
# reports as a second error; let libFuzzer and ASan report the trap.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
status=0
# The seed corpora of a target: its own, and for sql the golden scripts of
# the SQL tests (read where they are, not copied).
seeds() {
    echo "Fuzz/$1/corpus"
    [[ $1 == sql ]] && echo "Tests/SochSQLTests/Golden"
    return 0
}
for t in "${targets[@]}"; do
    mapfile -t corpus < <(seeds "$t")
    if [[ $mode == replay ]]; then
        echo "== replay $t ($(find "${corpus[@]}" -type f | wc -l) inputs)"
        mkdir -p "$build/crashes"
        "$bin/fuzz-$t" -runs=0 -artifact_prefix="$build/crashes/replay-$t-" "${corpus[@]}" 2>&1 | tail -n 3 || status=1
    else
        mkdir -p "$build/corpus/$t" "$build/crashes"
        echo "== fuzz $t for $seconds s"
        "$bin/fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
            -artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "${corpus[@]}" \
            > "$build/fuzz-$t.log" 2>&1 || status=1
        grep -E "^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb|cov:" "$build/fuzz-$t.log" | tail -n 3
    fi
done
exit $status
