import FlagEngine
import WireFormat
import Foundation
import Testing

@Suite("JSONWriter: commas, braces and escapes placed by the writer")
struct JSONWriterTests {
    @Test("members in the order added; nested objects and arrays; empty containers; nulls for absent values")
    func shapes() {
        let text = JSONWriter.object { json in
            json.add("name", "a \"quoted\" \\ name\n")
            json.add("count", 3)
            json.add("share", 0.25)
            json.add("missing", String?.none)
            json.add("none", Double?.none)
            json.add("on", true)
            json.add("value", FlagValue.object(["b": .int(1), "a": .list([.null, .string("x")])]))
            json.array("empty") { _ in }
            json.object("nothing") { _ in }
            json.array("items") { items in
                items.append("one")
                items.object { item in item.add("k", 1) }
                items.array { inner in inner.append(.bool(false)) }
                items.append(json: #"{"raw":1}"#)
            }
            json.add("names", ["x", "y"])
        }
        #expect(text == #"{"name":"a \"quoted\" \\ name\n","count":3,"share":0.25,"missing":null,"none":null,"on":true,"value":{"a":[null,"x"],"b":1},"empty":[],"nothing":{},"items":["one",{"k":1},[false],{"raw":1}],"names":["x","y"]}"#)
        let decoded = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(decoded?["name"] as? String == "a \"quoted\" \\ name\n")
    }

    @Test("keys are escaped too, and numbers that JSON cannot hold are null")
    func escapesAndNumbers() {
        let text = JSONWriter.object { json in
            json.add("control\u{01}key", Double.nan)
            json.add("big", UInt64.max)
            json.add("negative", -7)
        }
        #expect(text == #"{"control\u0001key":null,"big":18446744073709551615,"negative":-7}"#)
    }
}
