#if canImport(Glibc)
import Glibc
#endif

/// Checks that the listen address can be bound before anything else starts, so a second exporter on a busy port
/// says so at once, naming the address, instead of loading its config and then failing inside the server.
enum ListenProbe {
    /// Binds and releases `host:port` (with `SO_REUSEADDR`, as the server does); port 0 is always free.
    static func check(host: String, port: Int) throws(ServeSetupError) {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw ServeSetupError(
                description: "cannot listen on \(host):\(port): \(String(cString: gai_strerror(status))) (--web.listen-address)")
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else { return }  // nothing to learn here; the server reports its own failure
        defer { close(descriptor) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            let reason = errno
            let hint =
                reason == EADDRINUSE
                ? "another process (perhaps another exporter) is listening there; stop it or choose another --web.listen-address"
                : reason == EACCES ? "ports below 1024 need privileges; choose another --web.listen-address" : "check --web.listen-address"
            throw ServeSetupError(
                description: "cannot listen on \(host):\(port): \(String(cString: strerror(reason))); \(hint)")
        }
    }
}

/// Checks, before anything starts, that the folders the exporter will write to or read from exist: a mistyped
/// `--config.cache-file` or `--mirror.file` directory would otherwise fail quietly on every write or read.
enum StartupPaths {
    /// The folder of `path` must exist and be a directory; `what` names the option for the error.
    static func checkDirectory(of path: String, for what: String, writable: Bool) throws(ServeSetupError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard let handle = opendir(directory) else {
            let reason = errno
            if reason == ENOENT {
                throw ServeSetupError(
                    description: "\(what) \(path): its directory \(directory) does not exist; create it or choose another path")
            }
            throw ServeSetupError(description: "\(what) \(path): \(directory): \(String(cString: strerror(reason)))")
        }
        closedir(handle)
        if writable && access(directory, W_OK) != 0 {
            throw ServeSetupError(description: "\(what) \(path): the directory \(directory) is not writable by this user")
        }
    }
}
