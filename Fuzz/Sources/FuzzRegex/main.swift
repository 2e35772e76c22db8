import FuzzSupport
import FlagEngine

/// libFuzzer's entry: a `REGEX` constraint pattern, a zero byte, then the text to match (all text when there is no
/// zero byte). Compiling must not trap; matching must not trap or hang (libFuzzer's -timeout catches a hang); and
/// what holds of every RE2 pattern must hold here: the pattern or'ed with itself matches what it matches, and a
/// case-insensitive match does not change when the text's ASCII letters change case (for patterns that never turn
/// `i` off).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegex(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let split = bytes.firstIndex(of: 0) ?? size
    let pattern = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<split]), as: UTF8.self)
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[min(split + 1, size)...]), as: UTF8.self)
    guard let regex = try? UnleashRegex(pattern) else { return 0 }
    let matches = regex.matches(text)
    // `\Q` quotes to the end of the pattern when no `\E` closes it, so P cannot be wrapped in a group: skip P|P.
    if pattern.contains("\\Q") { return checkCaseFolding(pattern, text) }
    let doubled: UnleashRegex
    do {
        doubled = try UnleashRegex("(?:\(pattern))|(?:\(pattern))")
    } catch {
        // Twice the program may pass the size limit; nothing else may refuse it.
        if error.message == "pattern too large" { return 0 }
        fatalError("P|P refused (\(error.message)) where P compiles: \(pattern)")
    }
    if doubled.matches(text) != matches { fatalError("P|P and P disagree: \(pattern) on \(text.debugDescription)") }
    return checkCaseFolding(pattern, text)
}

/// A case-insensitive match does not change when the text's ASCII letters change case.
func checkCaseFolding(_ pattern: String, _ text: String) -> Int32 {
    guard let folded = try? UnleashRegex(pattern, caseInsensitive: true) else { fatalError("(?i) refused: \(pattern)") }
    if !turnsCaseOff(pattern), folded.matches(text) != folded.matches(swappingASCIICase(text)) {
        fatalError("ignoring case depends on the text's case: \(pattern) on \(text.debugDescription)")
    }
    return 0
}

@_cdecl("FuzzRegex_main")
func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    FuzzSupport.run(argc, argv, fuzzRegex)
}

/// Whether the pattern may turn a flag off (`(?-i)`, `(?m-i:`): then parts of it respect case after all.
func turnsCaseOff(_ pattern: String) -> Bool {
    pattern.contains("(?") && pattern.contains("-")
}

/// `text` with `a-z` and `A-Z` swapped.
func swappingASCIICase(_ text: String) -> String {
    String(decoding: text.utf8.map { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): byte ^ 0x20
        default: byte
        }
    }, as: UTF8.self)
}
