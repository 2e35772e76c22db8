// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets, in their own package (like Benchmarks/) so only they are built with -sanitize=fuzzer.
// `make fuzz FUZZ_SECONDS=N` builds them with
// `swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library` and runs each for N seconds
// on its corpus in Fuzz/Corpus/<target>; docs/fuzzing.md says how to reproduce a crash.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "featureflag_exporter-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "featureflag_exporter", path: "..")
    ],
    targets: [
        // The condition language of targeting rules: parse, print, evaluate.
        .executableTarget(
            name: "FuzzCondition",
            dependencies: [.product(name: "FlagEngine", package: "featureflag_exporter")],
            swiftSettings: strictSettings),
        // The flags file: YAML, overlay merge, validation, compilation, evaluation of every flag.
        .executableTarget(
            name: "FuzzFlagsFile",
            dependencies: [
                .product(name: "FlagEngine", package: "featureflag_exporter"),
                .product(name: "FlagConfig", package: "featureflag_exporter"),
            ],
            swiftSettings: strictSettings),
        // An OFREP request body, decoded and evaluated against the shipped config.
        .executableTarget(
            name: "FuzzOFREPBody",
            dependencies: [
                .product(name: "FlagEngine", package: "featureflag_exporter"),
                .product(name: "FlagConfig", package: "featureflag_exporter"),
            ],
            swiftSettings: strictSettings),
        // One line of the mirrored JSONL feed, decoded and evaluated against the shipped config.
        .executableTarget(
            name: "FuzzMirrorLine",
            dependencies: [
                .product(name: "FlagEngine", package: "featureflag_exporter"),
                .product(name: "FlagConfig", package: "featureflag_exporter"),
            ],
            swiftSettings: strictSettings),
    ]
)
