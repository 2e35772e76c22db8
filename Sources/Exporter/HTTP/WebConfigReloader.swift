import FlagConfig
import Settings
import Locking
import Logging
import NIOSSL
import Telemetry

/// `--web.config.file`, read again when it or a certificate file it names changes (``WebConfigWatcher``) and on
/// SIGHUP, so a rotated certificate, key, client CA or user list applies without a restart. A new
/// connection takes ``latest``: no file is read on an event loop.
///
/// The TLS context is rebuilt only when the files' bytes change. A broken file (or certificate) never takes the server down and never opens it up: the last good
/// configuration stays in use, the error is logged once, and
/// `feature_flag_exporter_web_config_last_reload_successful` reads 0 until a good one is back.
final class WebConfigReloader: Sendable {
    /// One good configuration and the TLS context made from it.
    struct Active: Sendable {
        let config: WebConfig
        /// `nil` for plain HTTP.
        let tls: TLSServerContext?
        /// The web config text and the PEM files' text it was made from.
        let inputs: [String]
    }

    /// The TLS context, and how a client certificate is judged beyond the context's own verification.
    struct TLSServerContext: Sendable {
        let context: NIOSSLContext
        /// For RequestClientCert and RequireAnyClientCert: any certificate is accepted, unverified.
        let acceptAnyCertificate: Bool
    }

    let path: String
    private let metrics: HTTPMetrics
    private let logger: Logger
    private let state: Locked<State>

    private struct State {
        var active: Active
        var lastError: String?
    }

    /// Loads the file for the first time; an error here stops `serve` from starting.
    init(path: String, metrics: HTTPMetrics, logger: Logger) throws(ServeSetupError) {
        self.path = path
        self.metrics = metrics
        self.logger = logger
        do {
            state = Locked(State(active: try Self.load(path: path, reusing: nil)))
        } catch {
            throw ServeSetupError(description: "invalid --web.config.file:\n\(error.description)")
        }
        metrics.setWebConfigReloadSuccessful(true)
    }

    /// The configuration last read, without reading again (for requests on a connection already set up).
    var latest: Active { state.withLock { $0.active } }

    /// The files the configuration in use was read from: the web config and the certificate files it names.
    var watchedPaths: [String] {
        let config = latest.config
        var paths = [path]
        if let tls = config.tls {
            // Resolved against the web config's folder when it was read.
            paths += [tls.certificateFile, tls.keyFile] + (tls.clientCAFile.map { [$0] } ?? [])
        }
        return paths
    }

    /// Reads the files again (blocking: call it off the event loops) and returns the configuration now in use.
    @discardableResult
    func reload() -> Active {
        let previous = latest
        do throws(WebConfigError) {
            let active = try Self.load(path: path, reusing: previous)
            if let weakening = Self.weakening(from: previous.config, to: active.config) {
                // An emptied or half-written file must not open the exporter up: what was protected stays so until
                // the exporter is restarted with the weaker file on purpose.
                throw WebConfigError(description: "\(path): \(weakening); refused, the previous web config stays (restart to weaken it on purpose)")
            }
            let recovered = state.withLock { state in
                state.active = active
                defer { state.lastError = nil }
                return state.lastError != nil
            }
            if recovered { logger.info("web config read again successfully", metadata: ["file": "\(path)"]) }
            metrics.setWebConfigReloadSuccessful(true)
            return active
        } catch {
            let message = error.description
            let isNew = state.withLock { state in
                defer { state.lastError = message }
                return state.lastError != message
            }
            if isNew {
                logger.error(
                    "web config unusable; keeping the previous one", metadata: ["file": "\(path)", "error": "\(message)"])
            }
            metrics.setWebConfigReloadSuccessful(false)
            return previous
        }
    }

    /// Reads the web config and its PEM files; reuses `previous` when none of them changed.
    /// What a new web config would turn off that the one in use has on: TLS, basic auth, or a client certificate
    /// requirement; `nil` when it is at least as strict.
    static func weakening(from old: WebConfig, to new: WebConfig) -> String? {
        if old.tls != nil && new.tls == nil { return "it turns TLS off" }
        if !old.basicAuthUsers.isEmpty && new.basicAuthUsers.isEmpty { return "it turns basic auth off (no basic_auth_users)" }
        if let before = old.tls?.clientAuth, let after = new.tls?.clientAuth {
            let strength: [WebConfig.ClientAuth: Int] = [
                .noClientCert: 0, .requestClientCert: 1, .verifyClientCertIfGiven: 2, .requireAnyClientCert: 2,
                .requireAndVerifyClientCert: 3,
            ]
            if strength[after]! < strength[before]! {
                return "it weakens client_auth_type from \(before.rawValue) to \(after.rawValue)"
            }
        }
        return nil
    }

    static func load(path: String, reusing previous: Active?) throws(WebConfigError) -> Active {
        let text: String
        let config: WebConfig
        do {
            let read = try FlagConfigLoader.readFile(path)
            text = read.text
            if let previous, previous.inputs.first == text {
                if previous.tls == nil { return previous }
                config = previous.config
            } else {
                config = try WebConfig.load(read, directory: WebConfig.directory(of: path))
            }
        } catch {
            throw WebConfigError(description: error.description)
        }
        guard let tls = config.tls else { return Active(config: config, tls: nil, inputs: [text]) }
        var files = [tls.certificateFile, tls.keyFile]
        if let clientCA = tls.clientCAFile { files.append(clientCA) }
        var inputs = [text]
        for file in files {
            do {
                inputs.append(try FlagConfigLoader.readFile(file).text)
            } catch {
                throw WebConfigError(description: error.description)
            }
        }
        if let previous, previous.inputs == inputs { return previous }
        let context = try makeContext(
            tls, certificate: inputs[1], key: inputs[2], clientCA: inputs.count > 3 ? inputs[3] : nil)
        return Active(config: config, tls: context, inputs: inputs)
    }

    static func makeContext(
        _ tls: WebConfig.TLSServer, certificate: String, key: String, clientCA: String?
    ) throws(WebConfigError) -> TLSServerContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8))
            guard !chain.isEmpty else { throw WebConfigError(description: "\(tls.certificateFile): no PEM certificate in it") }
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem)
            } catch {
                throw WebConfigError(description: "\(tls.keyFile): not a PEM private key (\(error))")
            }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
            configuration.minimumTLSVersion = Self.version(tls.minimumVersion)
            configuration.maximumTLSVersion = tls.maximumVersion.map(Self.version)
            if let clientCA {
                let authorities = try NIOSSLCertificate.fromPEMBytes(Array(clientCA.utf8))
                guard !authorities.isEmpty else {
                    throw WebConfigError(description: "\(tls.clientCAFile ?? ""): no PEM certificate in it")
                }
                configuration.trustRoots = .certificates(authorities)
                configuration.sendCANameList = true
            }
            switch tls.clientAuth {
            case .noClientCert: configuration.certificateVerification = .none
            case .requestClientCert, .verifyClientCertIfGiven: configuration.certificateVerification = .optionalVerification
            case .requireAnyClientCert, .requireAndVerifyClientCert:
                configuration.certificateVerification = .noHostnameVerification
            }
            let context = try NIOSSLContext(configuration: configuration)
            return TLSServerContext(
                context: context,
                acceptAnyCertificate: tls.clientAuth == .requestClientCert || tls.clientAuth == .requireAnyClientCert)
        } catch let error as WebConfigError {
            throw error
        } catch {
            throw WebConfigError(
                description: "\(tls.certificateFile), \(tls.keyFile): cannot make a TLS server context: \(error)")
        }
    }

    private static func version(_ version: WebConfig.Version) -> TLSVersion {
        switch version {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }
}

/// Why `--web.config.file` (or a certificate file it names) could not be used.
struct WebConfigError: Error, Sendable, CustomStringConvertible {
    var description: String
}
