/// The flat, immutable tables behind a ``FlagSet``.
///
/// `@unchecked Sendable`: every buffer is allocated and filled in `init`, never written again, and freed in `deinit`;
/// all other properties are immutable `Sendable` values. Immutable memory is safe to read from any thread, which is
/// what lets evaluation run lock-free with no reference counting on the hot path.
final class FlagSetStorage: @unchecked Sendable {
    let definitions: [FlagDefinition]
    let settings: GlobalSettings
    let info: FlagSetInfo
    let extras: CompiledExtras

    let flags: UnsafeMutableBufferPointer<CompiledFlag>
    let rules: UnsafeMutableBufferPointer<CompiledRule>
    /// The conditions of the rules that are not simple field comparisons.
    let conditions: [Condition]
    let prerequisites: UnsafeMutableBufferPointer<Int32>
    let keyBytes: UnsafeMutableBufferPointer<UInt8>
    /// Whether each variant's value is truthy, flat by ``CompiledFlag/variantStart``: all `isEnabled` reads. Names
    /// and values stay in ``definitions`` only.
    let variantTruthiness: UnsafeMutableBufferPointer<Bool>
    /// Open-addressing index from key to flag: each slot holds a flag index, or -1 when empty.
    let keySlots: UnsafeMutableBufferPointer<Int32>
    /// The engine of a flagd or Unleash set; `nil` for the seed format, whose flags the tables above decide.
    let foreign: ForeignEngine?
    /// The same engines unretained (``foreign`` keeps them alive), so that the hot path calls them without touching a
    /// reference count.
    let flagdEngine: Unmanaged<FlagdEngine>?
    let unleashEngine: Unmanaged<UnleashEngine>?

    init(
        definitions: [FlagDefinition],
        settings: GlobalSettings,
        info: FlagSetInfo,
        extras: CompiledExtras,
        flags: [CompiledFlag],
        rules: [CompiledRule],
        conditions: [Condition],
        prerequisites: [Int32],
        keyBytes: [UInt8],
        variantTruthiness: [Bool],
        foreign: ForeignEngine? = nil
    ) {
        self.foreign = foreign
        if case .flagd(let engine)? = foreign { flagdEngine = Unmanaged.passUnretained(engine) } else { flagdEngine = nil }
        if case .unleash(let engine)? = foreign { unleashEngine = Unmanaged.passUnretained(engine) } else { unleashEngine = nil }
        self.definitions = definitions
        self.settings = settings
        self.info = info
        self.extras = extras
        self.flags = flatBuffer(flags)
        self.rules = flatBuffer(rules)
        self.conditions = conditions
        self.prerequisites = flatBuffer(prerequisites)
        self.keyBytes = flatBuffer(keyBytes)
        self.variantTruthiness = flatBuffer(variantTruthiness)
        var capacity = 8
        while capacity < flags.count * 2 { capacity *= 2 }
        let slots = UnsafeMutableBufferPointer<Int32>.allocate(capacity: capacity)
        slots.initialize(repeating: -1)
        for (index, flag) in flags.enumerated() {
            let key = UnsafeBufferPointer(rebasing: self.keyBytes[Int(flag.prefixStart)..<Int(flag.prefixStart + flag.prefixCount - 1)])
            var slot = Int(truncatingIfNeeded: Self.hash(key)) & (capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(index)
        }
        self.keySlots = slots
    }

    deinit {
        flags.deallocate()
        rules.deallocate()
        prerequisites.deallocate()
        keyBytes.deallocate()
        variantTruthiness.deallocate()
        keySlots.deallocate()
    }


    /// FNV-1a over the key's UTF-8. Keys come only from the configuration, so nobody outside can flood the table;
    /// a lookup of an unknown key stops at the first empty slot.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }

    /// Whether `rule` matches `context`.
    @inline(__always)
    func evaluate(_ rule: CompiledRule, _ context: EvaluationContext) -> Condition.Outcome {
        if rule.kind == .general { return conditions[Int(rule.conditionIndex)].evaluate(context) }
        let literal = UnsafeBufferPointer(rebasing: keyBytes[Int(rule.literalStart)..<Int(rule.literalStart + rule.literalCount)])
        let equal = rule.field.read(from: context).map { utf8Equal($0, literal) } ?? false
        return equal == (rule.kind == .fieldEquals) ? .matched : .notMatched
    }

    /// The index of the flag named by `key`, or `nil`.
    func index(of key: String) -> Int? {
        if let found = key.utf8.withContiguousStorageIfAvailable({ lookUp($0) }) { return found }
        var contiguous = key
        return contiguous.withUTF8 { lookUp($0) }
    }

    private func lookUp(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let mask = keySlots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
        while true {
            let candidate = keySlots[slot]
            if candidate < 0 { return nil }
            let flag = flags[Int(candidate)]
            if Int(flag.prefixCount) - 1 == bytes.count,
                bytes.count == 0
                    || memcmpEqual(bytes.baseAddress!, keyBytes.baseAddress! + Int(flag.prefixStart), bytes.count)
            {
                return Int(candidate)
            }
            slot = (slot + 1) & mask
        }
    }
}

/// A buffer holding `array`'s elements, for the immutable tables of the compiled forms: allocated here, filled once,
/// never written again, freed by its owner's `deinit`.
func flatBuffer<Element>(_ array: [Element]) -> UnsafeMutableBufferPointer<Element> {
    let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(array.count, 1))
    _ = buffer.initialize(from: array)
    return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
}

/// Whether `text`'s UTF-8 is exactly `bytes`, without copying `text` when its storage is contiguous (small strings
/// included).
@inline(__always)
func utf8Equal(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    // The length is known without reading the text (native strings store it): most mismatches end here.
    guard text.utf8.count == bytes.count else { return false }
    let result = text.utf8.withContiguousStorageIfAvailable { own in
        own.count == bytes.count && (own.isEmpty || memcmpEqual(own.baseAddress!, bytes.baseAddress!, own.count))
    }
    return result ?? text.utf8.elementsEqual(bytes)
}

@inline(__always)
private func memcmpEqual(_ left: UnsafePointer<UInt8>, _ right: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for offset in 0..<count where left[offset] != right[offset] { return false }
    return true
}
