import FlagConfig
import FlagEngine
import Logging
import ServiceLifecycle

/// Checks the flags file again every interval: unchanged content counts as a successful check (it keeps the config
/// fresh), changed valid content is applied, invalid content is refused and logged while the config in use stays.
struct FileRefresher: Service {
    let runtime: ConfigRuntime
    let interval: Double
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastError: String?
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(interval))
                switch runtime.reload() {
                case .applied(let loaded):
                    lastError = nil
                    logger.info(
                        "config changed and applied",
                        metadata: ["flags": "\(loaded.flagSet.count)", "version": "\(loaded.flagSet.info.version)"])
                case .unchanged:
                    lastError = nil
                case .rejected(let error):
                    if error.description != lastError {
                        logger.error("config rejected; keeping the config in use", metadata: ["error": "\(error.description)"])
                    }
                    lastError = error.description
                }
            }
        }
    }
}
