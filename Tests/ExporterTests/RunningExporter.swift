import Foundation

/// A `featureflag_exporter serve` process on 127.0.0.1 and a free port, stopped (SIGTERM) when the test is done.
final class RunningExporter {
    let process = Process()
    let logPath: String
    private(set) var port = 0
    let directory: String
    /// Objects that must live as long as the process (its temporary directory).
    var retained: [AnyObject] = []
    /// Whether `process.run()` succeeded.
    private var launched = false

    /// Starts the exporter with `arguments` (after `serve`) and waits until it listens.
    init(_ arguments: [String], directory: String, environment: [String: String] = [:]) throws {
        self.directory = directory
        logPath = directory + "/exporter.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)  // FileHandle below throws if it is missing
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: CommandRunner.binary)
        process.arguments = ["serve", "--web.listen-address", "127.0.0.1:0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: CommandRunner.repositoryRoot)
        var inherited = ["PATH": "/usr/bin:/bin"]
        // `make tsan`: a race in the exporter process halts it, so the test that started it fails.
        if let options = ProcessInfo.processInfo.environment["TSAN_OPTIONS"] { inherited["TSAN_OPTIONS"] = options }
        process.environment = inherited.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        launched = true
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let found = Self.listeningPort(in: self.log) {
                port = found
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw TestFailure("exporter did not start listening:\n\(self.log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    static func listeningPort(in log: String) -> Int? {
        // logfmt or --log.format json.
        guard let range = log.range(of: "msg=listening address=127.0.0.1:")
            ?? log.range(of: #""address":"127.0.0.1:"#)
        else { return nil }
        let digits = log[range.upperBound...].prefix(while: \.isNumber)
        return Int(digits)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// An exporter serving `flags` with the exporter file `settings` in production, from a fresh temporary directory
    /// that lives as long as it does.
    static func serving(_ extra: [String] = [], flags: String = serveFixture, settings: String = serveSettings) throws
        -> (RunningExporter, TemporaryDirectory)
    {
        let directory = try TemporaryDirectory()
        let flagsFile = try directory.write("flags.yaml", flags)
        let settingsFile = try directory.write("exporter.yaml", settings)
        let exporter = try RunningExporter(
            ["--config.file", flagsFile, "--exporter.config-file", settingsFile, "--environment", "production"] + extra,
            directory: directory.path)
        exporter.retained.append(directory)
        return (exporter, directory)
    }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        // Foundation traps on the status of a process that never ran: a test whose exporter could not start must
        // fail with its error, not take the whole test process down.
        guard launched else { return -1 }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit { stop() }

    /// The value of the first sample of `metric` whose line contains every one of `labels`, from a fresh scrape.
    func sample(_ metric: String, _ labels: [String] = []) throws -> Double? {
        let body = try HTTP.request("\(baseURL)/metrics").body
        for line in body.split(separator: "\n") where line.hasPrefix(metric + "{") || line.hasPrefix(metric + " ") {
            guard labels.allSatisfy({ line.contains($0) }) else { continue }
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    /// Waits out one period of the exporter's mirror flusher (1 s), so that every mirrored evaluation made so far is in
    /// the series: a scrape only reads, it never hands pending mirrored counts over. Without it, a check that a count
    /// did *not* move could pass only because the count had not arrived yet.
    func awaitMirrorFlush() {
        Thread.sleep(forTimeInterval: 1.5)
    }

    /// Polls `condition` every 100 ms until it holds or `timeout` passes.
    static func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// HTTP requests through curl, the real client operators use.
enum HTTP {
    struct Response {
        var status: Int
        var headers: String
        var body: String
    }

    static func request(
        _ url: String, method: String = "GET", body: String? = nil, bodyFile: String? = nil, headers: [String] = [],
        curlArguments: [String] = []
    ) throws -> Response {
        let directory = try TemporaryDirectory()
        let headerFile = directory.path + "/headers"
        let bodyOut = directory.path + "/body"
        var arguments = ["-s", "-X", method, "-o", bodyOut, "-D", headerFile, "-w", "%{http_code}", "--max-time", "30"]
        for header in headers { arguments += ["-H", header] }
        arguments += curlArguments
        if let body {
            let input = directory.path + "/input"
            try body.write(toFile: input, atomically: true, encoding: .utf8)
            arguments += ["--data-binary", "@" + input]
        }
        if let bodyFile { arguments += ["--data-binary", "@" + bodyFile] }
        arguments.append(url)
        let output = try CommandRunner.run("/usr/bin/curl", arguments)
        guard output.status == 0, let status = Int(output.standardOutput) else {
            throw TestFailure("curl \(url) failed (\(output.status)): \(output.standardError)")
        }
        return Response(
            status: status, headers: (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "",
            body: (try? String(contentsOfFile: bodyOut, encoding: .utf8)) ?? "")
    }
}

/// A temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        // mkdtemp's template: the six X are replaced by a unique name.
        var template = Array((NSTemporaryDirectory() + "/ffe-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: created)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A TCP port that was free a moment ago on 127.0.0.1.
func freePort() throws -> Int {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
            guard bind(socketDescriptor, raw, length) == 0 else { return -1 }
            return getsockname(socketDescriptor, raw, &length)
        }
    }
    guard bound == 0 else { throw TestFailure("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
