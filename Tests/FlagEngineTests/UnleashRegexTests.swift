import FlagEngine
import Testing

/// The `REGEX` constraint operator: RE2's syntax and matching (unanchored search over Unicode scalars, ASCII `\d \w
/// \s \b`, POSIX classes, Unicode general categories, `\Q...\E`, flags), its refusals (lookaround, backreferences,
/// script classes), and time linear in the text.
@Suite("Unleash REGEX constraints")
struct UnleashRegexTests {
    @Test("matching as RE2 matches", arguments: [
        ("abc", "xxabcxx", true),
        ("^abc", "xabc", false),
        ("abc$", "abcx", false),
        ("abc$", "abc\n", false),
        ("(?m)^b$", "a\nb\nc", true),
        ("^b$", "a\nb\nc", false),
        ("a.c", "a\nc", false),
        ("(?s)a.c", "a\nc", true),
        ("^user\\d{3}$", "user123", true),
        ("^user\\d{3}$", "user1234", false),
        ("^\\d+$", "١٢٣", false),
        ("^\\w+$", "héllo", false),
        ("^\\W$", "é", true),
        ("^\\s\\S$", "\tx", true),
        ("\\bcat\\b", "a cat.", true),
        ("\\bcat\\b", "concat", false),
        ("\\Bcat", "concat", true),
        ("^[[:alpha:]]+$", "AlphaBeta", true),
        ("^[[:alpha:][:digit:]_-]+$", "ab_1-2", true),
        ("^[[:^digit:]]+$", "ab", true),
        ("^[^a-c]+$", "xyz", true),
        ("^[^a-c]+$", "xbz", false),
        ("^[]a]+$", "]a]", true),
        ("^[a\\-z]+$", "-", true),
        ("^[\\d.]+$", "1.5", true),
        ("^(foo|fo)$", "fo", true),
        ("^(ab)?c$", "ac", false),
        ("^a{2,4}$", "aaaaa", false),
        ("^a{2,}$", "aaaaaaa", true),
        ("^a{2}$", "aaa", false),
        ("^a{,2}$", "a{,2}", true),
        ("^a.*?b$", "a__b__b", true),
        ("(?i)^straße$", "STRASSE", false),
        ("(?i)^ǅ$", "ǆ", true),
        ("^(?i:ab)c$", "ABc", true),
        ("^(?i:ab)c$", "ABC", false),
        ("^(?i)a(?-i)b$", "Ab", true),
        ("^(?i)a(?-i)b$", "AB", false),
        ("^(?P<word>ab)+$", "abab", true),
        ("^(?<word>ab)+$", "abab", true),
        ("^\\x41\\x{1F600}$", "A😀", true),
        ("^😀+$", "😀😀", true),
        ("^é$", "e\u{301}", false),
        ("a|", "zzz", true),
        ("^$", "", true),
        ("(a*)*b", "aaab", true),
        ("^\\pL+$", "héllo", true),
        ("^\\pL+$", "hello1", false),
        ("^\\p{Lu}\\p{Ll}+$", "Émile", true),
        ("^\\p{Lu}", "émile", false),
        ("^\\PL+$", "123-", true),
        ("^\\p{^L}+$", "12é", false),
        ("^\\P{^Nd}+$", "١٢٣", true),
        ("^[\\p{L}\\d]+$", "ab12é", true),
        ("^[^\\p{L}]+$", "12 -", true),
        ("^[^\\p{L}]+$", "12a", false),
        ("^\\p{Zs}$", "\u{3000}", true),
        ("^\\p{Sc}$", "€", true),
        ("^\\p{Any}$", "😀", true),
        ("^\\Qa.b*\\E$", "a.b*", true),
        ("^\\Qa.b*\\E$", "axbb", false),
        ("^\\Qa.b\\E+$", "a.bbb", true),
        ("^\\Q(\\E+$", "((", true),
        ("^x\\Q\\E+$", "xx", true),
        ("^\\Qab", "ab", true),
        ("(?i)^\\p{Lu}+$", "abc", true),
        ("(?i)^\\P{Lu}$", "a", false),
        ("(?i)^\\W$", "k", false),
        ("(?i)^[[:^lower:]]$", "A", false),
        ("^(a+|b)*$", "abba", true),
        ("^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\$", ".*+?()[]{}|^$\\", true),
    ])
    func matching(pattern: String, text: String, matches: Bool) throws {
        #expect(try UnleashRegex(pattern).matches(text) == matches, "\(pattern) on \(text.debugDescription)")
    }

    @Test("caseInsensitive folds literals and classes, as (?i) does", arguments: [
        ("^abc$", "AbC", true),
        ("^[a-c]+$", "ABC", true),
        ("^[^a]$", "A", false),
        ("^ω$", "Ω", true),
        // Case orbits, as RE2 folds: KELVIN SIGN lower-cases to k, LONG S upper-cases to S.
        ("^k$", "\u{212A}", true),
        ("^[a-z]+$", "\u{17F}", true),
        ("^\u{212A}$", "K", true),
        // A class of any width folds (the fuzzer found `[w-\x{959c}]` matching x but not X).
        ("^[w-\\x{959c}]$", "X", true),
        ("^[^w-\\x{959c}]$", "X", false),
    ])
    func caseInsensitive(pattern: String, text: String, matches: Bool) throws {
        #expect(try UnleashRegex(pattern, caseInsensitive: true).matches(text) == matches)
    }

    @Test("what RE2 refuses is refused, with the reason", arguments: [
        ("(regex", "missing ')'"),
        ("regex)", "unmatched ')'"),
        ("^(?=a)b$", "lookahead is not supported"),
        ("(?!a)", "lookahead is not supported"),
        ("(?<=a)b", "lookbehind is not supported"),
        ("^(a)\\1$", "backreferences are not supported"),
        ("*a", "missing argument to repetition operator"),
        ("a**", "bad repetition operator"),
        ("a{1001}", "bad repetition operator"),
        ("a{3,2}", "bad repetition operator"),
        ("[a", "missing closing ]"),
        ("[z-a]", "invalid character class range"),
        ("[[:alphabet:]]", "invalid character class range"),
        ("\\p{Greek}", "Unicode class \\p{Greek} is not supported (general categories and Any are)"),
        ("\\pX", "Unicode class \\p{X} is not supported (general categories and Any are)"),
        ("\\p{Lu", "invalid character class range: missing }"),
        ("\\p", "invalid character class range: missing class name"),
        ("\\q", "invalid escape sequence"),
        ("\\x{110000}", "invalid escape sequence"),
        ("(?z)", "bad flags"),
        ("a\\", "trailing backslash"),
        ("(a{1000}){1000}", "pattern too large"),
    ])
    func refused(pattern: String, message: String) {
        #expect(throws: RegexSyntaxError.self) { try UnleashRegex(pattern) }
        do { _ = try UnleashRegex(pattern) } catch { #expect(error.message == message, "\(pattern)") }
    }

    /// Patterns that take a backtracking engine exponential time in the text's length: here each text position visits
    /// each state once. (A backtracking engine would not finish this test.)
    @Test("no pattern makes matching exponential", arguments: ["(a*)*b", "(a|a)+$b", "(a|aa)+c", "^(\\w+\\s?)*$!"])
    func linearTime(pattern: String) throws {
        let text = String(repeating: "a", count: 20_000)
        #expect(try !UnleashRegex(pattern).matches(text))
    }

    @Test("a REGEX constraint: missing values fail, inverted negates, an invalid pattern matches nothing")
    func constraint() {
        let context = UnleashContext(userID: "user-42", properties: ["email": "ops@example.com"])
        func holds(_ field: String, _ pattern: String, caseInsensitive: Bool = false, inverted: Bool = false) -> Bool {
            UnleashConstraint(contextName: field, operation: .regex, value: pattern, caseInsensitive: caseInsensitive, inverted: inverted)
                .holds(for: context, now: 0)
        }
        #expect(holds("userId", "^user-\\d+$"))
        #expect(holds("email", "@EXAMPLE\\.com$", caseInsensitive: true))
        #expect(!holds("email", "@EXAMPLE\\.com$"))
        #expect(!holds("userId", "^user-\\d+$", inverted: true))
        #expect(!holds("plan", "."))
        #expect(!holds("userId", "(user"))
        guard case .failure(let error)? = UnleashConstraint(contextName: "userId", operation: .regex, value: "(user").regex else {
            Issue.record("an invalid pattern compiled")
            return
        }
        #expect(error.message == "missing ')'")
    }
}
