import Foundation
import Testing

/// OFREP calls to a running exporter; every response is kept and ``validate()`` checks them all against the spec's
/// response shapes (Tests/Fixtures/ofrep/responses.schema.json, through Python's jsonschema).
final class OFREPProbe {
    enum Route: String { case single, bulk }

    struct Record: Encodable {
        var route: String
        var status: Int
        var body: String
        var headers: String
    }

    let baseURL: String
    private(set) var records: [Record] = []

    init(_ exporter: RunningExporter) { baseURL = exporter.baseURL }
    init(baseURL: String) { self.baseURL = baseURL }

    /// `POST /ofrep/v1/evaluate/flags/{key}` (`key` goes on the path as given: percent-encode it yourself).
    @discardableResult
    func single(_ key: String, _ body: String?, method: String = "POST", headers: [String] = [], curlArguments: [String] = [])
        throws -> HTTP.Response
    {
        try call(.single, "/ofrep/v1/evaluate/flags/" + key, body, method: method, headers: headers, curlArguments: curlArguments)
    }

    /// `POST /ofrep/v1/evaluate/flags`.
    @discardableResult
    func bulk(_ body: String?, method: String = "POST", headers: [String] = [], curlArguments: [String] = [])
        throws -> HTTP.Response
    {
        try call(.bulk, "/ofrep/v1/evaluate/flags", body, method: method, headers: headers, curlArguments: curlArguments)
    }

    private func call(
        _ route: Route, _ path: String, _ body: String?, method: String, headers: [String], curlArguments: [String]
    ) throws -> HTTP.Response {
        var arguments = curlArguments
        if method == "HEAD" { arguments.append("--head") }
        let response = try HTTP.request(
            baseURL + path, method: method == "HEAD" ? "GET" : method, body: body,
            headers: body == nil ? headers : ["Content-Type: application/json"] + headers, curlArguments: arguments)
        records.append(Record(route: route.rawValue, status: response.status, body: response.body, headers: response.headers))
        return response
    }

    /// Every response so far against the schema; throws with each violation.
    func validate() throws {
        let encoder = JSONEncoder()
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        let output = try CommandRunner.run(
            try PythonTools.executable("python3"),
            [CommandRunner.repositoryRoot + "/Tests/Fixtures/ofrep/validate_responses.py"], input: lines)
        guard output.status == 0 else {
            throw TestFailure("OFREP responses off the spec:\n\(output.standardOutput)\(output.standardError)")
        }
    }
}

extension HTTP.Response {
    /// The value of header `name` (case-insensitive), if sent.
    func header(_ name: String) -> String? {
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == name.lowercased() {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}
