#!/usr/bin/env bash
# Sets up and runs the whole test suite: `bash scripts/test.sh`.
#   1. the Swift tests (debug build);
#   2. the C ABI: builds libsochdb and the binaries (scripts/build-native.sh),
#      compiles Tests/CABI/abi_smoke.c against include/sochdb.h and runs it;
#   3. the Python SDK: a fresh virtualenv, `pip install ./python` (the
#      README's install command) and pytest against the installed package;
#   4. replays the fuzz corpora under ASan (docs/fuzzing.md);
#   5. checks the committed gRPC code matches proto/ (scripts/gen-proto.sh).
# `bash scripts/test.sh --filter X` runs only the Swift tests that match.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
[[ $# -eq 0 ]] || exit 0

bash scripts/build-native.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cc -std=c11 -Wall -Wextra -Werror -I include Tests/CABI/abi_smoke.c -o "$scratch/abi_smoke" \
   -L .build/native/lib -lsochdb -Wl,-rpath,"$PWD/.build/native/lib" -lm
"$scratch/abi_smoke" "$scratch"

venv=.build/venv-test
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet ./python
# What the tests use besides the package: pytest, and grpcio with its code
# generator, health and reflection clients for tests/test_grpc.py.
"$venv/bin/python" -m pip install --quiet pytest grpcio grpcio-tools grpcio-health-checking grpcio-reflection
# From outside python/, so `import sochdb` can only find the installed copy.
(cd "$scratch" && SOCHDB_TEST_INSTALLED=1 "$OLDPWD/$venv/bin/python" -m pytest -q -p no:cacheprovider \
   "$OLDPWD/python/tests")

bash scripts/fuzz.sh --replay
bash scripts/gen-proto.sh --check
