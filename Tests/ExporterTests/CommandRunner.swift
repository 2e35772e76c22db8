import Foundation

/// Runs the built `featureflag_exporter` (or another program) and captures its output.
enum CommandRunner {
    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    /// The debug build of the executable, next to this test bundle.
    static let binary: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundle.appendingPathComponent("featureflag_exporter").path,
            repositoryRoot + "/.build/debug/featureflag_exporter",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil)
        throws -> Output
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        if let environment { process.environment = environment }
        let output = Pipe()
        let error = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    static func exporter(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws
        -> Output
    {
        try run(binary, arguments, input: input, environment: environment ?? ["PATH": "/usr/bin:/bin"])
    }
}
