import FlagConfig
public import FlagSync

extension RefreshReport {
    /// The `error_type` of `feature_flag_refresh_failure_total` for a failed check; `nil` for a successful one.
    public var refreshErrorType: RefreshErrorType? {
        switch outcome {
        case .applied, .unchanged: nil
        case .rejected(let error): RefreshErrorType(error.stage)
        case .failed(let error): RefreshErrorType(error.kind)
        case .breakerOpen: .circuitBreakerOpen
        }
    }
}

extension RefreshErrorType {
    /// A source that could not be read.
    init(_ kind: FetchError.Kind) {
        switch kind {
        case .connection: self = .connection
        case .timeout: self = .timeout
        case .httpStatus: self = .httpStatus
        case .io: self = .io
        }
    }

    /// Content that was read but refused.
    init(_ stage: FlagConfigError.Stage) {
        switch stage {
        case .io: self = .io
        case .parse: self = .parse
        case .validation: self = .validation
        }
    }
}
