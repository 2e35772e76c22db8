import FlagConfig
import WireFormat
import Exporter
import FlagEngine
import Testing

@Suite("JSON parser for untrusted input")
struct JSONParserTests {
    @Test("valid documents parse to the right values")
    func valid() throws {
        let value = try JSONParser().parse(#"{"a":[1,-2.5e3,true,false,null,"x\"\\\/\n\u00e9\ud83d\ude00"],"b":{}}"#)
        #expect(value == .object([
            "a": .list([.int(1), .double(-2500), .bool(true), .bool(false), .null, .string("x\"\\/\né😀")]),
            "b": .object([:]),
        ]))
        #expect(try JSONParser().parse("  12345678901234567890 ") == .double(12_345_678_901_234_567_168))  // 2^64-ish, the nearest Double
    }

    @Test("malformed and hostile documents are refused", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"abc", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "tru",
        "{\"a\":1}x", "[1e999]", String(repeating: "[", count: 10_000), "nul", "{1:2}", "'a'",
    ])
    func refused(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser().parse(text) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try bytes.withUnsafeBufferPointer { try JSONParser().parse($0) } }
    }

    @Test("contexts decode seed and OpenFeature field names; lists and objects are attributes, nested 16 deep at most")
    func contexts() throws {
        let context = try EvaluationContext(json: JSONParser().parse(
            #"{"targetingKey":"u1","user_type":"admin","plan":"pro","custom_attributes":{"age":30},"timestamp":"2026-01-05T00:00:00Z"}"#))
        #expect(context.userID == "u1")
        #expect(context.userType == "admin")
        #expect(context.customAttributes == ["plan": .string("pro"), "age": .int(30)])
        #expect(context.timestamp == 1_767_571_200)
        let nested = try EvaluationContext(json: JSONParser().parse(#"{"tags":["a",1],"account":{"plan":"pro"},"userId":"u2"}"#))
        #expect(nested.customAttributes == ["tags": .list([.string("a"), .int(1)]), "account": .object(["plan": .string("pro")])])
        #expect(nested.userID == "u2")
        let deep = String(repeating: "[", count: 17) + String(repeating: "]", count: 17)
        #expect(throws: InvalidContextError(message: "attribute 'x' is nested deeper than 16 levels")) {
            try EvaluationContext(json: JSONParser().parse(#"{"x":\#(deep)}"#))
        }
        #expect(throws: InvalidContextError(message: "the spellings targetingKey/user_id/userId of one field have different values")) {
            try EvaluationContext(json: JSONParser().parse(#"{"user_id":"a","targetingKey":"b"}"#))
        }
        #expect(throws: InvalidContextError.self) { try EvaluationContext(json: JSONParser().parse(#"{"user_id":5}"#)) }
    }

    @Test("object keys are told apart by code point: a repeated key keeps its last value, one name in two Unicode normalizations is refused at its byte")
    func keysByCodePoint() throws {
        #expect(try JSONParser().parse(#"{"a":1,"a":2}"#) == .object(["a": .int(2)]))
        #expect(throws: JSONParseError(
            message: "object keys 'é' (U+00E9) and 'e\u{301}' (U+0065 U+0301) are one name in two Unicode normalizations; no other JSON reader merges them",
            offset: 12)) {
            try JSONParser().parse(#"{"\u00e9":1,"e\u0301":2}"#)
        }
    }

    @Test("contexts read names and values by code point, as flagd, Unleash and the seed do", arguments: [
        // A KELVIN SIGN is canonically `K`: to Swift's `==` this is targetingKey, to every flag system an attribute.
        (#"{"targeting\u212Aey":"u1"}"#, nil as String?),
        (#"{"user_id":"caf\u00e9","targetingKey":"cafe\u0301"}"#, "the spellings targetingKey/user_id/userId of one field have different values"),
        (#"{"plan":"pro","custom_attributes":{"plan":"free"}}"#, "the attribute 'plan' is given twice with different values"),
        (#"{"plan":"caf\u00e9","custom_attributes":{"plan":"cafe\u0301"}}"#, "the attribute 'plan' is given twice with different values"),
        (#"{"plan":"pro","custom_attributes":{"plan":"pro"}}"#, nil),
        (#"{"\u00e9":1,"custom_attributes":{"e\u0301":2}}"#,
         // Named in code point order, whichever member is read first.
         "attribute names 'e\u{301}' (U+0065 U+0301) and 'é' (U+00E9) are one name in two Unicode normalizations"),
    ])
    func contextsByCodePoint(json: String, refusal: String?) throws {
        let parsed = try JSONParser().parse(json)
        guard let refusal else {
            let context = try EvaluationContext(json: parsed)
            #expect(context.userID == nil)
            #expect(!context.customAttributes.isEmpty)
            return
        }
        #expect(throws: InvalidContextError(message: refusal)) { try EvaluationContext(json: parsed) }
    }
}
