import ArgumentParser
import Exporter
import FlagConfig
import Settings
import Logging
import Pushgateway

/// `push`: one batch run to a Pushgateway.
struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Evaluate once (synthetic users, a mirror file, or both), push the metrics to a Pushgateway, and exit.",
        discussion: """
            For CI jobs, cron jobs and hosts Prometheus cannot scrape. Exit status: 0 pushed (or deleted), \
            1 bad input or config, 2 the gateway was unreachable or refused after the retries. \
            Unset options take push: of the exporter config (see docs/pushgateway.md).
            """
    )

    @OptionGroup var config: ConfigOptions

    @Option(help: "Synthetic users to evaluate (members 0 ..< N of the modelled population).")
    var users: Int?

    @Option(name: .customLong("mirror.file"), help: "A JSON-lines file of real decisions to replay once.")
    var mirrorFile: String?

    @Option(name: .customLong("gateway.url"), help: "The Pushgateway, http(s)://host:port[/prefix] (default: push.url).")
    var gatewayURL: String?

    @Option(help: "The job label of the group (default: push.job, else featureflag_exporter).")
    var job: String?

    @Option(name: .customLong("grouping"), help: "A grouping label name=value after the job (repeatable; an empty value is allowed).")
    var grouping: [String] = []

    @Option(help: "put replaces the whole group, post only the families pushed (default: push.method, else put).")
    var method: String?

    @Flag(help: "Delete the group instead of pushing (nothing is evaluated).")
    var delete = false

    @Option(name: .customLong("gateway.username"), help: "Basic auth user.")
    var username: String?

    @Option(name: .customLong("gateway.password-file"), help: "A file holding the basic auth password.")
    var passwordFile: String?

    @Option(name: .customLong("gateway.password-env"), help: "An environment variable holding the basic auth password.")
    var passwordEnvironmentVariable: String?

    @Option(name: .customLong("gateway.bearer-token-file"), help: "A file holding a bearer token.")
    var bearerTokenFile: String?

    @Option(name: .customLong("gateway.bearer-token-env"), help: "An environment variable holding a bearer token.")
    var bearerTokenEnvironmentVariable: String?

    @Option(name: .customLong("gateway.header"), help: "An extra request header 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("gateway.ca-file"), help: "A PEM bundle to verify an https gateway with.")
    var caFile: String?

    @Option(name: .customLong("gateway.timeout"), help: "Seconds one attempt may take (default 10).")
    var timeout: Double?

    @Option(name: .customLong("gateway.connect-timeout"), help: "Seconds one attempt may take to connect (default 5).")
    var connectTimeout: Double?

    @Option(name: .customLong("gateway.retries"), help: "Retries after connection errors, timeouts and 5xx, never 4xx (default 3).")
    var retries: Int?

    @Flag(name: .customLong("gateway.gzip"), help: "Send the body gzip-compressed.")
    var gzip = false

    /// Bad options are bad input: exit 1, as the discussion above promises, not ArgumentParser's usage code 64.
    func validate() throws {
        do {
            try checkOptions()
        } catch let error as ValidationError {
            printToStandardError("featureflag_exporter push: \(error.message)")
            throw ExitCode(1)
        }
    }

    private func checkOptions() throws {
        if let users, users < 1 || users > 1_000_000_000 {
            throw ValidationError("--users must be between 1 and 1000000000")
        }
        if let method, PushgatewayClient.Method(rawValue: method) == nil {
            throw ValidationError("--method must be put or post, not '\(method)'")
        }
        if let timeout, !(timeout > 0 && timeout <= 300) { throw ValidationError("--gateway.timeout must be in (0, 300]") }
        if let connectTimeout, !(connectTimeout > 0 && connectTimeout <= 300) {
            throw ValidationError("--gateway.connect-timeout must be in (0, 300]")
        }
        if let retries, retries < 0 || retries > 10 { throw ValidationError("--gateway.retries must be between 0 and 10") }
        if delete && (users != nil || mirrorFile != nil) {
            throw ValidationError("--delete pushes nothing: drop --users and --mirror.file")
        }
    }

    func run() throws {
        let variables = ProcessEnvironment.variables()
        LoggingSystem.bootstrap { label in ExporterLogHandler(label: label, format: .logfmt, level: .warning) }
        let logger = Logger(label: "featureflag_exporter")

        let settings: ExporterSettings
        do {
            settings = try config.settings()
        } catch {
            Self.exit(withError: ExitCode(1))
        }
        var options = PushOptions()
        options.gatewayURL = gatewayURL
        options.job = job
        options.grouping = grouping
        options.method = method.flatMap(PushgatewayClient.Method.init(rawValue:))
        options.username = username
        options.passwordFile = passwordFile
        options.passwordEnvironmentVariable = passwordEnvironmentVariable
        options.bearerTokenFile = bearerTokenFile
        options.bearerTokenEnvironmentVariable = bearerTokenEnvironmentVariable
        options.headers = headers
        options.caFile = caFile
        options.timeout = timeout
        options.connectTimeout = connectTimeout
        options.retries = retries
        if gzip { options.gzip = true }
        let plan: PushPlan
        do {
            guard let resolved = try PushPlan.resolve(options: options, settings: settings.push, variables: variables) else {
                fail(1, "no Pushgateway: give --gateway.url or push.url in the exporter config")
            }
            plan = resolved
        } catch {
            fail(1, error.description)
        }
        let url = plan.client.configuration.redactedURL

        if delete {
            do {
                try plan.client.delete(plan.group)
                print("deleted group {\(plan.group)} from \(url)")
                return
            } catch {
                fail(error)
            }
        }

        let run = BatchRun(
            selection: config.selection(settings: settings), settings: settings, users: users, mirrorFile: mirrorFile, variables: variables)
        let result: BatchRun.Result
        do {
            result = try run.run(logger: logger)
        } catch {
            fail(1, error.description)
        }
        do {
            let report = try plan.client.push(result.body, to: plan.group, method: plan.method)
            let milliseconds = Int((report.durationSeconds * 1000).rounded())
            print(
                "pushed \(result.flags) flags\(result.configVersion.isEmpty ? "" : " (version \(result.configVersion))"), \(result.syntheticUsers) synthetic users, "
                    + "\(result.mirroredLines) mirrored lines (\(result.mirrorMismatches) mismatches): "
                    + "\(result.body.count) bytes by \(plan.method.rawValue.uppercased()) to \(url), group {\(plan.group)}, "
                    + "in \(milliseconds) ms, \(report.attempts) attempt\(report.attempts == 1 ? "" : "s")")
        } catch {
            fail(error)
        }
    }

    /// Exit 1 for what is wrong on our side (nothing sent), 2 for a gateway that is unreachable or refuses.
    private func fail(_ error: PushError) -> Never {
        switch error.kind {
        case .invalid: fail(1, error.message)
        case .connection, .timeout: fail(2, "push failed, the gateway is unreachable: \(error.message)")
        case .httpStatus: fail(2, "push failed, the gateway refused it: \(error.message)")
        }
    }

    private func fail(_ status: Int32, _ message: String) -> Never {
        printToStandardError("featureflag_exporter: \(message)")
        Self.exit(withError: ExitCode(status))
    }
}
