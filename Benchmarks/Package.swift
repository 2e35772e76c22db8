// swift-tools-version:6.1
import PackageDescription

// The benchmarks live in their own package (as swift-nio's do) so the main build stays lean.
let package = Package(
    name: "featureflag_exporter-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "featureflag_exporter", path: ".."),
        // The HTTP floors of the OFREP workload (scripts/bench-ofrep.sh): the same versions the exporter uses.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
    ],
    targets: [
        .target(name: "CHeapUsage"),
        // The OFREP answer from a bare Hummingbird router, and from a bare swift-nio HTTP/1.1 pipeline: what the
        // exporter's HTTP stack costs before any of the exporter's own work.
        .executableTarget(name: "hbfloor", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
        .executableTarget(
            name: "niofloor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
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
