/// Configuration text and the name it is reported under (a path or URL without credentials).
public struct ConfigText: Sendable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}
