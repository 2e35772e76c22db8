/// A flag's free-form metadata (phase, description, owner, ...), in file order.
///
/// A flat array of entries rather than a dictionary: flags carry a handful of entries, which a linear scan finds as
/// fast as hashing, and a 10,000-flag set holds about 200 bytes less per flag (WORKLOADS.md reload-10k memory).
public struct FlagMetadata: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One metadata entry.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: FlagValue
    }

    private var entries: [Entry]

    /// Creates metadata from entries in order; a later duplicate key replaces the earlier value in place.
    ///
    /// - Complexity: O(n), with a temporary index, so that a hostile file with many keys costs nothing quadratic.
    public init(_ pairs: some Sequence<(String, FlagValue)>) {
        entries = []
        var positions: [String: Int] = [:]
        for (key, value) in pairs {
            if let position = positions[key] {
                entries[position].value = value
            } else {
                positions[key] = entries.count
                entries.append(Entry(key: key, value: value))
            }
        }
    }

    public init(dictionaryLiteral elements: (String, FlagValue)...) {
        self.init(elements)
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Entry { entries[position] }

    /// The value under `key`; setting `nil` removes the entry, setting a value replaces it in place or appends it.
    public subscript(key: String) -> FlagValue? {
        get { entries.first(where: { $0.key.hasSameCodePoints(as: key) })?.value }
        set {
            let existing = entries.firstIndex(where: { $0.key.hasSameCodePoints(as: key) })
            switch (existing, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append(Entry(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// The metadata keys in file order.
    public var keys: [String] { entries.map(\.key) }
}
