import Pushgateway
import Telemetry

extension PushErrorType {
    /// A push that failed after its retries.
    init(_ kind: PushError.Kind) {
        switch kind {
        case .connection: self = .connection
        case .timeout: self = .timeout
        case .httpStatus: self = .httpStatus
        case .invalid: self = .invalid
        }
    }
}
