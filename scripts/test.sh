#!/usr/bin/env bash
# Sets up and runs the whole test suite (debug build): `bash scripts/test.sh`,
# then replays the fuzz corpora; `bash scripts/test.sh --filter X` runs only
# the Swift tests that match.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
# With no arguments (the README's and CI's run), replay every fuzz target's
# committed corpus under ASan (docs/fuzzing.md): a regression fails here.
if [[ $# -eq 0 ]]; then bash scripts/fuzz.sh --replay; fi
