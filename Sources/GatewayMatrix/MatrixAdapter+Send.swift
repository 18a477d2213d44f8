import GatewayCore
import Foundation

extension MatrixAdapter {
    /// `PUT /rooms/{roomId}/send/m.room.message/{txnId}` per part (split at ``MatrixTextSplitter/maxBodyBytes``), the
    /// first part answering `replyTo` (`m.relates_to.m.in_reply_to`). A 429 is thrown `rateLimited` with its wait
    /// (the outbox holds the platform's queue until then); a 403/404/400/413 is a per-message failure.
    public func send(_ message: OutgoingMessage) async throws -> SentMessage {
        guard MatrixIDs.isRoomTarget(message.target) else {
            throw AdapterError.message(.server, code: "invalid_target", message: MatrixIDs.targetRule(message.target))
        }
        guard !message.text.isEmpty else {
            throw AdapterError.message(.server, code: "empty", message: "send: the message is empty")
        }
        if let replyTo = message.replyTo, !MatrixIDs.isEventID(replyTo) {
            throw AdapterError.message(.server, code: "invalid_reply_to", message: MatrixIDs.replyRule(replyTo))
        }
        let room = try await roomID(for: message.target)
        let parts = MatrixTextSplitter.split(message.text)
        let direct = UUID().uuidString.lowercased()
        var ids: [String] = []
        for (index, part) in parts.enumerated() {
            let txnID = Self.txnID(message.deliveryKey, direct: direct, part: index, of: parts.count)
            do {
                let sent: MatrixEventID = try await call(
                    .send, .PUT, "/rooms/\(MatrixPath.encode(room))/send/m.room.message/\(MatrixPath.encode(txnID))",
                    body: MatrixTextContent(body: part, replyTo: index == 0 ? message.replyTo : nil))
                ids.append(sent.eventID)
            } catch var error as AdapterError {
                if !ids.isEmpty { error.message += " (\(ids.count) of \(parts.count) parts were sent: \(ids.joined(separator: ", ")))" }
                throw error
            }
        }
        return SentMessage(ids: ids)
    }

    /// The transaction id of one part (spec: "Transaction identifiers"): the homeserver answers a repeated PUT with
    /// the same txnId — same access token/device — with the event it created the first time, so a send repeated
    /// after a timeout or a crash between the PUT and recording it as sent creates nothing new. `gw.<delivery key>`,
    /// plus `.<n>` for part n of a split text; a direct send (no delivery key) gets a fresh one (`gw-direct.<uuid>`).
    static func txnID(_ key: String?, direct: String, part: Int, of count: Int) -> String {
        let base = key.map { "gw.\($0)" } ?? "gw-direct.\(direct)"
        return count > 1 ? "\(base).\(part)" : base
    }
}
