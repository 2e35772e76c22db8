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
        .library(name: "Settings", targets: ["Settings"]),
        .library(name: "WireFormat", targets: ["WireFormat"]),
        // For the benchmarks package (scrape-1k, synthetic); not a supported embedding API.
        .library(name: "Telemetry", targets: ["Telemetry"]),
        .library(name: "Exporter", targets: ["Exporter"]),
        // For the benchmarks package (push-1k); not a supported embedding API.
        .library(name: "Pushgateway", targets: ["Pushgateway"]),
        .executable(name: "featureflag_exporter", targets: ["featureflag_exporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // Named for the server's own channel handlers (limits, timeouts, TLS per connection); Hummingbird uses them too.
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
    ],
    targets: [
        // OpenSSL libcrypto's low-level SHA-256: the bucket hash (see docs/benchmarks.md for why).
        .target(
            name: "CSHA256",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // A pthread_mutex_t-backed value lock that ThreadSanitizer can see (Synchronization.Mutex it cannot, on Linux).
        .target(name: "Locking", swiftSettings: strictSettings),
        // Clocks, thread sleeps and bounded whole-file reads, written once for every module.
        .target(name: "SystemIO", swiftSettings: strictSettings),
        .target(
            name: "FlagEngine",
            dependencies: ["CSHA256", "Locking", "SystemIO"],
            swiftSettings: strictSettings
        ),
        // The wire: JSON read (JSONParser) and written (JSONWriter), the one context decoder, the mirror feed's and
        // OFREP's request and answer shapes. Pure, so the fuzzers run it.
        .target(name: "WireFormat", dependencies: ["FlagEngine"], swiftSettings: strictSettings),
        .target(
            name: "FlagConfig",
            dependencies: ["FlagEngine", "Locking", "SystemIO", "WireFormat", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // The exporter's own settings: `exporter.yaml` (ExporterSettings) and `--web.config.file` (WebConfig), read
        // with FlagConfig's located YAML readers, so their errors carry file:line:column as the flags' do.
        .target(name: "Settings", dependencies: ["FlagConfig", "FlagEngine", "Secrets", "WireFormat"], swiftSettings: strictSettings),
        // zlib's deflate in gzip framing, for `/metrics` with `Accept-Encoding: gzip`.
        .target(
            name: "CZlib",
            linkerSettings: [.linkedLibrary("z")]
        ),
        // libcurl's easy interface with typed setopt/getinfo wrappers (libcurl4-openssl-dev).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // libcrypt's crypt_rn (libcrypt-dev): bcrypt verification for `basic_auth_users` of --web.config.file.
        .target(name: "CCrypt", linkerSettings: [.linkedLibrary("crypt")]),
        // hiredis's blocking client (libhiredis-dev), for the Redis pub/sub trigger.
        .target(name: "CHiredis", linkerSettings: [.linkedLibrary("hiredis")]),
        // Every outbound HTTP call: config sources, SSM, the Pushgateway.
        // Where a header value or credential comes from (literal, environment variable, file), read at each use.
        .target(name: "Secrets", dependencies: ["SystemIO"], swiftSettings: strictSettings),
        .target(name: "CurlHTTP", dependencies: ["CCurl"], swiftSettings: strictSettings),
        // Short blocking jobs on swift-nio's blocking thread pool, one at a time where they must not overlap.
        .target(
            name: "BlockingWork",
            dependencies: [
                "Locking", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "FlagSync",
            dependencies: [
                "BlockingWork", "FlagConfig", "FlagEngine", "Settings", "CurlHTTP", "CHiredis", "Locking", "Secrets", "SystemIO",
                "WireFormat",
            ],
            swiftSettings: strictSettings
        ),
        // Pushes the registry to a Prometheus Pushgateway (Telemetry for its gzip, CurlHTTP for the requests).
        .target(name: "Pushgateway", dependencies: ["CurlHTTP", "Secrets", "SystemIO", "Telemetry"], swiftSettings: strictSettings),
        // stat(2) results as plain fields, for the mirror feed's rotation and truncation checks.
        .target(name: "CFileInfo"),
        .target(
            name: "Telemetry",
            dependencies: [
                "FlagEngine", "FlagSync", "CZlib", "Locking", "SystemIO",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Exporter",
            dependencies: [
                "BlockingWork", "FlagEngine", "FlagConfig", "Settings", "FlagSync", "Telemetry", "Pushgateway", "CurlHTTP", "CFileInfo", "CCrypt",
                "Locking", "Secrets", "SystemIO", "WireFormat",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings,
            plugins: ["RevisionStamp"]
        ),
        // Stamps `git rev-parse HEAD` into BuildInfo.revision before each build.
        .plugin(name: "RevisionStamp", capability: .buildTool()),
        .executableTarget(
            name: "featureflag_exporter",
            dependencies: [
                "Exporter", "FlagEngine", "FlagConfig", "Settings", "Telemetry", "Pushgateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "FlagEngineTests", dependencies: ["FlagEngine"], swiftSettings: strictSettings),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO"], swiftSettings: strictSettings),
        .testTarget(name: "BlockingWorkTests", dependencies: ["BlockingWork"], swiftSettings: strictSettings),
        .testTarget(name: "WireFormatTests", dependencies: ["WireFormat", "FlagEngine"], swiftSettings: strictSettings),
        .testTarget(name: "FlagConfigTests", dependencies: ["FlagConfig", "FlagEngine", "Settings"], swiftSettings: strictSettings),
        .testTarget(name: "SettingsTests", dependencies: ["Settings", "FlagConfig", "FlagEngine"], swiftSettings: strictSettings),
        .testTarget(
            name: "TelemetryTests",
            dependencies: ["Telemetry", "FlagEngine", "FlagSync", "FlagConfig", "Locking"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FlagSyncTests",
            dependencies: ["FlagSync", "FlagConfig", "Settings", "FlagEngine", "CurlHTTP", "Pushgateway", "Secrets", "WireFormat"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PushgatewayTests", dependencies: ["Pushgateway", "CurlHTTP", "Telemetry", "FlagConfig", "FlagEngine"], swiftSettings: strictSettings),
        .testTarget(
            name: "ExporterTests",
            dependencies: [
                "Exporter", "FlagConfig", "Settings", "FlagEngine", "FlagSync", "Telemetry", "WireFormat", .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
