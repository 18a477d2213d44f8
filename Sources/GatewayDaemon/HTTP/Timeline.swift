import GatewayCore
import GatewayRuntime
import GatewayNetworking
import GatewayStore

/// Spans of state per platform over a window, computed from the event history.
struct Timeline: Equatable {
    struct Span: Equatable {
        var platform: String
        var start: Int64
        var end: Int64
        var state: PlatformState
    }

    var start: Int64
    var end: Int64
    var spans: [Span]

    /// Walks each platform's events in order; the state before the window is the last earlier event's `to_state`.
    init(events: [PlatformEvent], platforms: [String], start: Int64, end: Int64) {
        self.start = start
        self.end = end
        var spans: [Span] = []
        for platform in platforms {
            var state: PlatformState?
            var since = start
            for event in events where event.platform == platform {
                guard let next = event.toState else { continue }
                let at = max(event.at, start)
                if let current = state, at > since, current != next {
                    spans.append(Span(platform: platform, start: since, end: min(at, end), state: current))
                }
                if state != next {
                    since = at
                    state = next
                }
            }
            if let current = state, end > since {
                spans.append(Span(platform: platform, start: since, end: end, state: current))
            }
        }
        self.spans = spans
    }

    /// The colour group of a state on the page.
    static func group(_ state: PlatformState) -> String {
        switch state {
        case .connected: "connected"
        case .connecting, .backingOff: "backing-off"
        case .needsAttention, .gaveUp: "needs-attention"
        case .paused, .disabled: "off"
        }
    }
}
