/// A compiled `REGEX` constraint pattern: RE2's syntax (``RegexParser``), matched as RE2 matches, in time linear in
/// the text (a Pike VM over a Thompson NFA: every state is visited at most once per position, whatever the pattern),
/// so that no context value can make an evaluation hang. A match may start and end anywhere in the text (anchors
/// say otherwise), over its Unicode scalars.
public struct UnleashRegex: Sendable, Hashable {
    /// A compiled program longer than this is refused (RE2 refuses oversized programs too).
    static let maximumProgram = 5_000

    enum Instruction: Hashable {
        /// Consume one scalar in `sets[index]`.
        case set(Int)
        case split(Int, Int)
        case jump(Int)
        case assertion(RegexAssertion)
        case match
    }

    let program: [Instruction]
    let sets: [RegexSet]

    /// The pattern compiled, or the reason it is not one RE2 (and so Unleash) accepts.
    public init(_ pattern: String, caseInsensitive: Bool = false) throws(RegexSyntaxError) {
        var compiler = Compiler()
        compiler.emit(try RegexParser.parse(pattern, caseInsensitive: caseInsensitive))
        compiler.program.append(.match)
        guard compiler.program.count <= Self.maximumProgram else { throw RegexSyntaxError("pattern too large") }
        program = compiler.program
        sets = compiler.sets
    }

    /// Whether the pattern matches somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        let input = text.unicodeScalars.map(\.value)
        var current = ThreadList(capacity: program.count)
        var next = ThreadList(capacity: program.count)
        var stack: [Int] = []
        for position in 0...input.count {
            if add(0, at: position, in: input, to: &current, stack: &stack) { return true }
            guard position < input.count else { break }
            let scalar = input[position]
            next.removeAll()
            for pc in current.members {
                guard case .set(let index) = program[pc], sets[index].contains(scalar) else { continue }
                if add(pc + 1, at: position + 1, in: input, to: &next, stack: &stack) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    /// Adds the thread at `start` and every state reachable from it without consuming input; true when one of them
    /// is the match.
    private func add(_ start: Int, at position: Int, in input: [UInt32], to list: inout ThreadList, stack: inout [Int]) -> Bool {
        stack.append(start)
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case .match:
                stack.removeAll()
                return true
            case .jump(let target):
                stack.append(target)
            case .split(let first, let second):
                stack.append(second)
                stack.append(first)
            case .assertion(let assertion):
                let before = position > 0 ? input[position - 1] : nil
                let after = position < input.count ? input[position] : nil
                if assertion.holds(before: before, after: after) { stack.append(pc + 1) }
            case .set:
                break
            }
        }
        return false
    }

    /// Thompson's construction.
    private struct Compiler {
        var program: [Instruction] = []
        var sets: [RegexSet] = []

        mutating func emit(_ node: RegexNode) {
            // Past the limit the pattern is refused anyway; stop growing it (a{1000}{1000} would be a million).
            guard program.count <= UnleashRegex.maximumProgram else { return }
            switch node {
            case .literal(let scalar, let caseInsensitive):
                let set = RegexSet(ranges: [scalar...scalar])
                emitSet(caseInsensitive ? set.caseFolded() : set)
            case .set(let set):
                emitSet(set)
            case .assertion(let assertion):
                program.append(.assertion(assertion))
            case .concatenation(let items):
                for item in items { emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, 0))
                        emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let item, let minimum, let maximum):
                for _ in 0..<minimum { emit(item) }
                if let maximum {
                    var splits: [Int] = []
                    for _ in minimum..<maximum {
                        splits.append(program.count)
                        program.append(.split(0, 0))
                        emit(item)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, 0))
                    emit(item)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }

        private mutating func emitSet(_ set: RegexSet) {
            if let index = sets.firstIndex(of: set) {
                program.append(.set(index))
            } else {
                sets.append(set)
                program.append(.set(sets.count - 1))
            }
        }
    }

    /// A set of program counters in insertion order, cleared in constant time (Briggs and Torczon's sparse set).
    private struct ThreadList {
        private var dense: [Int]
        private var sparse: [Int]
        private var count = 0

        init(capacity: Int) {
            dense = Array(repeating: 0, count: capacity)
            sparse = Array(repeating: 0, count: capacity)
        }

        var members: ArraySlice<Int> { dense[0..<count] }

        /// Adds `pc`; false when it was there already.
        mutating func insert(_ pc: Int) -> Bool {
            let slot = sparse[pc]
            if slot < count, dense[slot] == pc { return false }
            sparse[pc] = count
            dense[count] = pc
            count += 1
            return true
        }

        mutating func removeAll() { count = 0 }
    }
}

/// A parsed pattern, its flags already applied (case-insensitive literals and sets carry their case variants, `.`
/// and the anchors their `s` and `m` meaning).
indirect enum RegexNode: Hashable {
    case literal(UInt32, caseInsensitive: Bool)
    case set(RegexSet)
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, minimum: Int, maximum: Int?)
}

/// An empty-width test between two scalars.
enum RegexAssertion: Hashable {
    case textStart, textEnd, lineStart, lineEnd, wordBoundary, notWordBoundary

    func holds(before: UInt32?, after: UInt32?) -> Bool {
        switch self {
        case .textStart: return before == nil
        case .textEnd: return after == nil
        case .lineStart: return before == nil || before == 10
        case .lineEnd: return after == nil || after == 10
        case .wordBoundary, .notWordBoundary:
            let boundary = (before.map(isWordScalar) ?? false) != (after.map(isWordScalar) ?? false)
            return boundary == (self == .wordBoundary)
        }
    }
}

/// A set of Unicode scalars as sorted, disjoint ranges.
struct RegexSet: Hashable {
    let ranges: [ClosedRange<UInt32>]

    init(ranges: [ClosedRange<UInt32>]) {
        var merged: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    func contains(_ scalar: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < scalar { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(scalar)
    }

    /// Every scalar not in the set.
    var inverted: RegexSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound &+ 1
            if range.upperBound == 0x10FFFF { return RegexSet(ranges: result) }
        }
        result.append(next...0x10FFFF)
        return RegexSet(ranges: result)
    }

    /// The set closed under simple case mapping, as RE2 folds a class: every member's one-scalar lower, upper and title
    /// case, and every scalar whose mapping is a member, until nothing changes (so `k` brings `K` and KELVIN SIGN, and
    /// `s` brings `S` and LONG S). A few members are followed through the table of case neighbours; a wide class is
    /// checked against every scalar that has a case at all, so a class of any width folds in bounded time.
    func caseFolded() -> RegexSet {
        let memberCount = ranges.reduce(0) { $0 + $1.count }
        if memberCount <= 256 {
            var seen = Set(ranges.joined())
            var pending = Array(seen)
            var added: [ClosedRange<UInt32>] = []
            while let scalar = pending.popLast() {
                for neighbour in Self.caseNeighbours[scalar] ?? [] where seen.insert(neighbour).inserted {
                    pending.append(neighbour)
                    added.append(neighbour...neighbour)
                }
            }
            return added.isEmpty ? self : RegexSet(ranges: ranges + added)
        }
        var current = self
        while true {
            var added: [ClosedRange<UInt32>] = []
            for (scalar, neighbours) in Self.caseNeighbours where current.contains(scalar) {
                for neighbour in neighbours where !current.contains(neighbour) { added.append(neighbour...neighbour) }
            }
            if added.isEmpty { return current }
            current = RegexSet(ranges: current.ranges + added)
        }
    }

    /// For each scalar that has a case, the scalars one simple case mapping away in either direction: its own
    /// one-scalar lower, upper and title case, and the scalars that map to it (computed once, on the first
    /// case-insensitive pattern).
    private static let caseNeighbours: [UInt32: [UInt32]] = {
        var neighbours: [UInt32: [UInt32]] = [:]
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped else { continue }
            let properties = scalar.properties
            for mapping in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
                let scalars = mapping.unicodeScalars
                guard scalars.count == 1, let variant = scalars.first?.value, variant != value else { continue }
                if !(neighbours[value]?.contains(variant) ?? false) { neighbours[value, default: []].append(variant) }
                if !(neighbours[variant]?.contains(value) ?? false) { neighbours[variant, default: []].append(value) }
            }
        }
        return neighbours
    }()

    static let digit = RegexSet(ranges: [48...57])
    static let word = RegexSet(ranges: [48...57, 65...90, 95...95, 97...122])
    static let space = RegexSet(ranges: [9...10, 12...13, 32...32])
    /// RE2's POSIX classes (ASCII).
    static let posix: [String: RegexSet] = [
        "alnum": RegexSet(ranges: [48...57, 65...90, 97...122]),
        "alpha": RegexSet(ranges: [65...90, 97...122]),
        "ascii": RegexSet(ranges: [0...127]),
        "blank": RegexSet(ranges: [9...9, 32...32]),
        "cntrl": RegexSet(ranges: [0...31, 127...127]),
        "digit": digit,
        "graph": RegexSet(ranges: [33...126]),
        "lower": RegexSet(ranges: [97...122]),
        "print": RegexSet(ranges: [32...126]),
        "punct": RegexSet(ranges: [33...47, 58...64, 91...96, 123...126]),
        "space": RegexSet(ranges: [9...13, 32...32]),
        "upper": RegexSet(ranges: [65...90]),
        "word": word,
        "xdigit": RegexSet(ranges: [48...57, 65...70, 97...102]),
    ]
}
