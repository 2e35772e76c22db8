// swift-tools-version:6.1
import PackageDescription

/// Every target is built in the Swift 6 language mode with the house's upcoming features on.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "featureflag_exporter",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FlagEngine", targets: ["FlagEngine"]),
        .library(name: "FlagConfig", targets: ["FlagConfig"]),
        .executable(name: "featureflag_exporter", targets: ["featureflag_exporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // OpenSSL libcrypto's low-level SHA-256: the bucket hash (see docs/benchmarks.md for why).
        .target(
            name: "CSHA256",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(
            name: "FlagEngine",
            dependencies: ["CSHA256"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "FlagConfig",
            dependencies: ["FlagEngine", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Exporter",
            dependencies: ["FlagEngine", "FlagConfig"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "featureflag_exporter",
            dependencies: [
                "Exporter", "FlagEngine", "FlagConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FlagEngineTests", dependencies: ["FlagEngine"], swiftSettings: strictSettings),
        .testTarget(name: "FlagConfigTests", dependencies: ["FlagConfig", "FlagEngine"], swiftSettings: strictSettings),
        .testTarget(
            name: "ExporterTests",
            dependencies: ["Exporter", "FlagConfig", "FlagEngine"],
            swiftSettings: strictSettings
        ),
    ]
)
