import FlagEngine
import Testing

@Suite("Condition language (docs/configuration.md, Conditions)")
struct ConditionTests {
    static let context = EvaluationContext(
        userID: "user-42", userType: "Admin", environment: "production", requestID: "req-1",
        customAttributes: [
            "beta_user": .bool(true), "age": .int(30), "score": .double(7.5), "service": .string("config"),
            "empty": .string(""),
        ])

    @Test("every operator and form evaluates as Python would", arguments: [
        ("user_type == 'Admin'", true), ("user_type != 'Admin'", false), ("environment == \"production\"", true),
        ("age < 31", true), ("age <= 30", true), ("age > 30", false), ("age >= 30", true), ("score > 7", true),
        ("age == 30.0", true), ("user_id in ['user-42', 'x']", true), ("user_id not in ['user-42']", false),
        ("'42' in user_id", true), ("'zz' not in user_id", true), ("beta_user == True", true),
        ("beta_user and age > 18", true), ("not beta_user or age > 100", false), ("not (age > 100)", true),
        ("custom_attributes.get('service') == 'config'", true), ("custom_attributes['service'] == 'config'", true),
        ("custom_attributes.get('missing', 'dflt') == 'dflt'", true), ("custom_attributes.get('missing') == None", true),
        ("missing is None", true), ("age is not None", true), ("user_type.lower() == 'admin'", true),
        ("user_id.startswith('user-')", true), ("request_id.endswith('-1')", true), ("user_id.startswith('x')", false),
        ("10 < age < 40", true), ("10 < age < 20", false), ("empty", false), ("true and not false", true),
        ("null == None", true), ("age in [1, 30, 5]", true), ("-5 < age", true), ("1e1 < age", true),
        ("missing > 5", false), ("missing.startswith('a')", false), ("'a' in missing", false),
        ("(user_type == 'Admin') == True", true), ("user_type == 'admin'", false),
    ])
    func evaluates(source: String, expected: Bool) throws {
        let condition = try Condition(parsing: source)
        #expect(condition.evaluate(Self.context) == (expected ? .matched : .notMatched), "\(source)")
    }

    @Test("run-time type mismatches are reported, not matched", arguments: [
        "age > 'x'", "age.startswith('1')", "'a' in age", "service < 3", "user_id.startswith(age)",
    ])
    func typeMismatch(source: String) throws {
        guard case .typeMismatch = try Condition(parsing: source).evaluate(Self.context) else {
            Issue.record("\(source) should be a type mismatch")
            return
        }
    }

    @Test("malformed and hostile conditions are refused with the right line and column", arguments: [
        ("user_type ==", 1, 13, "ends where a value"),
        ("user_type = 'a'", 1, 11, "'='"),
        ("user_type == 'a", 1, 14, "not closed"),
        ("__import__('os')", 1, 1, "'__'"),
        ("user_id.__class__", 1, 9, "not accessible"),
        ("custom_attributes.items()", 1, 1, "custom_attributes is read only"),
        ("user_id.upper()", 1, 9, "unknown method"),
        ("eval('1')", 1, 1, "not part of the condition language"),
        ("lambda x", 1, 1, "not part of the condition language"),
        ("lambda: 1", 1, 7, "unexpected character ':'"),
        ("user_type ; 1", 1, 11, "unexpected character ';'"),
        ("user_type == 'a' and\n  user_id ==", 2, 13, "ends where a value"),
        ("usér == 'a'", 1, 3, "U+E9"),
        ("user_type == 'ok' and ünknown", 1, 23, "U+FC"),
        ("user_type < 5", 1, 11, "always false"),
        ("5.startswith('a')", 1, 1, "malformed number"),
        ("'abc'.lower()()", 1, 14, "call is not allowed"),
        ("user_id[0]", 1, 8, "subscript is not allowed"),
        ("99999999999999999999 == 1", 1, 1, "does not fit"),
        ("age in 5", 1, 5, "needs a list or a str"),
        ("", 1, 1, "empty"),
        ("(user_type == 'a'", 1, 18, "expected ')'"),
        ("user_type == 'a' user_id", 1, 18, "after a complete condition"),
    ])
    func refused(source: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try Condition(parsing: source)
            Issue.record("\(source) should be refused")
        } catch {
            #expect(error.line == line, "\(source): \(error)")
            #expect(error.column == column, "\(source): \(error)")
            #expect(error.message.contains(fragment), "\(source): \(error)")
        }
    }

    @Test("nesting deeper than 32 levels is refused, 32 is fine")
    func depth() throws {
        let ok = String(repeating: "(", count: 31) + "True" + String(repeating: ")", count: 31)
        #expect(throws: Never.self) { try Condition(parsing: ok) }
        let deep = String(repeating: "(", count: 40) + "True" + String(repeating: ")", count: 40)
        #expect { try Condition(parsing: deep) } throws: { error in
            (error as? ConditionSyntaxError)?.message.contains("deeper than 32") == true
                && (error as? ConditionSyntaxError)?.column == 33
        }
        let nots = String(repeating: "not ", count: 100) + "True"
        #expect(throws: ConditionSyntaxError.self) { try Condition(parsing: nots) }
        let lists = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(throws: ConditionSyntaxError.self) { try Condition(parsing: "1 in " + lists) }
    }

    @Test("conditions over 4 KiB and huge literals are refused")
    func size() {
        let long = "user_id == '" + String(repeating: "a", count: 5000) + "'"
        #expect { try Condition(parsing: long) } throws: { error in
            (error as? ConditionSyntaxError)?.message.contains("over the limit of 4096") == true
        }
        let literal = "user_id == '" + String(repeating: "a", count: 2000) + "'"
        #expect { try Condition(parsing: literal) } throws: { error in
            (error as? ConditionSyntaxError)?.message.contains("longer than 1024") == true
        }
        let number = "age == " + String(repeating: "9", count: 100) + ".0"
        #expect(throws: ConditionSyntaxError.self) { try Condition(parsing: number) }
    }

    @Test("unicode inside string literals is fine and compared by code points")
    func unicodeLiterals() throws {
        let context = EvaluationContext(customAttributes: ["city": .string("Zürich")])
        #expect(try Condition(parsing: "city == 'Zürich'").matches(context))
        // Decomposed ü (u + U+0308) is a different string to Python, so it is here.
        #expect(try !Condition(parsing: "city == 'Zu\u{0308}rich'").matches(context))
        #expect(try Condition(parsing: "'ü' in city").matches(context))
    }

    static let nested = EvaluationContext(
        userID: "user-42",
        customAttributes: [
            "account": .object(["plan": .string("pro"), "seats": .int(12), "owner": .object(["country": .string("NZ")])]),
            "groups": .list([.string("beta"), .string("staff")]),
            "empty_list": .list([]),
        ])

    @Test("OpenFeature's nested contexts: dotted names reach into objects, lists take 'in'", arguments: [
        ("account.plan == 'pro'", true), ("account.plan != 'pro'", false), ("account.seats > 10", true),
        ("account.owner.country == 'NZ'", true), ("account.owner.city == None", true), ("account.missing is None", true),
        ("account.plan.startswith('p')", true), ("account.plan.lower() == 'pro'", true),
        ("'beta' in groups", true), ("'alpha' in groups", false), ("'alpha' not in groups", true),
        ("account.plan in ['pro', 'enterprise']", true), ("groups", true), ("empty_list", false),
        ("custom_attributes.get('account') != None", true), ("nobody.plan == 'pro'", false),
        ("account.plan.size == 1", false),
    ])
    func nestedContexts(source: String, expected: Bool) throws {
        let condition = try Condition(parsing: source)
        #expect(condition.evaluate(Self.nested) == (expected ? .matched : .notMatched), "\(source)")
    }

    @Test("a named field has no members; a member is never a method call", arguments: [
        ("user_type.plan == 'x'", "unknown method 'plan'"),
        ("account._secret == 1", "not accessible"),
        ("account.plan.upper() == 'PRO'", "unknown method 'upper'"),
    ])
    func memberErrors(source: String, fragment: String) {
        #expect {
            _ = try Condition(parsing: source)
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }
}
