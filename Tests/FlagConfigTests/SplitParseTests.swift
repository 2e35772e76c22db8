@testable import FlagConfig
import FlagEngine
import Testing

/// The two-thread parse of large flags files (``YAMLSplitParse``) must give exactly the one-piece tree, or decline.
@Suite("Split parse of large flags files")
struct SplitParseTests {
    /// A flags file that uses the YAML a cut could trip over: block scalars (kept, folded, with lines that look like
    /// keys), multi-line quoted and plain scalars, flow collections over several lines, comments at every
    /// indentation, blank lines, anchors and aliases, and top-level keys after the flags.
    static func trickyFile(flags count: Int, lineEnding: String = "\n") -> String {
        var text = """
            # leading comment
            version: "split"
            description: |
              a top-level block scalar
              flags:
                not: the flags
            global: {default_rollout_percentage: 5}
            flags:
              # a comment at the flag indentation

            """
        for index in 0..<count {
            switch index % 8 {
            case 0:
                text += """
                      flag_\(index): &shared_\(index)
                        state: enabled
                        metadata:
                          notes: |+
                            kept lines
                          flag_\(index)_fake: not a key

                        # comment inside a flag

                    """
            case 1:
                text += """
                      flag_\(index):
                        state: rollout
                        rollout: {strategy: percentage,
                          percentage: 25}
                        metadata:
                          description: "a quoted scalar
                            over two lines"
                          summary: a plain scalar
                            over two lines

                    """
            case 2:
                text += """
                      flag_\(index):
                        state: rollout
                        default_variant: "off"
                        variants: {control: "c", treatment: "t", off: "off"}
                        rollout:
                          strategy: split
                          distribution:
                            control: 50
                            treatment: 50
                        metadata:
                          folded: >-
                            folded
                            text
                    # a comment at column one inside the flags

                    """
            case 3:
                text += """
                      flag_\(index):
                        state: rollout
                        rollout:
                          strategy: user_list
                          user_list:
                            - alice
                            - "bob"
                            - 'carol'
                        targeting_rules:
                          - name: admins
                            condition: "user_type == 'admin'"
                            variant: "on"
                            priority: 10

                    """
            case 4:
                text += "  flag_\(index): {state: disabled, metadata: {owner: team-\(index)}}\n"
            case 5:
                // Anchors and aliases inside the flag; flag_5 also refers to flag_0's anchor, across any cut between.
                text += """
                      flag_\(index):
                        state: enabled
                        metadata:
                          original: &note_\(index) "noted"
                          copy: *note_\(index)

                    """
                if index == 5 { text += "      first: *shared_0\n" }
            case 6:
                text += """
                      "flag_\(index)":
                        state: enabled   # trailing comment

                    """
            default:
                text += """
                      flag_\(index):
                        state: disabled
                        metadata: {jira_ticket: "SPLIT-\(index)", tags: [a,
                          b, c]}

                    """
            }
        }
        text += """
            environments:
              production:
                global: {default_rollout_percentage: 1}
            alerts:
              stale: {threshold: 5}

            """
        return lineEnding == "\n" ? text : text.replacing("\n", with: lineEnding)
    }

    static func oneDocument(_ text: String) throws -> YAMLNode? {
        var composer = YAMLComposer(file: "f.yaml", nodeBudget: YAMLReader.nodeBudget)
        return try composer.compose(text)
    }

    static func lineStarts(_ bytes: [UInt8]) -> [(offset: Int, line: Int)] {
        var starts = [(offset: 0, line: 1)]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") && offset + 1 < bytes.count {
            starts.append((offset + 1, starts.count + 1))
        }
        return starts
    }

    @Test("a cut forced before any line gives the one-piece tree or declines; cuts at flag lines join", arguments: ["\n", "\r\n"])
    func everyCut(lineEnding: String) throws {
        let text = Self.trickyFile(flags: 48, lineEnding: lineEnding)
        let bytes = Array(text.utf8)
        let expected = try #require(try Self.oneDocument(text))
        var joined = 0
        var joinedAtFlagLines = 0
        var flagLines = 0
        for start in Self.lineStarts(bytes) {
            let isFlagLine =
                bytes[start.offset...].starts(with: Array("  flag_".utf8))
                || bytes[start.offset...].starts(with: Array("  \"flag_".utf8))
            if isFlagLine { flagLines += 1 }
            let cut = YAMLSplitParse.Cut(offset: start.offset, line: start.line, indent: 2)
            guard let composed = YAMLSplitParse.compose(bytes, at: cut, file: "f.yaml", nodeBudget: YAMLReader.nodeBudget)
            else { continue }
            #expect(composed == expected, "cut before line \(start.line) gave another tree")
            joined += 1
            if isFlagLine { joinedAtFlagLines += 1 }
        }
        // Every flag line joins except the first (nothing above it) and flag_1 to flag_5 (flag_5 has an alias to
        // flag_0's anchor, which a cut between them leaves in the other half).
        #expect(flagLines > 30)
        #expect(joinedAtFlagLines == flagLines - 6, "\(joinedAtFlagLines) of \(flagLines) flag lines joined")
        // No other line may join: they are inside a flag, before the flags, or after them.
        #expect(joined == joinedAtFlagLines)
    }

    @Test("real files, cut before every line, give the one-piece tree or decline: the shipped config and the seed's")
    func realFiles() throws {
        for path in [ConfigFixtures.shippedFile, ConfigFixtures.seedFile] {
            let text = try FlagConfigLoader.readFile(path).text
            let bytes = Array(text.utf8)
            let expected = try Self.oneDocument(text)
            var joined = 0
            for start in Self.lineStarts(bytes) {
                let cut = YAMLSplitParse.Cut(offset: start.offset, line: start.line, indent: 2)
                guard let composed = YAMLSplitParse.compose(bytes, at: cut, file: "f.yaml", nodeBudget: YAMLReader.nodeBudget)
                else { continue }
                #expect(composed == expected, "\(path): cut before line \(start.line) gave another tree")
                joined += 1
            }
            #expect(joined >= 10, "\(path): only \(joined) cuts joined")
        }
    }

    @Test("the cut of a large file is a flag line near the middle, and the tree is the one-piece tree")
    func largeFile() throws {
        let text = Self.trickyFile(flags: 2400)
        let bytes = Array(text.utf8)
        #expect(bytes.count >= YAMLSplitParse.minimumBytes)
        let cut = try #require(bytes.withUnsafeBufferPointer { YAMLSplitParse.findCut(in: $0) })
        #expect(cut.indent == 2)
        #expect(bytes[cut.offset...].starts(with: Array("  flag_".utf8)))
        #expect(abs(cut.offset - bytes.count / 2) < bytes.count / 10)
        let lineStart = try #require(Self.lineStarts(bytes).first { $0.offset == cut.offset })
        #expect(cut.line == lineStart.line)
        let split = try #require(YAMLSplitParse.compose(bytes, file: "f.yaml", nodeBudget: YAMLReader.nodeBudget))
        #expect(split == (try Self.oneDocument(text)))
        #expect(try YAMLReader.read(text, file: "f.yaml") == split)
    }

    @Test("an alias to an anchor above the cut, or a key on both sides, declines and the one-piece parse decides")
    func declines() throws {
        let head = "flags:\n  a: &anchor {state: enabled}\n  b: {state: enabled}\n"
        let aliased = head + "  c: *anchor\n"
        let cutAtC = YAMLSplitParse.Cut(offset: head.utf8.count, line: 4, indent: 2)
        #expect(YAMLSplitParse.compose(Array(aliased.utf8), at: cutAtC, file: "f.yaml", nodeBudget: 1000) == nil)
        #expect(try Self.oneDocument(aliased) != nil)

        let duplicate = head + "  a: {state: disabled}\n"
        #expect(YAMLSplitParse.compose(Array(duplicate.utf8), at: cutAtC, file: "f.yaml", nodeBudget: 1000) == nil)
        #expect(throws: FlagConfigError.self) { try Self.oneDocument(duplicate) }

        let repeatedTopLevel = head + "  c: {state: enabled}\nversion: x\nflags_too: 1\nversion: y\n"
        #expect(YAMLSplitParse.compose(Array(repeatedTopLevel.utf8), at: cutAtC, file: "f.yaml", nodeBudget: 1000) == nil)

        let versionAbove = "version: x\n" + head + "  c: {state: enabled}\nversion: y\n"
        let cutAfterVersion = YAMLSplitParse.Cut(offset: "version: x\n".utf8.count + head.utf8.count, line: 5, indent: 2)
        #expect(YAMLSplitParse.compose(Array(versionAbove.utf8), at: cutAfterVersion, file: "f.yaml", nodeBudget: 1000) == nil)

        // A tag handle declared above the cut is unknown below it.
        let tagged = "%TAG !e! tag:example.com,2026:\n---\n" + head + "  c: !e!thing {state: enabled}\n"
        let cutTagged = YAMLSplitParse.Cut(offset: tagged.utf8.count - "  c: !e!thing {state: enabled}\n".utf8.count, line: 6, indent: 2)
        #expect(YAMLSplitParse.compose(Array(tagged.utf8), at: cutTagged, file: "f.yaml", nodeBudget: 1000) == nil)
    }

    @Test("an error below the cut of a large file is reported at its line in the file")
    func errorBelowCut() throws {
        var text = Self.trickyFile(flags: 2400)
        let marker = "  flag_2007:\n    state: disabled\n"
        #expect(text.contains(marker))
        text = text.replacing(marker, with: "  flag_2007:\n    state: sideways\n")
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == "    state: sideways" }! + 1
        do {
            _ = try FlagConfigLoader.load(base: ConfigText(name: "big.yaml", text: text), environment: "production")
            Issue.record("a bad state was accepted")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.location == SourceLocation(file: "big.yaml", line: line, column: 12))
            #expect(diagnostic.message.contains("unknown state 'sideways'"))
            #expect(diagnostic.excerpt?.contains("state: sideways") == true)
        }
    }

    @Test("NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR or a lone CR above the cut: parsed in one piece, lines as libyaml counts them",
        arguments: ["\u{85}", "\u{2028}", "\u{2029}", "\r"])
    func otherLineBreaks(lineBreak: String) throws {
        // The break sits in a comment near the top, so the text still has a flag line to cut at below it.
        var text = "# note" + lineBreak + "# more\n" + Self.trickyFile(flags: 2400)
        #expect(text.utf8.withContiguousStorageIfAvailable { YAMLSplitParse.hasOtherLineBreaks($0) } == true)
        #expect(YAMLSplitParse.compose(Array(text.utf8), file: "f.yaml", nodeBudget: YAMLReader.nodeBudget) == nil)
        text = text.replacing("  flag_2007:\n    state: disabled\n", with: "  flag_2007:\n    state: sideways\n")
        let oneLine = "# note" + lineBreak + "# more\n"
        // libyaml counts the extra break as a line: the error is one line further down than a \n-only count says.
        let newlineLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == "    state: sideways" }! + 1
        do {
            _ = try FlagConfigLoader.load(base: ConfigText(name: "big.yaml", text: text), environment: "production")
            Issue.record("a bad state was accepted")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.location == SourceLocation(file: "big.yaml", line: newlineLine + 1, column: 12), "\(oneLine.debugDescription)")
        }
        #expect(Array("plain\r\nlines\n".utf8).withUnsafeBufferPointer(YAMLSplitParse.hasOtherLineBreaks) == false)
    }

    @Test("a large file decodes in two halves to the definitions and warnings of one pass, in file order")
    func parallelDecode() throws {
        let text = Self.trickyFile(flags: 2400)
        let loaded = try FlagConfigLoader.load(base: ConfigText(name: "big.yaml", text: text), environment: "production")
        #expect(loaded.flagSet.count == 2400)
        #expect(loaded.flagSet.definitions.map(\.key) == (0..<2400).map { "flag_\($0)" })
        // Unknown fields warn in file order across the halves.
        var withUnknown = text
        for index in [3, 1497, 2397] {
            withUnknown = withUnknown.replacing(
                "  flag_\(index):\n", with: "  flag_\(index):\n    colour: blue\n")
        }
        let warned = try FlagConfigLoader.load(base: ConfigText(name: "big.yaml", text: withUnknown), environment: "production")
        let paths = warned.warnings.map(\.path)
        #expect(paths == ["flags.flag_3.colour", "flags.flag_1497.colour", "flags.flag_2397.colour"])
        #expect(warned.warnings.map(\.location.line) == warned.warnings.map(\.location.line).sorted())
    }
}
