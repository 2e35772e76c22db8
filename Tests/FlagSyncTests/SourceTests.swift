import Secrets
import WireFormat
import CurlHTTP
import FlagConfig
import Settings
import FlagEngine
@testable import FlagSync
import Foundation
import Testing

@Suite("Config sources, Redis URLs and the cache file")
struct SourceTests {
    @Test("sources are chosen by the form of --config.file")
    func parsing() throws {
        #expect(try ConfigSource(parsing: "config/feature_flags.yaml") == .file(path: "config/feature_flags.yaml"))
        #expect(try ConfigSource(parsing: "file:///etc/flags.yaml") == .file(path: "/etc/flags.yaml"))
        #expect(try ConfigSource(parsing: "https://flags.example/f.yaml") == .http(url: "https://flags.example/f.yaml"))
        #expect(try ConfigSource(parsing: "ssm:///prod/flags?region=eu-west-1") == .ssm(parameter: "/prod/flags", region: "eu-west-1"))
        #expect(
            try ConfigSource(parsing: "ssm://flags", environment: ["AWS_REGION": "us-east-2"])
                == .ssm(parameter: "flags", region: "us-east-2"))
        #expect(try ConfigSource(parsing: "ssm:///prod/flags?region=eu-west-1").description == "ssm:///prod/flags?region=eu-west-1")
    }

    @Test("unusable sources are refused with a reason", arguments: [
        ("ssm://flags", "no AWS region"),
        ("ssm://fl ags?region=x", "not a valid SSM parameter name"),
        ("ssm://flags?region=x&profile=y", "unknown query parameter 'profile'"),
        ("ftp://host/flags.yaml", "unknown scheme"),
        ("https://", "no host"),
        ("", "empty"),
    ])
    func refused(text: String, reason: String) {
        #expect {
            try ConfigSource(parsing: text)
        } throws: { error in
            (error as? ConfigSourceError)?.description.contains(reason) == true
        }
    }

    @Test("credentials never show in a source's description")
    func redaction() throws {
        let source = try ConfigSource(parsing: "https://user:secret@flags.example/f.yaml?x=1")
        #expect(source.description == "https://flags.example/f.yaml?x=1")
        #expect(CurlHTTPClient.redacted("http://a@b@host/p") == "http://host/p")
        #expect(CurlHTTPClient.redacted("http://host/p@q") == "http://host/p@q")
    }

    @Test("Redis URLs: host, port, password and user; the description has no secret")
    func redisURLs() throws {
        let plain = try RedisEndpoint(parsing: "redis://127.0.0.1:6380/2")
        #expect(plain.host == "127.0.0.1" && plain.port == 6380 && plain.password == nil)
        let secret = try RedisEndpoint(parsing: "redis://:hunter2@cache.internal")
        #expect(secret.port == 6379 && secret.password == "hunter2" && secret.user == nil)
        #expect(!secret.description.contains("hunter2"))
        let acl = try RedisEndpoint(parsing: "redis://ops:pw@[::1]:7000")
        #expect(acl.host == "::1" && acl.port == 7000 && acl.user == "ops")
        #expect(throws: ConfigSourceError.self) { try RedisEndpoint(parsing: "http://host") }
        #expect(throws: ConfigSourceError.self) { try RedisEndpoint(parsing: "redis://host:99999") }
    }

    @Test("the cache file is written atomically with its overlay beside it, and loads like a flags file")
    func cache() throws {
        let directory = NSTemporaryDirectory() + "ffe-cache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = ConfigCache(path: directory + "/cache.yaml", environment: "production")
        #expect(!cache.exists)
        let base = ConfigText(name: "http://x/f.yaml", text: "version: \"c1\"\nflags:\n  a:\n    state: enabled\n")
        let overlay = ConfigText(name: "f_production.yaml", text: "flags:\n  a:\n    state: disabled\n")
        try cache.write(FetchedConfig(base: base, overlay: overlay, validator: nil))
        #expect(FileManager.default.fileExists(atPath: directory + "/cache_production.yaml"))
        let loaded = try cache.load()
        #expect(loaded.flagSet.info.version == "c1")
        #expect(loaded.flagSet.definition("a")?.state == .disabled)
        // Without an overlay the old overlay goes, and no temporary file is left behind.
        try cache.write(FetchedConfig(base: base, overlay: nil, validator: nil))
        #expect(try cache.load().flagSet.definition("a")?.state == .enabled)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["cache.yaml"])
    }

    @Test("a fetch from a closed port is a connection error naming the URL")
    func connectionError() throws {
        let fetcher = SourceFetcher(
            source: .http(url: "http://127.0.0.1:9/flags.yaml"), environment: "production",
            options: ExporterSettings.Source(), variables: [:])
        #expect {
            try fetcher.fetch(validator: nil)
        } throws: { error in
            guard let error = error as? FetchError else { return false }
            return error.kind == .connection && error.message.hasPrefix("http://127.0.0.1:9/flags.yaml")
        }
    }

    @Test("header secrets come from the environment or a file; a missing one names the variable, not a value")
    func headers() throws {
        var options = ExporterSettings.Source()
        options.headers = [.init(name: "Authorization", value: .environmentVariable("FLAGS_TOKEN"))]
        let fetcher = SourceFetcher(
            source: .http(url: "http://127.0.0.1:9/f"), environment: "production", options: options, variables: [:])
        #expect {
            try fetcher.fetch(validator: nil)
        } throws: { error in
            (error as? FetchError)?.description == "header Authorization: environment variable FLAGS_TOKEN is not set"
        }
    }

    @Test("SSM error answers are named by their type, and odd ones never crash")
    func ssmErrors() throws {
        let notFound = try JSONParser().parse(#"{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"no /x"}"#)
        #expect(SourceFetcher.ssmErrorReason(notFound, body: "") == ": ParameterNotFound (no /x)")
        #expect(SourceFetcher.ssmErrorReason(try JSONParser().parse(#"{"__type":""}"#), body: "") == ": unknown error")
        #expect(SourceFetcher.ssmErrorReason(try JSONParser().parse(##"{"__type":"#"}"##), body: "") == ": unknown error")
        #expect(SourceFetcher.ssmErrorReason(nil, body: "Service Unavailable\n") == ": Service Unavailable")
    }
}
