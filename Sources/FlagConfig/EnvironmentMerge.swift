import FlagEngine

/// Builds the effective document for one environment (docs/configuration.md, "Environments"): base file → its `environments.<env>` section →
/// the overlay file, each a deep merge; then `global_rollout_percentage` for the percentage flags the environment
/// does not set itself.
enum EnvironmentMerge {
    struct Result {
        var root: YAMLNode
        var globalRolloutPercentage: Double?
        /// The document before each layer was merged in: the base alone, then the base with every layer before the
        /// next one. Each must be valid on its own, so a bad value in the base cannot hide behind an overlay that
        /// happens to replace it in one environment (and would surface in another, or when the overlay changes).
        var layersBefore: [YAMLNode] = []
    }

    static let environmentKeys: [String] = ["global_rollout_percentage", "flags", "global", "alerts"]

    static func effective(
        base: YAMLNode,
        overlay: YAMLNode?,
        environment: String,
        decoder: inout FlagFileDecoder
    ) -> Result {
        var root = base.removing(["environments"])
        var layers: [(node: YAMLNode, path: [ConfigPathComponent])] = []
        if let environments = base["environments"] {
            for pair in decoder.mapping(environments, [.key("environments")]) ?? [] {
                let path: [ConfigPathComponent] = [.key("environments"), .key(pair.key)]
                if decoder.mapping(pair.value, path) != nil {
                    decoder.warnUnknownKeys(pair.value, environmentKeys, path)
                }
            }
            if let section = environments[environment], section.isMapping {
                layers.append((section, [.key("environments"), .key(environment)]))
            }
        }
        if let overlay {
            if decoder.mapping(overlay, []) != nil {
                decoder.warnUnknownKeys(
                    overlay, FlagFileDecoder.topLevelKeys.filter { $0 != "environments" } + ["global_rollout_percentage"],
                    [])
                layers.append((overlay.removing(["environments"]), []))
            }
        }

        var globalPercentage: Double?
        var percentageSetByEnvironment: Set<String> = []
        var layersBefore: [YAMLNode] = []
        for layer in layers {
            layersBefore.append(root)
            if let node = layer.node["global_rollout_percentage"],
                let value = decoder.number(node, layer.path + [.key("global_rollout_percentage")])
            {
                if (0...100).contains(value) {
                    globalPercentage = value
                } else {
                    decoder.error(
                        node, layer.path + [.key("global_rollout_percentage")],
                        "\(decoder.formatted(value)) is not in 0...100")
                }
            }
            if case .mapping(let flags)? = layer.node["flags"]?.content {
                for flag in flags where flag.value["rollout"]?["percentage"] != nil {
                    percentageSetByEnvironment.insert(flag.key)
                }
            }
            root = root.merged(with: layer.node.removing(["global_rollout_percentage"]))
        }

        if let globalPercentage {
            root = applying(globalPercentage, to: root, except: percentageSetByEnvironment)
        }
        return Result(root: root, globalRolloutPercentage: globalPercentage, layersBefore: layersBefore)
    }

    /// Sets `rollout.percentage` of every percentage-strategy flag not in `excluded`, keeping source positions.
    private static func applying(_ percentage: Double, to root: YAMLNode, except excluded: Set<String>) -> YAMLNode {
        guard case .mapping(var pairs) = root.content,
            let flagsIndex = pairs.lastIndex(where: { $0.key == "flags" }),
            case .mapping(var flags) = pairs[flagsIndex].value.content
        else { return root }
        let text = percentage == percentage.rounded() ? String(Int(percentage)) : String(percentage)
        for index in flags.indices where !excluded.contains(flags[index].key) {
            let flag = flags[index].value
            guard flag.isMapping else { continue }
            let rollout = flag["rollout"]
            let strategy: String? =
                if case .scalar(let name, _)? = rollout?["strategy"]?.content { name } else { nil }
            let isPercentage =
                (rollout != nil && (strategy == nil || strategy == "percentage"))
                || (rollout == nil && { if case .scalar("rollout", _)? = flag["state"]?.content { true } else { false } }())
            guard isPercentage else { continue }
            let location = rollout?["percentage"]?.location ?? rollout?.location ?? flag.location
            let patch = YAMLNode(
                content: .mapping([
                    (
                        "rollout", location,
                        YAMLNode(
                            content: .mapping([("percentage", location, YAMLNode(content: .scalar(text, .plain), location: location))]),
                            location: location)
                    )
                ]), location: flag.location)
            flags[index].value = flag.merged(with: patch)
        }
        pairs[flagsIndex].value = YAMLNode(content: .mapping(flags), location: pairs[flagsIndex].value.location)
        return YAMLNode(content: .mapping(pairs), location: root.location)
    }
}
