import FlagConfig
import FlagEngine
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Every layer valid on its own; only regular files read")
struct LayerTests {
    static let base = """
        flags:
          a:
            state: rollout
            rollout: {strategy: percentage, percentage: 140}
          b:
            state: enabled

        """

    static let validBase = String(base.split(separator: "140", omittingEmptySubsequences: false).joined(separator: "40"))

    @Test("a bad value in the base is an error even where the overlay replaces it, at the base's own line and column")
    func baseBehindOverlay() throws {
        try ConfigFixtures.withTemporaryDirectory { (directory: String) throws in
            ConfigFixtures.write(Self.base, to: directory + "/flags.yaml")
            ConfigFixtures.write("flags:\n  a:\n    rollout: {percentage: 50}\n", to: directory + "/flags_production.yaml")
            for environment in ["production", "development"] {
                #expect {
                    try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: environment)
                } throws: { error in
                    (error as? FlagConfigError)?.errors.map(\.description.firstLine) == [
                        directory + "/flags.yaml:4:49: flags.a.rollout.percentage: 140 is not in 0...100"
                    ]
                }
            }
        }
    }

    @Test("a bad value in an environments: section is an error even where the overlay file replaces it")
    func sectionBehindOverlay() throws {
        try ConfigFixtures.withTemporaryDirectory { (directory: String) throws in
            let base = """
                flags:
                  a:
                    state: rollout
                    rollout: {strategy: percentage, percentage: 10}
                environments:
                  production:
                    flags:
                      a:
                        rollout: {percentage: -5}

                """
            ConfigFixtures.write(base, to: directory + "/flags.yaml")
            ConfigFixtures.write("flags:\n  a:\n    rollout: {percentage: 50}\n", to: directory + "/flags_production.yaml")
            #expect {
                try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "production")
            } throws: { error in
                (error as? FlagConfigError)?.errors.map(\.description.firstLine) == [
                    directory + "/flags.yaml:9:31: flags.a.rollout.percentage: -5 is not in 0...100"
                ]
            }
            // Other environments do not take production's section: they load.
            #expect(try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "staging").flagSet.count == 1)
        }
    }

    @Test("an error in the overlay itself is located in the overlay, once")
    func overlayError() throws {
        try ConfigFixtures.withTemporaryDirectory { (directory: String) throws in
            ConfigFixtures.write(Self.validBase, to: directory + "/flags.yaml")
            ConfigFixtures.write("flags:\n  a:\n    rollout: {percentage: 101}\n", to: directory + "/flags_qa.yaml")
            #expect {
                try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "qa")
            } throws: { error in
                (error as? FlagConfigError)?.errors.map(\.description.firstLine) == [
                    directory + "/flags_qa.yaml:3:27: flags.a.rollout.percentage: 101 is not in 0...100"
                ]
            }
        }
    }

    /// What is at the path, made in `directory`.
    enum Kind: String, CaseIterable, Sendable {
        case fifo, directory, danglingLink

        func make(at path: String, in directory: String) {
            switch self {
            case .fifo: mkfifo(path, 0o600)
            case .directory: mkdir(path, 0o700)
            case .danglingLink: symlink(directory + "/nowhere.yaml", path)
            }
        }

        var message: String {
            switch self {
            case .fifo: "is a FIFO (named pipe), not a regular file"
            case .directory: "is a directory, not a regular file"
            case .danglingLink: "is a symbolic link to a file that does not exist"
            }
        }
    }

    @Test("a FIFO, directory or dangling link as the flags file is an error at once, never a hang", arguments: Kind.allCases)
    func baseKinds(kind: Kind) throws {
        try ConfigFixtures.withTemporaryDirectory { (directory: String) throws in
            kind.make(at: directory + "/flags.yaml", in: directory)
            #expect {
                try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "development")
            } throws: { error in
                (error as? FlagConfigError)?.description == directory + "/flags.yaml: " + kind.message
            }
        }
    }

    @Test("a FIFO, directory or dangling link as the overlay is an error, never a silent fall-back to the base", arguments: Kind.allCases)
    func overlayKinds(kind: Kind) throws {
        try ConfigFixtures.withTemporaryDirectory { (directory: String) throws in
            ConfigFixtures.write(Self.validBase, to: directory + "/flags.yaml")
            kind.make(at: directory + "/flags_production.yaml", in: directory)
            #expect {
                try FlagConfigLoader.load(path: directory + "/flags.yaml", environment: "production")
            } throws: { error in
                (error as? FlagConfigError)?.description == directory + "/flags_production.yaml: " + kind.message
            }
        }
    }
}

extension String {
    fileprivate var firstLine: String { String(prefix { $0 != "\n" }) }
}
