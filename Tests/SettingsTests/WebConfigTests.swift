import FlagConfig
import Settings
import Testing

@Suite("--web.config.file: the exporter-toolkit format, validated with file:line:column")
struct WebConfigParsingTests {
    static let hash = "$2y$10$KZws0CDnxGP7iJ3yDfPotOtMWswffhC4.FWfXarilEzMAZrkEu.Aa"

    func load(_ yaml: String) throws(FlagConfigError) -> WebConfig {
        try WebConfig.load(ConfigText(name: "web.yml", text: yaml), directory: "/etc/exporter")
    }

    func firstError(_ yaml: String) -> String? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error.diagnostics.first { $0.severity == .error }?.description.split(separator: "\n").first.map(String.init)
        }
    }

    @Test("a full file: relative paths resolve against the file's directory; min_version defaults to TLS12")
    func full() throws {
        let config = try load(
            """
            tls_server_config:
              cert_file: tls/server.crt
              key_file: /abs/server.key
              client_ca_file: ca.crt
              client_auth_type: RequireAndVerifyClientCert
              max_version: TLS13
            basic_auth_users:
              alice: \(Self.hash)

            """)
        let tls = try #require(config.tls)
        #expect(tls.certificateFile == "/etc/exporter/tls/server.crt")
        #expect(tls.keyFile == "/abs/server.key")
        #expect(tls.clientCAFile == "/etc/exporter/ca.crt")
        #expect(tls.clientAuth == .requireAndVerifyClientCert)
        #expect(tls.minimumVersion == .tls12)
        #expect(tls.maximumVersion == .tls13)
        #expect(config.basicAuthUsers == ["alice": Self.hash])
        #expect(try load("").tls == nil)
        #expect(WebConfig.directory(of: "web.yml") == ".")
        #expect(WebConfig.directory(of: "/web.yml") == "/")
    }

    @Test("every mistake is an error at its place, never ignored")
    func errors() {
        #expect(firstError("tls_server_config:\n  cert_file: a\n  key_flie: b\n")?.hasPrefix("web.yml:3:3: tls_server_config.key_flie: unknown field 'key_flie'") == true)
        #expect(firstError("tls_server_config:\n  cert_file: a\n") == "web.yml:2:3: tls_server_config: tls_server_config needs both cert_file and key_file")
        #expect(firstError("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [X]\n")
            == "web.yml:4:3: tls_server_config.cipher_suites: cipher_suites is not supported by featureflag_exporter; remove it")
        #expect(firstError("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n")?
            .contains("needs client_ca_file") == true)
        #expect(firstError("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n")?
            .contains("client_ca_file is set but client_auth_type NoClientCert") == true)
        #expect(firstError("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Yes\n")?
            .hasPrefix("web.yml:4:21: tls_server_config.client_auth_type: client_auth_type 'Yes' is not one of") == true)
        #expect(firstError("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n")?
            .hasPrefix("web.yml:4:16:") == true)
        #expect(firstError("basic_auth_users:\n  alice: hunter2\n")?.hasPrefix("web.yml:2:10: basic_auth_users.alice: not a bcrypt hash") == true)
        #expect(firstError("basic_auth_users:\n  'a:b': \(Self.hash)\n")?.contains("must not contain ':'") == true)
        #expect(firstError("http_server_config:\n  http2: false\n")?.contains("not supported") == true)
        #expect(firstError("tls_config: {}\n")?.hasPrefix("web.yml:1:1: tls_config: unknown field") == true)
        #expect(firstError("tls_server_config: [\n")?.hasPrefix("web.yml:") == true)
    }
}
