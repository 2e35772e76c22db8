internal import CCurl
import Synchronization

/// One HTTP request made through libcurl: every outbound call of the exporter (config sources, SSM, Pushgateway).
public struct CurlRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
    }

    public var url: String
    public var method: Method = .get
    /// Header lines as name and value. Values may be secrets: they are never logged or put into errors.
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8]?
    /// Seconds for the whole transfer.
    public var timeout: Double = 10
    /// Seconds to connect.
    public var connectTimeout: Double = 5
    /// A PEM bundle to verify the server with instead of the system's.
    public var caFile: String?
    /// `user:password` for basic auth, or the AWS access key and secret for SigV4.
    public var userPassword: String?
    /// libcurl's `CURLOPT_AWS_SIGV4` provider string, e.g. `aws:amz:eu-west-1:ssm`.
    public var awsSigV4: String?
    /// Responses larger than this fail as ``CurlError/Kind/tooLarge``.
    public var maximumResponseBytes = 16 * 1024 * 1024

    public init(url: String, method: Method = .get) {
        self.url = url
        self.method = method
    }
}

/// What came back.
public struct CurlResponse: Sendable {
    public var status: Int
    /// Response headers in order, names lower-cased.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    /// The body as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why no response came back.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// DNS, refused or reset connections, TLS failures.
        case connection
        /// The transfer or the connect took longer than allowed.
        case timeout
        /// The response was larger than ``CurlRequest/maximumResponseBytes``.
        case tooLarge = "too_large"
        /// A local problem (bad option, out of memory).
        case local
        /// The request itself cannot be sent as given: a CR, LF or NUL in the URL or a header, which would split it
        /// into lines the caller never wrote. Nothing was sent.
        case invalidRequest = "invalid_request"
    }

    public var kind: Kind
    /// libcurl's own message, with the URL it was about (without credentials).
    public var message: String

    public var description: String { message }
}

/// A blocking libcurl client. Each call uses its own easy handle, so calls from several threads do not interfere;
/// call it off the cooperative thread pool (it blocks for up to the request's timeout).
public enum CurlHTTPClient {
    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    /// libcurl's version string.
    public static var libraryVersion: String {
        String(cString: curl_version())
    }

    /// Performs `request` and returns the response, whatever its status.
    public static func perform(_ request: CurlRequest) throws(CurlError) -> CurlResponse {
        try validate(request)
        guard globalInit, let handle = curl_easy_init() else {
            throw CurlError(kind: .local, message: "libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink(limit: request.maximumResponseBytes)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        ccurl_setopt_string(handle, CURLOPT_URL, request.url)
        ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_setopt_string(handle, CURLOPT_USERAGENT, "featureflag_exporter")
        // Only http and https, even if a server redirects.
        ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        if let caFile = request.caFile { ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let userPassword = request.userPassword { ccurl_setopt_string(handle, CURLOPT_USERPWD, userPassword) }
        if let provider = request.awsSigV4 { ccurl_setopt_string(handle, CURLOPT_AWS_SIGV4, provider) }
        switch request.method {
        case .get: ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case .post, .put, .delete: ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // Without this libcurl adds `Expect: 100-continue` to larger bodies and waits for the server.
        headerList = curl_slist_append(headerList, "Expect:")
        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)

        let body = request.body ?? []
        let result: CURLcode = body.withUnsafeBufferPointer { bytes in
            if request.body != nil {
                ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
                // An empty body still needs a valid pointer.
                let start = bytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) } ?? sink.emptyBody
                ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, start)
            } else if request.method == .post || request.method == .put {
                ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, 0)
                ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, sink.emptyBody)
            }
            let context = Unmanaged.passUnretained(sink).toOpaque()
            ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
                return sink.appendBody(UnsafeRawBufferPointer(start: data, count: size * count))
            }
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            ccurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
                sink.appendHeader(UnsafeRawBufferPointer(start: data, count: size * count))
                return size * count
            }
            ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
            return curl_easy_perform(handle)
        }
        if result != CURLE_OK {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            let target = redacted(request.url)
            if sink.overflowed {
                throw CurlError(kind: .tooLarge, message: "\(target): response larger than \(request.maximumResponseBytes) bytes")
            }
            throw CurlError(kind: kind(of: result), message: "\(target): \(message)")
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return CurlResponse(status: status, headers: sink.headers, body: sink.body)
    }

    /// Refuses a request whose URL or headers hold a byte that would end a line: libcurl would send it as written,
    /// and a header value `b\r\nX-Injected: 1` would reach the server as two headers.
    public static func validate(_ request: CurlRequest) throws(CurlError) {
        if let bad = forbiddenByte(in: request.url) {
            throw CurlError(kind: .invalidRequest, message: "the URL contains \(bad); it was not requested")
        }
        for header in request.headers {
            if header.name.isEmpty || header.name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") }) {
                throw CurlError(kind: .invalidRequest, message: "header name '\(header.name)' is not a valid HTTP field name")
            }
            if let bad = forbiddenByte(in: header.name) ?? forbiddenByte(in: header.value) {
                // The value may be a secret: name the header, never print its value.
                throw CurlError(kind: .invalidRequest, message: "header \(header.name) contains \(bad); it was not sent")
            }
        }
    }

    /// The name of the first CR, LF or NUL in `text`, if any.
    static func forbiddenByte(in text: String) -> String? {
        for byte in text.utf8 {
            switch byte {
            case 0x0D: return "a carriage return (CR)"
            case 0x0A: return "a line feed (LF)"
            case 0x00: return "a NUL byte"
            default: continue
            }
        }
        return nil
    }

    static func kind(of code: CURLcode) -> CurlError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_OUT_OF_MEMORY, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_FAILED_INIT,
            CURLE_NOT_BUILT_IN:
            .local
        default: .connection
        }
    }

    /// `url` without any `user:password@` part, for logs and errors.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd: String.Index = rest.firstIndex { character in "/?#".contains(character) } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }
}

/// Collects one response; used only by the thread inside `curl_easy_perform`.
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var overflowed = false
    let limit: Int
    let emptyBody = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    init(limit: Int) { self.limit = limit }
    deinit { emptyBody.deallocate() }

    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= limit else {
            overflowed = true
            return 0  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    func appendHeader(_ bytes: UnsafeRawBufferPointer) {
        // Trimmed as bytes: Swift reads "\r\n" as one Character, so comparing Characters with "\r" or "\n" would
        // keep the line ending in the value (and an ETag echoed in If-None-Match would end the request early).
        var end = bytes.count
        while end > 0, [0x0D, 0x0A, 0x20, 0x09].contains(bytes[end - 1]) { end -= 1 }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response (after a 100 Continue or a redirect) starts
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        headers.append((name, String(value)))
    }
}
