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

func library(_ name: String) -> Target.Dependency {
    .product(name: name, package: "featureflag_exporter")
}

let engine = [library("FlagEngine")]

func fuzzTarget(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"], swiftSettings: strictSettings)
}

let package = Package(
    name: "featureflag_exporter-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "featureflag_exporter", path: "..")
    ],
    targets: [
        // The hand-over to libFuzzer and the shipped config, shared by the targets.
        .target(name: "FuzzSupport", dependencies: engine + ["FlagConfig"].map(library), swiftSettings: strictSettings),
        // The condition language of targeting rules: parse, evaluate.
        fuzzTarget("FuzzCondition", dependencies: engine),
        // The flags file: YAML, overlay merge, validation, compilation, evaluation of every flag.
        fuzzTarget("FuzzFlagsFile", dependencies: engine + ["FlagConfig"].map(library)),
        // An OFREP request body, decoded and evaluated against the shipped config.
        fuzzTarget("FuzzOFREPBody", dependencies: engine + ["FlagConfig", "WireFormat"].map(library)),
        // One line of the mirrored JSONL feed, decoded and evaluated against the shipped config.
        fuzzTarget("FuzzMirrorLine", dependencies: engine + ["FlagConfig", "WireFormat"].map(library)),
        // An Unleash REGEX constraint's pattern, compiled and matched against a text (RE2's syntax, linear time).
        fuzzTarget("FuzzRegex", dependencies: engine),
    ]
)
