import BlockingWork
import Logging

/// The files that guard the HTTP server beside the flags: `--web.config.file` (TLS, basic auth) and
/// `--ofrep.api-key-file`. SIGHUP and `POST /-/reload` read both again (the web config is also watched by
/// ``WebConfigWatcher``); a file that cannot be used leaves the one in use in place.
struct AccessFiles: Sendable {
    let webConfig: WebConfigReloader?
    let apiKeys: APIKeyFile?
    let logger: Logger

    /// Reads the files again on the blocking pool, never on an event loop or the cooperative pool.
    func reload() async {
        guard webConfig != nil || apiKeys != nil else { return }
        await BlockingWork.shared.run { [self] in
            webConfig?.reload()
            if let apiKeys, case .failure(let error) = apiKeys.reload() {
                logger.error("OFREP API keys not reloaded", metadata: ["file": "\(apiKeys.path)", "error": "\(error.description)"])
            }
        }
    }
}
