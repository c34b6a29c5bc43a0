#!/usr/bin/env bash
# Regenerates the committed Swift code for proto/ (docs/protocol/grpc.md):
#   Sources/SochGRPC/Generated/*.pb.swift     messages    (protoc-gen-swift)
#   Sources/SochGRPC/Generated/*.grpc.swift   services    (protoc-gen-grpc-swift-2)
#   Sources/SochGRPC/Generated/DescriptorSet.swift
#       the files' descriptors (with their comments), base64, for the
#       reflection service
# `bash scripts/gen-proto.sh --check` writes them to a scratch folder and
# fails if they differ from the committed ones (CI runs it).
# Needs protoc (Debian's protobuf-compiler); the two plugins are built from
# tools/protogen into .build-protogen (about a minute the first time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
check=0
[[ "${1:-}" == "--check" ]] && check=1
if ! command -v protoc >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get install -y -qq protobuf-compiler >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null; }
  else
    echo "gen-proto.sh: needs protoc (apt-get install protobuf-compiler)" >&2; exit 1
  fi
fi
scratch=.build-protogen
for product in protoc-gen-swift protoc-gen-grpc-swift-2; do
  swift build -c release --package-path tools/protogen --scratch-path "$scratch" --product "$product" >/dev/null
done
bin=$(swift build -c release --package-path tools/protogen --scratch-path "$scratch" --show-bin-path)

out=Sources/SochGRPC/Generated
target=$out
if [[ $check -eq 1 ]]; then target=$(mktemp -d); trap 'rm -rf "$target"' EXIT; fi
mkdir -p "$target"
rm -f "$target"/*.pb.swift "$target"/*.grpc.swift "$target"/DescriptorSet.swift
protos=(sochdb/v1/sochdb.proto grpc/health/v1/health.proto
        grpc/reflection/v1/reflection.proto grpc/reflection/v1alpha/reflection.proto)
protoc -I proto \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores --swift_out="$target" \
  --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
  --grpc-swift_opt=Visibility=Public --grpc-swift_opt=FileNaming=PathToUnderscores --grpc-swift_out="$target" \
  "${protos[@]}"
desc=$(mktemp)
protoc -I proto --include_imports --include_source_info --descriptor_set_out="$desc" "${protos[@]}"
{
  echo "// DO NOT EDIT. Written by scripts/gen-proto.sh from proto/."
  echo "// A google.protobuf.FileDescriptorSet of every file the server serves,"
  echo "// with source comments, for grpc.reflection (ReflectionService.swift)."
  echo "enum DescriptorSet {"
  echo "    static let base64 = \"\"\""
  base64 -w 100 "$desc"
  echo "\"\"\""
  echo "}"
} > "$target/DescriptorSet.swift"
rm -f "$desc"
if [[ $check -eq 1 ]]; then
  if ! diff -r "$out" "$target" >/dev/null; then
    diff -r "$out" "$target" | head -40 >&2
    echo "gen-proto.sh: $out does not match proto/: run bash scripts/gen-proto.sh and commit" >&2
    exit 1
  fi
  echo "generated code matches proto/"
else
  echo "wrote $(ls "$out" | wc -l) files into $out"
fi
