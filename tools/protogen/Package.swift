// swift-tools-version: 6.1
// The code generators for proto/ (scripts/gen-proto.sh builds and runs them).
// A package of its own so that building SochDB never builds the generators:
// the Swift code they write is committed under Sources/SochGRPC/Generated.
import PackageDescription

let package = Package(
    name: "SochProtoGen",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    ],
    targets: [
        // Nothing of our own: the products built are swift-protobuf's
        // protoc-gen-swift and grpc-swift-protobuf's protoc-gen-grpc-swift-2.
        .target(name: "SochProtoGenAnchor", path: "Anchor"),
    ]
)
