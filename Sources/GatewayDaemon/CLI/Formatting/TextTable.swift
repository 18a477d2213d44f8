import GatewayCore
import GatewayRuntime
import GatewayNetworking
/// Plain-text columns, aligned by computing each column's width; no colour, no box drawing.
///
/// Cells are sanitised (control characters, such as newlines or terminal escapes in a server's error text, become
/// spaces). When a width is given and the table is wider, the flexible column (usually the last, free-text one) is
/// shrunk and its long cells end in "…".
///
/// ```swift
/// var table = TextTable(columns: [.init("NAME"), .init("ATTEMPTS", alignment: .right)])
/// table.append(["telegram", "3"])
/// print(table.render())
/// ```
struct TextTable: Sendable, Equatable {
    enum Alignment: Sendable { case left, right }

    struct Column: Sendable, Equatable {
        var header: String
        var alignment: Alignment

        init(_ header: String, alignment: Alignment = .left) {
            self.header = header
            self.alignment = alignment
        }
    }

    /// Between two columns.
    static let gap = "  "
    /// A shrunk flexible column keeps at least this many characters.
    static let minimumFlexibleWidth = 12

    var columns: [Column]
    private(set) var rows: [[String]] = []
    /// The column shrunk to fit a width; nil: never shrink.
    var flexibleColumn: Int?

    init(columns: [Column], flexibleColumn: Int? = nil) {
        self.columns = columns
        self.flexibleColumn = flexibleColumn
    }

    /// Adds a row; missing cells are empty, extra cells are dropped.
    mutating func append(_ cells: [String]) {
        rows.append((0..<columns.count).map { $0 < cells.count ? Self.sanitize(cells[$0]) : "" })
    }

    /// The header line and one line per row, joined by newlines (no trailing newline, no trailing spaces).
    /// - Parameter width: the terminal's width, or nil (output to a pipe or file): do not shrink.
    func render(width: Int? = nil) -> String {
        let all = [columns.map(\.header)] + rows
        var widths = columns.indices.map { index in all.map { $0[index].count }.max() ?? 0 }
        if let width, let flexible = flexibleColumn, widths.indices.contains(flexible) {
            let total = widths.reduce(0, +) + Self.gap.count * max(0, widths.count - 1)
            if total > width {
                widths[flexible] = max(Self.minimumFlexibleWidth, widths[flexible] - (total - width))
            }
        }
        return all.map { cells in
            let padded = cells.indices.map { index in
                let text = Self.truncate(cells[index], to: widths[index])
                let fill = String(repeating: " ", count: widths[index] - text.count)
                return columns[index].alignment == .left ? text + fill : fill + text
            }
            return Self.trimTrailingSpaces(padded.joined(separator: Self.gap))
        }.joined(separator: "\n")
    }

    /// `text` cut to `width` characters, its last one "…" when cut.
    static func truncate(_ text: String, to width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 0 else { return "" }
        return String(text.prefix(width - 1)) + "…"
    }

    /// Control characters (newlines, tabs, ESC, C1) become spaces: a cell never breaks a line or drives the terminal.
    static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .control }

    private static func trimTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
