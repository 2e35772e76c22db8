import ArgumentParser
import Exporter
import FlagConfig
import FlagEngine
#if canImport(Glibc)
import Glibc
#endif

/// `eval`: evaluate one flag for one context from the shell, or JSON lines in batch.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a flag for a context and print the result as JSON.",
        discussion: """
            With --batch, reads JSON lines {"flag_key": ..., "context": {...}} on standard input and writes one \
            result line per input line, in order; a malformed line gets an error line and the run goes on. \
            A context without `environment` is evaluated in the active environment.
            """
    )

    @OptionGroup var config: ConfigOptions

    @Argument(help: "The flag key (not with --batch).")
    var flag: String?

    @Option(name: .customLong("user-id"), help: "The user id (bucketing id).")
    var userID: String?

    @Option(name: .customLong("user-type"), help: "The user type.")
    var userType: String?

    @Option(name: .customLong("request-id"), help: "A request id.")
    var requestID: String?

    @Option(name: .customLong("attr"), help: "A custom attribute k=v; v is typed as JSON when it parses (true, 5, \"5\", [\"a\"], {\"plan\":\"pro\"}), and True, False and None as Python writes them.")
    var attributes: [String] = []

    @Option(help: "Evaluate at this RFC 3339 time (gradual rollouts).")
    var at: String?

    @Flag(help: "Read JSON lines on standard input.")
    var batch = false

    func validate() throws {
        if batch && flag != nil { throw ValidationError("give either a FLAG or --batch, not both") }
        if !batch && flag == nil { throw ValidationError("missing FLAG (or use --batch)") }
        if let at, RFC3339Time.parse(at) == nil { throw ValidationError("--at '\(at)' is not an RFC 3339 time") }
        for attribute in attributes where !attribute.contains("=") {
            throw ValidationError("--attr '\(attribute)' is not of the form key=value")
        }
    }

    func run() throws {
        let settings = try config.settings()
        let (selection, loaded) = try config.load(settings: settings)
        let active = selection.environment
        let clock: EvaluationClock = at.flatMap(RFC3339Time.parse).map(EvaluationClock.fixed) ?? .system
        if batch {
            let evaluator = BatchEvaluator(flagSet: loaded.flagSet, defaultEnvironment: active, clock: clock)
            do {
                try evaluator.run(input: STDIN_FILENO, output: STDOUT_FILENO)
            } catch {
                printToStandardError(error.description)
                throw ExitCode(1)
            }
            return
        }
        var context = context(environment: active)
        if let flagd = loaded.flagSet.flagdDefinitions {
            context.timestamp = at.flatMap(RFC3339Time.parse)
            return try evaluateFlagd(flagd, context, source: selection.source)
        }
        if let unleash = loaded.flagSet.unleashToggles {
            context.timestamp = at.flatMap(RFC3339Time.parse)
            return try evaluateUnleash(unleash, context, source: selection.source)
        }
        let result = loaded.flagSet.evaluate(flag!, in: context, clock: clock)
        print(result.jsonLine)
        if loaded.flagSet.index(of: flag!) == nil {
            printToStandardError("featureflag_exporter: flag '\(flag!)' is not in \(selection.source) (environment \(active))")
            throw ExitCode(1)
        }
    }

    /// The context the options describe.
    func context(environment: String?) -> EvaluationContext {
        var context = EvaluationContext(userID: userID, userType: userType, environment: environment, requestID: requestID)
        for attribute in attributes {
            let parts = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            context.customAttributes[String(parts[0])] = AttributeValue(commandLine: String(parts[1]))
        }
        return context
    }

    /// A flagd file: the flag resolved as flagd would, `--user-id` as the targeting key; exit 1 for a flag it lacks.
    func evaluateFlagd(_ flagSet: FlagdFlagSet, _ context: EvaluationContext, source: String) throws {
        let resolution = flagSet.resolve(flag!, context: context, now: EvaluationClock.system.now())
        print(FlagdReport.jsonLine(resolution, flagKey: flag!))
        if flagSet.flags[flag!] == nil {
            printToStandardError("featureflag_exporter: flag '\(flag!)' is not in \(source)")
            throw ExitCode(1)
        }
    }

    /// An Unleash payload: the toggle evaluated as the SDKs do, `--user-id` as `userId`, other attributes as
    /// `sessionId`, `remoteAddress`, `appName`, `currentTime` or properties; exit 1 for a toggle it lacks.
    func evaluateUnleash(_ toggleSet: UnleashToggleSet, _ context: EvaluationContext, source: String) throws {
        let result = toggleSet.evaluate(flag!, context: UnleashContext(context), now: EvaluationClock.system.now())
        print(UnleashReport.jsonLine(result, flagKey: flag!))
        if result.notFound {
            printToStandardError("featureflag_exporter: toggle '\(flag!)' is not in \(source)")
            throw ExitCode(1)
        }
    }
}
