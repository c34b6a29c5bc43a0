// swift-tools-version: 6.0
// SochDB: an embedded, vector-search-first database.
//
// Build flags: the hot kernels are compiled for the build machine's CPU
// (`-target-cpu native`) because swiftc on Linux otherwise targets baseline
// x86-64 (SSE2) and the SIMD kernels lose ~30% (see Benchmarks/kernels.md).
// A binary built so runs only on CPUs with the same instruction set
// extensions. Set SOCHDB_PORTABLE=1 in the environment when building to get a
// baseline binary that runs on any x86-64 (or arm64) machine.
import PackageDescription
import Foundation

let portable = ProcessInfo.processInfo.environment["SOCHDB_PORTABLE"] == "1"
let nativeFlags: [SwiftSetting] = portable ? [.define("SOCHDB_PORTABLE")] : [
    .unsafeFlags(["-target-cpu", "native"]),
]
let hotSettings: [SwiftSetting] = nativeFlags + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]
// The vector kernels are optimised in debug builds too: the test suite's
// recall tests build 20,000-vector graphs, which take minutes at -Onone.
let vectorSettings: [SwiftSetting] = hotSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
let cNative: [CSetting] = portable ? [] : [.unsafeFlags(["-march=native"])]

let package = Package(
    name: "SochDB",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SochDB", targets: ["SochDB"]),
        .executable(name: "sochdb-bulk", targets: ["sochdb-bulk"]),
        .executable(name: "sochdb-bench", targets: ["sochdb-bench"]),
        .executable(name: "sochdb", targets: ["sochdb"]),
        .executable(name: "sochdb-stress", targets: ["sochdb-stress"]),
        .executable(name: "sochdb-examples", targets: ["sochdb-examples"]),
        .executable(name: "sochdb-server", targets: ["sochdb-server"]),
        .executable(name: "sochdb-grpc-server", targets: ["sochdb-grpc-server"]),
        .library(name: "SochGRPC", targets: ["SochGRPC"]),
        .library(name: "SochClient", targets: ["SochClient"]),
        // The C ABI (include/sochdb.h). SwiftPM names the file after the
        // product, libsochdb-ffi.so (an executable already owns "sochdb");
        // scripts/build-native.sh installs it as libsochdb.so, its soname.
        .library(name: "sochdb-ffi", type: .dynamic, targets: ["SochFFI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // gRPC: only SochGRPC and sochdb-grpc-server depend on these, so an
        // embedded user of SochDB builds none of them.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CSochSupport", cSettings: cNative + [.unsafeFlags(["-O3"])]),
        .target(
            name: "SochVector",
            dependencies: ["CBLAS", "CSochSupport"],
            swiftSettings: vectorSettings
        ),
        .target(
            name: "SochStorage",
            dependencies: ["CSochSupport"],
            swiftSettings: hotSettings
        ),
        .target(name: "SochTOON"),
        .target(name: "SochSQL", dependencies: ["SochStorage", "SochTOON"], swiftSettings: nativeFlags),
        .target(
            name: "SochDB",
            dependencies: ["SochVector", "SochStorage", "SochTOON", "SochSQL"],
            swiftSettings: nativeFlags
        ),
        // The IPC layer: frames and payloads (no sockets, no engine), the
        // SwiftNIO server over a Database, and the blocking Swift client.
        .target(name: "SochWire"),
        .target(
            name: "SochServer",
            dependencies: [
                "SochDB", "SochWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: nativeFlags
        ),
        .target(name: "SochClient", dependencies: ["SochDB", "SochWire"], swiftSettings: nativeFlags),
        // The gRPC layer (docs/protocol/grpc.md): the services over index
        // files and a Database, on grpc-swift 2. Generated/ is written by
        // scripts/gen-proto.sh from proto/ and committed.
        .target(
            name: "SochGRPC",
            dependencies: [
                "SochDB",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: nativeFlags
        ),
        .executableTarget(
            name: "sochdb-grpc-server",
            dependencies: [
                "SochGRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: nativeFlags
        ),
        // The C ABI: a C half (thread-local last error, sochdb_free) and the
        // Swift entry points over the embedded Database. Linked with the
        // Swift runtime inside (-static-stdlib) and only sochdb_* exported, so
        // no target may depend on it (a test binary would get two runtimes):
        // it is tested through its header (Tests/CABI) and from Python.
        .target(name: "CSochFFI"),
        .target(
            name: "SochFFI",
            dependencies: ["SochDB", "CSochFFI"],
            exclude: ["exports.map"],
            swiftSettings: nativeFlags,
            // Foundation's own static dependencies are named explicitly: its
            // module, compiled for dynamic linking, does not autolink them.
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xlinker", "-soname=libsochdb.so",
                                           "-lFoundationInternationalization", "-lFoundationEssentials",
                                           "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCollections",
                                           "-l_FoundationCShims",
                                           "-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/SochFFI/exports.map"],
                                          .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "sochdb-server",
            dependencies: [
                "SochServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: nativeFlags
        ),
        .executableTarget(
            name: "sochdb-bulk",
            dependencies: [
                "SochDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeFlags
        ),
        .executableTarget(
            name: "sochdb",
            dependencies: [
                "SochDB", "SochClient", "SochWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeFlags
        ),
        .executableTarget(
            name: "sochdb-stress",
            dependencies: [
                "SochDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nativeFlags
        ),
        .executableTarget(
            name: "sochdb-bench",
            dependencies: [
                "SochDB", "SochWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/SochBench",
            swiftSettings: nativeFlags
        ),
        .testTarget(name: "SochVectorTests", dependencies: ["SochVector"], swiftSettings: nativeFlags),
        .target(name: "SochDBExamples", dependencies: ["SochDB"], path: "Examples/UseCases", swiftSettings: nativeFlags),
        .executableTarget(name: "sochdb-examples", dependencies: ["SochDBExamples"], path: "Examples/Runner", swiftSettings: nativeFlags),
        .testTarget(name: "SochStorageTests", dependencies: ["SochStorage"], swiftSettings: nativeFlags),
        .testTarget(name: "SochTOONTests", dependencies: ["SochTOON", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "SochSQLTests", dependencies: ["SochSQL", "SochStorage", "SochTOON"], exclude: ["Golden"],
                    swiftSettings: nativeFlags),
        .testTarget(name: "SochDBTests", dependencies: ["SochDB", "SochDBExamples"], swiftSettings: nativeFlags),
        .testTarget(name: "SochWireTests", dependencies: ["SochWire"]),
        .testTarget(name: "SochServerTests", dependencies: ["SochServer", "SochClient", "SochWire"], swiftSettings: nativeFlags),
        .testTarget(
            name: "SochGRPCTests",
            dependencies: [
                "SochGRPC", "SochDB",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: nativeFlags
        ),
    ]
)

// Coverage-guided fuzz targets (libFuzzer), one executable per parser of
// untrusted bytes, in Fuzz/<name>/. They exist only when SOCHDB_FUZZ=1, so
// the normal build never sees them; scripts/fuzz.sh builds them with
// -sanitize=fuzzer,address into .build-fuzz and runs them (docs/fuzzing.md).
if ProcessInfo.processInfo.environment["SOCHDB_FUZZ"] == "1" {
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("sql", ["SochSQL", "SochStorage"]),
        ("toon", ["SochTOON"]),
        ("filter", ["SochDB"]),
        ("metadata", ["SochDB"]),
        ("npy", ["SochVector"]),
        ("hnsw", ["SochVector"]),
        ("wal", ["SochStorage", "FuzzStorageSupport"]),
        ("sstable", ["SochStorage", "FuzzStorageSupport"]),
        ("manifest", ["SochStorage"]),
        ("ipc", ["SochWire", "SochServer", "SochDB"]),
    ]
    package.targets.append(contentsOf: [
        .target(name: "CFuzzing", path: "Fuzz/CFuzzing"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzing"], path: "Fuzz/Support"),
        .target(name: "FuzzStorageSupport", dependencies: ["SochStorage"], path: "Fuzz/StorageSupport"),
    ])
    for (name, dependencies) in fuzzTargets
    where FileManager.default.fileExists(atPath: Context.packageDirectory + "/Fuzz/\(name)") {
        package.targets.append(.executableTarget(
            name: "fuzz-\(name)", dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/\(name)", exclude: ["corpus"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ))
    }
}
