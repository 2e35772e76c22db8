public import FlagEngine

/// The body of an OFREP evaluation request, `{"context": {...}}`, as the exporter's OFREP routes read it.
public enum OFREPRequestBody {
    /// Why a body was refused: OFREP's PARSE_ERROR (`malformed`) or INVALID_CONTEXT (`invalidContext`).
    public enum Refusal: Error, Sendable, Hashable {
        case malformed(String)
        case invalidContext(String)
    }

    /// Decodes a body `{"context": {...}}`. A body without a `context` object (an empty body too) is
    /// INVALID_CONTEXT, as OFREP answers it: the client sent nothing to evaluate against.
    public static func decode(_ bytes: [UInt8]) -> Result<EvaluationContext, Refusal> {
        if bytes.isEmpty { return .failure(.invalidContext("the request has no body; send {\"context\": {...}}")) }
        let parsed: FlagValue
        do {
            parsed = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONParser().parse(buffer) }
        } catch {
            return .failure(.malformed("body cannot be read as JSON: \(error)"))
        }
        guard case .object(let members) = parsed else { return .failure(.malformed("body must be a JSON object")) }
        do {
            guard let context = members.value(forCodePoints: "context"), context != .null else {
                return .failure(.invalidContext("the request has no 'context'; send {\"context\": {...}}"))
            }
            return .success(try EvaluationContext(json: context))
        } catch {
            return .failure(.invalidContext(error.message))
        }
    }
}

/// One line of the mirrored JSONL feed: `{"flag_key": ..., "context": {...}, "variant": ...}`.
public struct MirrorRecord: Sendable, Hashable {
    public var flagKey: String
    public var context: EvaluationContext
    /// The variant the application observed; `nil` when the line does not say (evaluated, not compared).
    public var observedVariant: String?
    /// `enabled` (or `feature_enabled`): whether the Unleash toggle was on, for SDKs that name the variant of an
    /// enabled toggle without variants `disabled`.
    public var observedEnabled: Bool?

    /// Decodes one line; `nil` when it is malformed (not JSON, no string `flag_key`, a bad context or variant).
    public static func decode(line bytes: [UInt8]) -> MirrorRecord? {
        let parsed: FlagValue
        do {
            parsed = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONParser().parse(buffer) }
        } catch {
            return nil
        }
        guard case .object(let members) = parsed, case .string(let key)? = members["flag_key"] else { return nil }
        guard let context = try? EvaluationContext(json: members["context"] ?? .object([:])) else { return nil }
        var enabled: Bool?
        switch members["enabled"] ?? members["feature_enabled"] {
        case nil, .null?: break
        case .bool(let value)?: enabled = value
        default: return nil
        }
        switch members["variant"] {
        case nil, .null?: return MirrorRecord(flagKey: key, context: context, observedVariant: nil, observedEnabled: enabled)
        case .string(let name)?: return MirrorRecord(flagKey: key, context: context, observedVariant: name, observedEnabled: enabled)
        default: return nil
        }
    }
}
