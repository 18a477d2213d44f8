import CYaml

/// Composes one YAML document into ``YAMLNode``s straight from libyaml's events (the parser Yams wraps).
///
/// Why not `Yams.compose`: at 100,000 platforms its node tree — a `Tag` object per node, a hash of every mapping's keys,
/// tag resolution by regular expression — was most of the daemon's start-up and peaked at ~150 MB of heap. This keeps
/// the text, the tag and the line of each scalar, and resolves types only when the configuration reader asks
/// (``YAMLNode/Scalar/type``, which falls back to Yams' resolver for anything but plain words).
///
/// Iterative (an explicit stack), so a deeply nested document cannot overflow the thread's stack.
enum YAMLComposer {
    /// A document libyaml refused, or one this reader does not take: a fixed phrase (never the document's text, which
    /// may hold a secret) and the line it is on.
    struct Problem: Error, Sendable, Equatable {
        var problem: String
        var line: Int?
        /// libyaml's byte offset, for a reader error (undecodable input): ``compose(_:)`` turns it into the line.
        var offset: Int?
    }

    /// The document's root (nil for an empty stream).
    static func compose(_ text: String) throws(Problem) -> YAMLNode? {
        var text = text
        let result: Result<YAMLNode?, Problem> = text.withUTF8 { bytes in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return .failure(Problem(problem: "out of memory")) }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            var builder = Builder()
            do throws(Problem) {
                try withEvents(&parser) { event throws(Problem) in try builder.take(event) }
                return .success(builder.root)
            } catch {
                var problem = error
                if let offset = problem.offset {
                    problem.line = bytes.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                }
                return .failure(problem)
            }
        }
        return try result.get()
    }

    /// Calls `body` with each event until the stream ends; libyaml's errors become ``Problem``s.
    private static func withEvents(
        _ parser: inout yaml_parser_t, _ body: (borrowing yaml_event_t) throws(Problem) -> Void
    ) throws(Problem) {
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw problem(of: parser) }
            defer { yaml_event_delete(&event) }
            try body(event)
            if event.type == YAML_STREAM_END_EVENT { return }
        }
    }

    /// libyaml's problem and context are fixed phrases ("mapping values are not allowed in this context").
    private static func problem(of parser: yaml_parser_t) -> Problem {
        let text = parser.problem.map { String(cString: $0) } ?? "the YAML parser failed"
        switch parser.error {
        case YAML_READER_ERROR:
            // A byte offset into the input: the line is the newlines before it, plus one.
            return Problem(problem: text, line: nil, offset: parser.problem_offset)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
            var problem = text
            if let context = parser.context {
                problem += " (\(String(cString: context)) starting on line \(parser.context_mark.line + 1))"
            }
            return Problem(problem: problem, line: parser.problem_mark.line + 1)
        default:
            return Problem(problem: "the YAML parser failed", line: nil)
        }
    }

    // MARK: - Building the tree

    /// The open collections, innermost last, and the anchors seen so far.
    private struct Builder {
        /// A mapping or a sequence whose end event has not come yet (a class: appended to in place).
        final class Open {
            let isMapping: Bool
            let line: Int
            let anchor: String?
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var pendingKey: YAMLNode?
            var items: [YAMLNode] = []

            init(isMapping: Bool, line: Int, anchor: String?) {
                self.isMapping = isMapping
                self.line = line
                self.anchor = anchor
            }
        }

        var stack: [Open] = []
        var anchors: [String: YAMLNode] = [:]
        var root: YAMLNode?
        var documents = 0

        mutating func take(_ event: borrowing yaml_event_t) throws(Problem) {
            let line = event.start_mark.line + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw Problem(
                        problem: "but found another document (expected a single document in the stream starting on line 1)",
                        line: line)
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let tag = scalar.quoted_implicit == 1 ? YAMLNode.Scalar.stringTag : Self.string(scalar.tag)
                let node = YAMLNode.scalar(YAMLNode.Scalar(string: text, tag: tag, line: line))
                if let anchor = Self.string(scalar.anchor) { anchors[anchor] = node }
                add(node)
            case YAML_ALIAS_EVENT:
                guard let name = Self.string(event.data.alias.anchor), let node = anchors[name] else {
                    throw Problem(problem: "found undefined alias", line: line)
                }
                add(node)
            case YAML_MAPPING_START_EVENT:
                stack.append(Open(isMapping: true, line: line, anchor: Self.string(event.data.mapping_start.anchor)))
            case YAML_SEQUENCE_START_EVENT:
                stack.append(Open(isMapping: false, line: line, anchor: Self.string(event.data.sequence_start.anchor)))
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                let open = stack.removeLast()
                let node: YAMLNode = open.isMapping
                    ? .mapping(YAMLNode.Mapping(pairs: open.pairs, line: open.line))
                    : .sequence(YAMLNode.Items(items: open.items, line: open.line))
                if let anchor = open.anchor { anchors[anchor] = node }
                add(node)
            default:
                break  // stream start and end, document end
            }
        }

        /// Puts a finished node where it belongs: the innermost open collection, or the root.
        private mutating func add(_ node: YAMLNode) {
            guard let open = stack.last else {
                root = node
                return
            }
            if !open.isMapping {
                open.items.append(node)
            } else if let key = open.pendingKey {
                open.pairs.append((key: key, value: node))
                open.pendingKey = nil
            } else {
                open.pendingKey = node
            }
        }

        private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
