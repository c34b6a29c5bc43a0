#!/usr/bin/env bash
# Builds SochDB's native parts in release and installs them into a prefix
# (default .build/native), the layout a C user or the Python package reads:
#   <prefix>/lib/libsochdb.so        the C ABI, Swift runtime linked inside
#   <prefix>/include/sochdb.h        its header
#   <prefix>/bin/sochdb-bulk         the bulk CLI     } statically
#   <prefix>/bin/sochdb-server       the IPC server   } linked Swift
#   <prefix>/bin/sochdb-grpc-server  the gRPC server  } runtime
# Usage: bash scripts/build-native.sh [--prefix DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
prefix=.build/native
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    *) echo "usage: $0 [--prefix DIR]" >&2; exit 64 ;;
  esac
done
bash scripts/setup.sh
# Its own build folder: the Swift runtime is linked statically, a different
# configuration from .build/release, and sharing one folder would rebuild
# everything each time the two alternate. One invocation per product
# (SwiftPM builds only what a product needs), all with the same flags.
flags=(-c release --static-swift-stdlib --scratch-path .build/native-build)
for product in sochdb-ffi sochdb-bulk sochdb-server sochdb-grpc-server; do
  swift build "${flags[@]}" --product "$product"
done
bin=$(swift build "${flags[@]}" --show-bin-path)
case "$(uname -s)" in Darwin) ext=dylib ;; *) ext=so ;; esac
mkdir -p "$prefix/lib" "$prefix/include" "$prefix/bin"
install -m 0755 "$bin/libsochdb-ffi.$ext" "$prefix/lib/libsochdb.$ext"
install -m 0644 include/sochdb.h "$prefix/include/sochdb.h"
install -m 0755 "$bin/sochdb-bulk" "$bin/sochdb-server" "$bin/sochdb-grpc-server" "$prefix/bin/"
echo "installed libsochdb.$ext, sochdb.h, sochdb-bulk, sochdb-server and sochdb-grpc-server into $prefix"
