/// One request header whose value may be a secret; the value is read when each request is made, so a rotated secret
/// is picked up. The one type for `exporter.yaml`'s `source.headers` and the Pushgateway client's extra headers.
public struct SecretHeader: Sendable, Hashable {
    public var name: String
    public var value: SecretValue

    public init(name: String, value: SecretValue) {
        self.name = name
        self.value = value
    }
}
