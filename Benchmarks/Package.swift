// swift-tools-version:6.1
import PackageDescription

// The benchmarks live in their own package (as swift-nio's do) so the main build stays lean.
let package = Package(
    name: "featureflag_exporter-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "featureflag_exporter", path: "..")
    ],
    targets: [
        .target(name: "CHeapUsage"),
        .executableTarget(
            name: "flagbench",
            dependencies: [
                .product(name: "FlagEngine", package: "featureflag_exporter"),
                .product(name: "FlagConfig", package: "featureflag_exporter"),
                .product(name: "Settings", package: "featureflag_exporter"),
                .product(name: "Telemetry", package: "featureflag_exporter"),
                .product(name: "Exporter", package: "featureflag_exporter"),
                .product(name: "Pushgateway", package: "featureflag_exporter"),
                "CHeapUsage",
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
