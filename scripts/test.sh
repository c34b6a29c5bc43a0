#!/usr/bin/env bash
# Sets up and runs the whole test suite (debug build): `bash scripts/test.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
