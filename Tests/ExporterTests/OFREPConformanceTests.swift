import Foundation
import Testing

/// Flags covering every OFREP reason and every OpenFeature value type.
let ofrepFixture = """
    version: "ofrep-1"
    flags:
      static_on:
        state: enabled
        default_variant: "off"
        variants: {on: true, off: false}
        metadata: {owner: team-a, phase: 2, critical: true, weight: 0.5, tags: [a, b], nested: {x: 1}, reason: shadowed}
      switched_off:
        state: disabled
        variants: {on: true, off: false}
      percent:
        state: rollout
        default_variant: "off"
        variants: {on: true, off: false}
        rollout: {strategy: percentage, percentage: 50}
      by_plan:
        state: rollout
        default_variant: "off"
        variants: {on: true, off: false}
        rollout: {strategy: percentage, percentage: 50, bucket_by: plan}
      listed:
        state: rollout
        default_variant: "off"
        variants: {on: true, off: false}
        rollout: {strategy: user_list, user_list: [vip-1]}
      colour:
        state: rollout
        default_variant: control
        variants: {control: grey, blue: blue, green: green}
        rollout: {strategy: split, distribution: {control: 50, blue: 30, green: 20}}
      pro_only:
        state: disabled
        default_variant: "off"
        variants: {on: true, off: false}
      gated:
        state: rollout
        default_variant: "off"
        variants: {on: true, off: false}
        rollout: {strategy: percentage, percentage: 0}
        targeting_rules:
          - {name: pro_accounts, condition: "account.plan == 'pro'", variant: "on", priority: 100}
          - {name: beta_group, condition: "'beta' in groups", variant: "on", priority: 90}
          - {name: admins, condition: "user_type == 'admin'", variant: "on", priority: 80}
      child:
        state: enabled
        variants: {on: true, off: false}
        dependencies: [switched_off]
      limit:
        state: enabled
        default_variant: low
        variants: {low: 10, high: 100}
        rollout: {variant: high}
      ratio:
        state: enabled
        default_variant: low
        variants: {low: 0.25, high: 1.5}
        rollout: {variant: high}
      theme:
        state: enabled
        default_variant: "off"
        variants: {on: {colour: blue, size: 3}, off: {colour: grey, size: 1}}

    """

let ofrepSettings = """
    synthetic: {enabled: false}

    """

@Suite("OFREP to the letter: reasons, contexts, protocol details", .serialized)
struct OFREPConformanceTests {
    static func start(_ extra: [String] = [], settings: String = ofrepSettings) throws -> (RunningExporter, TemporaryDirectory) {
        try RunningExporter.serving(extra, flags: ofrepFixture, settings: settings)
    }

    @Test("every engine reason maps to OpenFeature's, the engine's own kept in metadata; every value type resolves")
    func reasons() throws {
        let (exporter, _) = try Self.start()
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        func answer(_ key: String, _ context: String = #"{"targetingKey":"u-1"}"#) throws -> [String: Any] {
            let response = try probe.single(key, #"{"context":\#(context)}"#)
            #expect(response.status == 200, "\(key): \(response.body)")
            return response.json
        }
        func reasons(_ json: [String: Any]) -> [String] {
            [json["reason"] as? String ?? "?", (json["metadata"] as? [String: Any])?["reason"] as? String ?? "?"]
        }
        #expect(reasons(try answer("static_on")) == ["STATIC", "STATIC"])
        #expect(reasons(try answer("switched_off")) == ["DISABLED", "FLAG_DISABLED"])
        #expect(reasons(try answer("child")) == ["DEFAULT", "PREREQUISITE_FAILED"])
        #expect(reasons(try answer("colour")) == ["SPLIT", "SPLIT"])
        #expect(reasons(try answer("listed", #"{"targetingKey":"vip-1"}"#)) == ["TARGETING_MATCH", "ROLLOUT_MATCH"])
        #expect(reasons(try answer("listed", #"{"targetingKey":"nobody"}"#)) == ["DEFAULT", "DEFAULT"])
        #expect(reasons(try answer("gated", #"{"targetingKey":"u-1","user_type":"admin"}"#)) == ["TARGETING_MATCH", "TARGETING_MATCH"])
        // A user inside a percentage rollout and one outside it were both decided by the split of the population.
        var seen: Set<[String]> = []
        for index in 0..<40 { seen.insert(reasons(try answer("percent", #"{"targetingKey":"user-\#(index)"}"#))) }
        #expect(seen == [["SPLIT", "ROLLOUT_MATCH"], ["SPLIT", "DEFAULT"]])

        #expect(try answer("limit")["value"] as? Int == 100)
        #expect(try answer("ratio")["value"] as? Double == 1.5)
        #expect((try answer("theme")["value"] as? [String: Any])?["colour"] as? String == "blue")
        #expect(try answer("colour")["value"] is String)

        // The flag's scalar metadata rides along; lists, objects and our own reserved names do not.
        let metadata = try answer("static_on")["metadata"] as? [String: Any] ?? [:]
        #expect(metadata["owner"] as? String == "team-a")
        #expect(metadata["phase"] as? Int == 2)
        #expect(metadata["critical"] as? Bool == true)
        #expect(metadata["weight"] as? Double == 0.5)
        #expect(metadata["tags"] == nil && metadata["nested"] == nil)
        #expect(metadata["reason"] as? String == "STATIC")
        try probe.validate()
    }

    @Test("nested context attributes reach conditions; camelCase names alias the seed's; conflicting spellings are refused")
    func nestedContexts() throws {
        let (exporter, _) = try Self.start()
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let pro = try probe.single("gated", #"{"context":{"targetingKey":"u-9","account":{"plan":"pro","seats":3}}}"#)
        #expect(pro.status == 200)
        #expect(pro.json["variant"] as? String == "on")
        #expect((pro.json["metadata"] as? [String: Any])?["rule"] as? String == "pro_accounts")
        let beta = try probe.single("gated", #"{"context":{"targetingKey":"u-9","groups":["staff","beta"]}}"#)
        #expect((beta.json["metadata"] as? [String: Any])?["rule"] as? String == "beta_group")
        let free = try probe.single("gated", #"{"context":{"targetingKey":"u-9","account":{"plan":"free"},"groups":[]}}"#)
        #expect(free.json["variant"] as? String == "off")
        let camel = try probe.single("gated", #"{"context":{"targetingKey":"u-9","userType":"admin"}}"#)
        #expect((camel.json["metadata"] as? [String: Any])?["rule"] as? String == "admins")
        let both = try probe.single("gated", #"{"context":{"targetingKey":"u-9","userType":"admin","user_type":"user"}}"#)
        #expect(both.status == 400)
        #expect(both.json["errorCode"] as? String == "INVALID_CONTEXT")
        #expect(both.json["errorDetails"] as? String == "the spellings user_type/userType of one field have different values")
        let deep = String(repeating: #"{"a":"#, count: 20) + "1" + String(repeating: "}", count: 20)
        let tooDeep = try probe.single("gated", #"{"context":{"targetingKey":"u-9","x":\#(deep)}}"#)
        #expect(tooDeep.status == 400)
        try probe.validate()
    }

    @Test("no context is INVALID_CONTEXT; no targetingKey where a rollout needs one is TARGETING_KEY_MISSING, counted as an error")
    func missingContext() throws {
        let (exporter, _) = try Self.start()
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        for body in ["", "{}", #"{"context":null}"#] {
            let response = try probe.single("static_on", body)
            #expect(response.status == 400, "\(body)")
            #expect(response.json["errorCode"] as? String == "INVALID_CONTEXT")
            #expect(response.json["key"] as? String == "static_on")
            #expect(try probe.bulk(body).json["errorCode"] as? String == "INVALID_CONTEXT")
        }
        // A static flag needs no key; a percentage rollout does.
        #expect(try probe.single("static_on", #"{"context":{}}"#).status == 200)
        let missing = try probe.single("percent", #"{"context":{"user_type":"user"}}"#)
        #expect(missing.status == 400)
        #expect(missing.json["errorCode"] as? String == "TARGETING_KEY_MISSING")
        #expect(missing.json["errorDetails"] as? String == "flag 'percent' rolls out by user and the context has no targetingKey")
        let noPlan = try probe.single("by_plan", #"{"context":{"targetingKey":"u-1"}}"#)
        #expect(noPlan.json["errorCode"] as? String == "INVALID_CONTEXT")
        #expect(noPlan.json["errorDetails"] as? String == "flag 'by_plan' rolls out by 'plan' and the context has no such attribute")
        // In bulk, each such flag is an error item beside the others' values.
        let bulk = try probe.bulk(#"{"context":{}}"#)
        #expect(bulk.status == 200)
        let items = bulk.json["flags"] as? [[String: Any]] ?? []
        let errors = Dictionary(uniqueKeysWithValues: items.compactMap { item in
            (item["errorCode"] as? String).map { (item["key"] as? String ?? "?", $0) }
        })
        #expect(errors == ["percent": "TARGETING_KEY_MISSING", "by_plan": "INVALID_CONTEXT", "listed": "TARGETING_KEY_MISSING", "colour": "TARGETING_KEY_MISSING", "gated": "TARGETING_KEY_MISSING"])
        #expect(items.count == 12)
        // Counted as errors, never as evaluations of a variant nobody was served.
        exporter.awaitMirrorFlush()
        #expect(try exporter.sample("feature_flag_errors_total", ["flag_key=\"percent\"", "error_type=\"targeting_key_missing\""]) == 2)
        #expect(try exporter.sample("feature_flag_evaluations_total", ["flag_key=\"percent\"", "source=\"mirror\""]) ?? 0 == 0)
        try probe.validate()
    }

    @Test("a bulk call succeeds under a rate limit below the flag count; 429 carries Retry-After")
    func rateLimit() throws {
        let (exporter, _) = try Self.start(settings: "synthetic: {enabled: false}\nmirror: {rate_limit: 2}\n")
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let first = try probe.bulk(#"{"context":{"targetingKey":"u-1"}}"#)
        #expect(first.status == 200, "a bulk call over 12 flags with rate_limit 2 must be able to succeed")
        let second = try probe.bulk(#"{"context":{"targetingKey":"u-2"}}"#)
        #expect(second.status == 429)
        let wait = Int(second.header("Retry-After") ?? "")
        #expect(wait != nil && wait! >= 1 && wait! <= 6, "Retry-After: \(second.header("Retry-After") ?? "none")")
        let single = try probe.single("static_on", #"{"context":{"targetingKey":"u-1"}}"#)
        #expect(single.status == 429)
        #expect(single.header("Retry-After") != nil)
        try probe.validate()
    }

    @Test("If-None-Match is answered before evaluating and before the rate limit: weak tags and lists match, a 304 counts nothing")
    func conditionalRequests() throws {
        let (exporter, _) = try Self.start(settings: "synthetic: {enabled: false}\nmirror: {rate_limit: 4}\n")
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let body = #"{"context":{"targetingKey":"u-1"}}"#
        let first = try probe.bulk(body)
        #expect(first.status == 200)
        let tag = try #require(first.header("ETag"))
        exporter.awaitMirrorFlush()
        let counted = try exporter.sample("feature_flag_evaluations_total", ["flag_key=\"static_on\"", "source=\"mirror\""])
        #expect(counted == 1)
        // The bucket is now in debt: anything evaluated would be 429, a match is still 304.
        for header in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
            let again = try probe.bulk(body, headers: ["If-None-Match: \(header)"])
            #expect(again.status == 304, "If-None-Match: \(header)")
            #expect(again.header("ETag") == tag)
        }
        #expect(try probe.bulk(body, headers: ["If-None-Match: \"other\""]).status == 429)
        exporter.awaitMirrorFlush()
        #expect(try exporter.sample("feature_flag_evaluations_total", ["flag_key=\"static_on\"", "source=\"mirror\""]) == counted)
        // Another context is another answer.
        Thread.sleep(forTimeInterval: 3.5)  // 12 tokens taken from a bucket of 4: the 4 needed are back after 3 s
        let other = try probe.bulk(#"{"context":{"targetingKey":"u-2"}}"#, headers: ["If-None-Match: \(tag)"])
        #expect(other.status == 200)
        #expect(other.header("ETag") != tag)
        try probe.validate()
    }

    @Test("keys are percent-decoded; other methods get 405 with Allow; OPTIONS answers CORS preflights when origins are allowed")
    func methodsAndCORS() throws {
        let (exporter, _) = try Self.start(["--ofrep.cors-origin", "https://app.example.com"])
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let decoded = try probe.single("static%5Fon", #"{"context":{}}"#)
        #expect(decoded.json["key"] as? String == "static_on")
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            let response = try probe.bulk(nil, method: method)
            #expect(response.status == 405, "\(method)")
            #expect(response.header("Allow") == "POST, OPTIONS")
        }
        let origin = "Origin: https://app.example.com"
        let preflight = try probe.single(
            "static_on", nil, method: "OPTIONS",
            headers: [origin, "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type, x-api-key"])
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "https://app.example.com")
        #expect(preflight.header("Access-Control-Allow-Methods") == "POST, OPTIONS")
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("X-API-Key") == true)
        let actual = try probe.bulk(#"{"context":{"targetingKey":"u-1"}}"#, headers: [origin])
        #expect(actual.header("Access-Control-Allow-Origin") == "https://app.example.com")
        #expect(actual.header("Access-Control-Expose-Headers")?.contains("ETag") == true)
        let stranger = try probe.bulk(#"{"context":{"targetingKey":"u-1"}}"#, headers: ["Origin: https://evil.example"])
        #expect(stranger.header("Access-Control-Allow-Origin") == nil)
        #expect(stranger.header("Vary") == "Origin")
        try probe.validate()

        // CORS off (the default): OPTIONS only lists the methods.
        let (plain, _) = try Self.start()
        defer { plain.stop() }
        let quiet = try OFREPProbe(plain).single("static_on", nil, method: "OPTIONS", headers: [origin])
        #expect(quiet.status == 204)
        #expect(quiet.header("Access-Control-Allow-Origin") == nil)
    }

    @Test("API keys from a file, as X-API-Key or a bearer token, beside basic auth; an emptied file keeps the keys")
    func apiKeys() throws {
        let directory = try TemporaryDirectory()
        let keys = try directory.write("keys", "# OFREP clients\nkey-one\n\n  key-two  \n")
        let (exporter, _) = try Self.start(["--ofrep.api-key-file", keys, "--web.enable-lifecycle"])
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let body = #"{"context":{"targetingKey":"u-1"}}"#
        let none = try probe.single("static_on", body)
        #expect(none.status == 401)
        #expect(none.header("WWW-Authenticate") == "Bearer realm=\"featureflag_exporter\"")
        #expect(try probe.single("static_on", body, headers: ["X-API-Key: wrong"]).status == 401)
        #expect(try probe.single("static_on", body, headers: ["X-API-Key: key-one"]).status == 200)
        #expect(try probe.bulk(body, headers: ["Authorization: Bearer key-two"]).status == 200)
        // Only OFREP asks for a key.
        #expect(try HTTP.request("\(exporter.baseURL)/metrics").status == 200)
        #expect(try exporter.sample("feature_flag_exporter_http_refused_total", ["reason=\"unauthorized\""]) == 2)

        // Emptied, then reloaded: refused, the keys in use stay. Replaced: the new key works, the old does not.
        try "".write(toFile: keys, atomically: true, encoding: .utf8)
        kill(exporter.process.processIdentifier, SIGHUP)
        #expect(RunningExporter.eventually(timeout: 10) { exporter.log.contains("OFREP API keys not reloaded") })
        #expect(try probe.single("static_on", body, headers: ["X-API-Key: key-one"]).status == 200)
        try "key-three\n".write(toFile: keys, atomically: true, encoding: .utf8)
        #expect(try HTTP.request("\(exporter.baseURL)/-/reload", method: "POST").status == 200)
        #expect(try probe.single("static_on", body, headers: ["X-API-Key: key-three"]).status == 200)
        #expect(try probe.single("static_on", body, headers: ["X-API-Key: key-one"]).status == 401)
        try probe.validate()

        // A key file with no keys stops the exporter at start.
        let empty = try directory.write("empty", "# nothing yet\n")
        let refused = try CommandRunner.exporter(["serve", "--config.file", directory.write("f.yaml", ofrepFixture), "--ofrep.api-key-file", empty])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("invalid --ofrep.api-key-file: \(empty) holds no keys"))
    }

    @Test("a body over mirror.max_line_bytes is 413 in OFREP's general error shape")
    func tooLarge() throws {
        let (exporter, _) = try Self.start(settings: "synthetic: {enabled: false}\nmirror: {max_line_bytes: 1024}\n")
        defer { exporter.stop() }
        let probe = OFREPProbe(exporter)
        let padding = String(repeating: "x", count: 2000)
        let response = try probe.single("static_on", #"{"context":{"targetingKey":"u-1","pad":"\#(padding)"}}"#)
        #expect(response.status == 413)
        #expect(response.json["errorDetails"] as? String == "body is over 1024 bytes")
        #expect(try probe.bulk(#"{"context":{"targetingKey":"u-1","pad":"\#(padding)"}}"#).status == 413)
        try probe.validate()
    }
}
