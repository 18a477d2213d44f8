import GatewayCore
import GatewayRuntime
import GatewayNetworking
import Foundation
import GatewayStore

/// The status page: one screen, no script — a row per platform and a server-rendered SVG timeline of the last 24 h.
enum StatusPage {
    static let windowMillis: Int64 = 24 * 3_600_000

    static func render(records: [PlatformRecord], lease: DaemonLease?, events: [PlatformEvent], now: Int64) -> String {
        let timeline = Timeline(events: events, platforms: records.map(\.name), start: now - windowMillis, end: now)
        var rows = ""
        for record in records {
            let next = record.nextRetryAt.map { RelativeTime.due($0, now: now) } ?? "–"
            let since = record.connectedSince.map { RelativeTime.ago($0, now: now) } ?? "–"
            let error = record.lastErrorClass.map { "\($0.rawValue): \(record.lastError ?? "")" } ?? ""
            rows += """
                <tr><td>\(escape(record.name))</td><td>\(escape(record.type))</td>\
                <td><span class="badge \(Timeline.group(record.state))">\(record.state.rawValue)</span></td>\
                <td class="num">\(record.attempts)\(record.exhausted ? " (max)" : "")</td><td>\(escape(next))</td>\
                <td>\(escape(since))</td><td class="err">\(escape(error))</td></tr>

                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
            <title>gatewayd status</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
            table { border-collapse: collapse; margin-bottom: 24px; }
            th, td { text-align: left; padding: 4px 12px; border-bottom: 1px solid #ddd; }
            td.num { text-align: right; } td.err { color: #a33; max-width: 40em; }
            .badge { padding: 1px 8px; border-radius: 8px; color: #fff; }
            .connected { background: #2e7d32; fill: #2e7d32; } .backing-off { background: #ef8f00; fill: #ef8f00; }
            .needs-attention { background: #c62828; fill: #c62828; } .off { background: #888; fill: #aaa; }
            svg text { font: 12px system-ui, sans-serif; fill: #333; }
            </style></head>
            <body>
            <h1>gatewayd</h1>
            <p id="daemon">\(escape(DaemonView.line(lease, now: now)))</p>
            <table id="platforms"><thead><tr><th>platform</th><th>type</th><th>state</th><th>attempts</th>\
            <th>next retry</th><th>connected</th><th>last error</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            <h2>Last 24 hours</h2>
            \(svg(timeline, platforms: records.map(\.name)))
            <p>Green: connected · amber: connecting or backing off · red: needs attention or gave up · grey: paused or
            disabled. Times are UTC; the page refreshes every 10 s.</p>
            </body></html>

            """
    }

    /// The timeline as inline SVG: a lane per platform, a rect per span (`class="span <group>"`, `data-state`).
    static func svg(_ timeline: Timeline, platforms: [String]) -> String {
        let label = 140.0, width = 960.0, lane = 22.0, top = 20.0
        let height = top + lane * Double(max(platforms.count, 1)) + 4
        let scale = (width - label) / Double(max(timeline.end - timeline.start, 1))
        var out = "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"state timeline, last 24 hours\">\n"
        for hour in stride(from: 0, through: 24, by: 6) {
            let x = label + Double(hour) * 3_600_000 * scale
            out += "<line x1=\"\(x)\" y1=\"\(top - 4)\" x2=\"\(x)\" y2=\"\(height)\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(hour == 24 ? x - 26 : x + 2)\" y=\"12\">\(hour == 24 ? "now" : "-\(24 - hour)h")</text>\n"
        }
        for (index, platform) in platforms.enumerated() {
            let y = top + lane * Double(index)
            out += "<text x=\"0\" y=\"\(y + 15)\">\(escape(platform))</text>\n"
            for span in timeline.spans where span.platform == platform {
                let x = label + Double(span.start - timeline.start) * scale
                let w = max(1, Double(span.end - span.start) * scale)
                out += "<rect class=\"span \(Timeline.group(span.state))\" data-platform=\"\(escape(platform))\" data-state=\"\(span.state.rawValue)\" x=\"\(format(x))\" y=\"\(y + 2)\" width=\"\(format(w))\" height=\"\(lane - 6)\">"
                out += "<title>\(escape(platform)): \(span.state.rawValue) from \(UTCTime.iso8601(millis: span.start, fractional: false)) to \(UTCTime.iso8601(millis: span.end, fractional: false))</title></rect>\n"
            }
        }
        return out + "</svg>"
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
