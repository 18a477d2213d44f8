import Foundation
import GatewayStore
import Testing

@testable import GatewayCore
@testable import GatewayDaemon
@testable import GatewayRuntime

@Suite("Status timeline")
struct TimelineTests {
    func event(_ platform: String, _ at: Int64, _ to: PlatformState) -> PlatformEvent {
        PlatformEvent(platform: platform, at: at, kind: .failed, fromState: nil, toState: to, attempt: nil, errorClass: nil, detail: nil, actor: "daemon")
    }

    @Test("spans follow the events; the state before the window carries in; the last span runs to now")
    func spans() {
        let events = [
            event("a", 50, .backingOff),  // before the window
            event("a", 120, .connecting), event("a", 121, .connected),
            event("a", 300, .backingOff), event("a", 310, .needsAttention),
        ]
        let timeline = Timeline(events: events, platforms: ["a", "b"], start: 100, end: 400)
        #expect(timeline.spans.map { [$0.start, $0.end] } == [[100, 120], [120, 121], [121, 300], [300, 310], [310, 400]])
        #expect(timeline.spans.map(\.state) == [.backingOff, .connecting, .connected, .backingOff, .needsAttention])
        #expect(!timeline.spans.contains { $0.platform == "b" }, "no events, no spans")
    }

    @Test("the SVG draws a rect per span, scaled to the window, with its state")
    func svg() {
        let timeline = Timeline(events: [event("a", 0, .connected)], platforms: ["a"], start: 0, end: 86_400_000)
        let svg = StatusPage.svg(timeline, platforms: ["a"])
        #expect(svg.contains(#"<rect class="span connected" data-platform="a" data-state="connected" x="140.0" y="22.0" width="820.0""#))
        #expect(StatusPage.escape("<b>&\"") == "&lt;b&gt;&amp;&quot;")
    }
}

@Suite("Status colours")
struct StatusColourTests {
    @Test("only the state column is coloured; alignment of the plain text is kept")
    func colours() {
        let table = "NAME  STATE            LAST ERROR\na     connected        -\nb     needs_attention  auth: connected twice"
        let coloured = StatusView.colourStates(table)
        let lines = coloured.split(separator: "\n").map(String.init)
        #expect(lines[0] == "NAME  STATE            LAST ERROR")
        #expect(lines[1] == "a     \u{1B}[32mconnected\u{1B}[0m        -")
        #expect(lines[2] == "b     \u{1B}[31mneeds_attention\u{1B}[0m  auth: connected twice")
        let stripped = coloured.replacingOccurrences(of: "\u{1B}[32m", with: "").replacingOccurrences(of: "\u{1B}[31m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "")
        #expect(stripped == table)
    }
}
