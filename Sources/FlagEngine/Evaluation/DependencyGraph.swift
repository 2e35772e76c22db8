/// The prerequisite graph of a compiled set: cycles, depth and reach, found without recursion, so a file of any
/// shape is analysed in bounded stack space.
///
/// Evaluation resolves prerequisites with an explicit stack bounded by ``maximumDepth`` and evaluates each flag at
/// most once per context (see `FlagSet+Prerequisites.swift`); the limits here are what make that bound a promise.
public enum DependencyGraph {
    /// The longest chain of prerequisites a flag may sit on top of: `a` depending on `b` depending on `c` is 2 deep.
    public static let maximumDepth = 32
    /// The most flags one flag may depend on, directly and indirectly (each is evaluated once per evaluation of it).
    public static let maximumReach = 4096

    struct Analysis {
        var issues: [FlagSetValidationError.Issue] = []
        /// Per flag: 0 without prerequisites, else 1 + the deepest prerequisite's depth.
        var depth: [Int32] = []
        /// Per flag: how many distinct flags it depends on, directly and indirectly (0 without prerequisites).
        var reach: [Int32] = []
    }

    static func analyse(
        _ definitions: [FlagDefinition], _ flags: [CompiledFlag], _ prerequisites: [Int32]
    ) -> Analysis {
        var analysis = Analysis()
        analysis.depth = [Int32](repeating: 0, count: flags.count)
        analysis.reach = [Int32](repeating: 0, count: flags.count)
        enum Mark { case unvisited, visiting, done }
        var marks = [Mark](repeating: .unvisited, count: flags.count)
        func slots(_ index: Int) -> Range<Int> {
            Int(flags[index].prerequisitesStart)..<Int(flags[index].prerequisitesStart + flags[index].prerequisitesCount)
        }
        // Depth-first, post-order, with the path kept on an explicit stack: (flag, next prerequisite slot).
        var path: [(flag: Int, slot: Int)] = []
        for root in flags.indices where marks[root] == .unvisited {
            marks[root] = .visiting
            path.append((root, slots(root).lowerBound))
            while let top = path.last {
                let range = slots(top.flag)
                if top.slot < range.upperBound {
                    path[path.count - 1].slot += 1
                    let next = Int(prerequisites[top.slot])
                    switch marks[next] {
                    case .unvisited:
                        marks[next] = .visiting
                        path.append((next, slots(next).lowerBound))
                    case .visiting:
                        analysis.issues.append(cycleIssue(through: next, path: path.map(\.flag), definitions))
                    case .done:
                        break
                    }
                    continue
                }
                path.removeLast()
                marks[top.flag] = .done
                var depth: Int32 = 0
                for slot in range { depth = max(depth, analysis.depth[Int(prerequisites[slot])] + 1) }
                analysis.depth[top.flag] = depth
            }
        }
        guard analysis.issues.isEmpty else { return analysis }

        for index in flags.indices where analysis.depth[index] == Int32(maximumDepth + 1) {
            analysis.issues.append(
                .init(
                    path: dependencyPath(of: definitions[index]),
                    message: "prerequisites nest \(analysis.depth[index]) deep (\(deepestChain(from: index, analysis.depth, slots, prerequisites, definitions))), "
                        + "deeper than the limit of \(maximumDepth)"))
        }
        guard analysis.issues.isEmpty else { return analysis }

        // Reach, for flags whose prerequisites have prerequisites of their own (the others reach their direct ones).
        var seen = [Int32](repeating: -1, count: flags.count)
        var queue: [Int] = []
        for index in flags.indices where analysis.depth[index] > 0 {
            guard analysis.depth[index] > 1 else {
                analysis.reach[index] = Int32(Set(slots(index).map { prerequisites[$0] }).count)
                continue
            }
            queue.removeAll(keepingCapacity: true)
            queue.append(index)
            seen[index] = Int32(index)
            var head = 0
            while head < queue.count, queue.count <= maximumReach + 1 {
                for slot in slots(queue[head]) {
                    let next = Int(prerequisites[slot])
                    if seen[next] != Int32(index) {
                        seen[next] = Int32(index)
                        queue.append(next)
                    }
                }
                head += 1
            }
            let reach = queue.count - 1
            if reach > maximumReach {
                analysis.issues.append(
                    .init(
                        path: dependencyPath(of: definitions[index]),
                        message: "depends on more than \(maximumReach) flags, directly and indirectly (the limit)"))
            }
            analysis.reach[index] = Int32(min(reach, maximumReach + 1))
        }
        return analysis
    }

    /// `flags.<key>.dependencies`, or the `parent_flag` the seed's files use.
    static func dependencyPath(of flag: FlagDefinition) -> [ConfigPathComponent] {
        flag.dependencies.isEmpty
            ? [.key("flags"), .key(flag.key), .key("metadata"), .key("parent_flag")]
            : [.key("flags"), .key(flag.key), .key("dependencies")]
    }

    private static func cycleIssue(through next: Int, path: [Int], _ definitions: [FlagDefinition])
        -> FlagSetValidationError.Issue
    {
        let cycle = path[path.lastIndex(of: next)!...].map { definitions[$0].key } + [definitions[next].key]
        let first = definitions[next]
        let location: [ConfigPathComponent] =
            first.dependencies.firstIndex(of: cycle[1]).map {
                [.key("flags"), .key(first.key), .key("dependencies"), .index($0)]
            } ?? [.key("flags"), .key(first.key), .key("metadata"), .key("parent_flag")]
        return .init(path: location, message: "dependency cycle: " + cycle.joined(separator: " -> "))
    }

    /// `a -> b -> … -> z`: the deepest chain below `index`, its first three and last flags.
    private static func deepestChain(
        from index: Int, _ depth: [Int32], _ slots: (Int) -> Range<Int>, _ prerequisites: [Int32],
        _ definitions: [FlagDefinition]
    ) -> String {
        var chain = [index]
        var current = index
        while depth[current] > 0 {
            let deepest = slots(current).map { Int(prerequisites[$0]) }.max { depth[$0] < depth[$1] }!
            chain.append(deepest)
            current = deepest
        }
        let names = chain.map { definitions[$0].key }
        return names.count <= 5
            ? names.joined(separator: " -> ")
            : names.prefix(3).joined(separator: " -> ") + " -> … -> " + names.last!
    }
}
