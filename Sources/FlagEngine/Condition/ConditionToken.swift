/// One lexical token of the condition language, with its offset in Unicode scalars.
struct ConditionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name(String)
        case string(String)
        case int(Int)
        case double(Double)
        case symbol(String)  // ( ) [ ] , . == != < <= > >= -
        case end
    }

    let kind: Kind
    let offset: Int
}

/// Splits condition text into tokens. Refuses anything outside the language at the offending character.
struct ConditionLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    static let maximumLiteralLength = 1024

    mutating func tokenize() throws(ConditionSyntaxError) -> [ConditionToken] {
        var tokens: [ConditionToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func fail(_ message: String, at offset: Int) -> ConditionSyntaxError {
        ConditionSyntaxError(message, offset: offset, in: scalars)
    }

    private mutating func next() throws(ConditionSyntaxError) -> ConditionToken {
        while position < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[position]) {
            position += 1
        }
        let start = position
        guard position < scalars.count else { return ConditionToken(kind: .end, offset: start) }
        let scalar = scalars[position]
        if scalar == "_" || isASCIILetter(scalar) {
            while position < scalars.count, isNameCharacter(scalars[position]) { position += 1 }
            let name = String(String.UnicodeScalarView(scalars[start..<position]))
            if name.count > 128 { throw fail("name is longer than 128 characters", at: start) }
            return ConditionToken(kind: .name(name), offset: start)
        }
        if isDigit(scalar) { return try number(from: start) }
        if scalar == "'" || scalar == "\"" { return try string(quote: scalar, from: start) }
        let twoCharacter: [String] = ["==", "!=", "<=", ">="]
        if position + 1 < scalars.count {
            let pair = String(String.UnicodeScalarView([scalar, scalars[position + 1]]))
            if twoCharacter.contains(pair) {
                position += 2
                return ConditionToken(kind: .symbol(pair), offset: start)
            }
        }
        if "()[],.<>-".unicodeScalars.contains(scalar) {
            position += 1
            return ConditionToken(kind: .symbol(String(scalar)), offset: start)
        }
        if scalar == "=" { throw fail("'=' is not an operator here; use '==' to compare", at: start) }
        if scalar.isASCII, scalar.value >= 0x21 {
            throw fail("unexpected character '\(scalar)'", at: start)
        }
        let code = "U+" + String(scalar.value, radix: 16, uppercase: true)
        throw fail("unexpected character \(code) outside a string literal", at: start)
    }

    private func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x30 && scalar.value <= 0x39 }

    // Names are ASCII only, so that look-alike characters cannot hide in them.
    private func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 0x41 && scalar.value <= 0x5A) || (scalar.value >= 0x61 && scalar.value <= 0x7A)
    }

    private func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || isASCIILetter(scalar) || isDigit(scalar)
    }

    private mutating func number(from start: Int) throws(ConditionSyntaxError) -> ConditionToken {
        var isFloat = false
        while position < scalars.count {
            let scalar = scalars[position]
            if isDigit(scalar) || scalar == "_" {
                position += 1
            } else if scalar == "." && !isFloat {
                isFloat = true
                position += 1
            } else if scalar == "e" || scalar == "E" {
                isFloat = true
                position += 1
                if position < scalars.count, scalars[position] == "+" || scalars[position] == "-" { position += 1 }
            } else {
                break
            }
        }
        if position < scalars.count, isNameCharacter(scalars[position]) {
            throw fail("malformed number", at: start)
        }
        let text = String(String.UnicodeScalarView(scalars[start..<position])).replacingUnderscores()
        if text.count > 64 { throw fail("numeric literal is longer than 64 characters", at: start) }
        if isFloat {
            guard let value = Double(text), value.isFinite else { throw fail("malformed number '\(text)'", at: start) }
            return ConditionToken(kind: .double(value), offset: start)
        }
        guard let value = Int(text) else { throw fail("integer '\(text)' does not fit in 64 bits", at: start) }
        return ConditionToken(kind: .int(value), offset: start)
    }

    private mutating func string(quote: Unicode.Scalar, from start: Int) throws(ConditionSyntaxError) -> ConditionToken {
        position += 1
        var value = String.UnicodeScalarView()
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == quote {
                position += 1
                if value.count > Self.maximumLiteralLength {
                    throw fail("string literal is longer than \(Self.maximumLiteralLength) characters", at: start)
                }
                return ConditionToken(kind: .string(String(value)), offset: start)
            }
            if scalar == "\n" { break }
            if scalar == "\\" {
                guard position + 1 < scalars.count else { break }
                let escaped = scalars[position + 1]
                switch escaped {
                case "\\", "'", "\"": value.append(escaped)
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                default: throw fail("unsupported escape '\\\(escaped)' in string literal", at: position)
                }
                position += 2
                continue
            }
            value.append(scalar)
            position += 1
        }
        throw fail("string literal is not closed", at: start)
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(self.filter { $0 != "_" }) }
}
