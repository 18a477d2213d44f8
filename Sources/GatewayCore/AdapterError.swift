
/// Every adapter failure, classified: the class decides what supervision does (PROTOCOLS.md).
///
/// `message` must be redacted by the adapter before it builds the error; supervision scrubs the known secrets once
/// more before anything is logged or stored.
public struct AdapterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errorClass: ErrorClass
    /// The platform's own code: HTTP status, close code, IRC numeric, or a short tag.
    public var code: String?
    public var message: String
    /// The server's requested wait before the next attempt, in milliseconds.
    public var retryAfterMillis: Int64?
    /// False when the error could not be classified and defaulted to `network` (it is logged at warning).
    public var classified: Bool
    /// What failed: the connection, or only this one message (blocked by the user, unknown chat, 403 on a channel).
    /// A message failure is recorded on the message and never marks the connection down.
    public var scope: Scope = .connection
    /// The server asked for this reconnect (it is not a failure of the link): reconnect at once, not after backoff.
    public var reconnectAtOnce = false

    public enum Scope: Sendable, Equatable {
        case connection
        case message
    }

    /// Whether this failure concerns one outgoing message only (blocked by the user, chat not found, group migrated,
    /// no permission in that channel): the connection is fine. Thrown from `send`, never from `connect`/`run`.
    public var isPerMessage: Bool { scope == .message }

    /// The `code` Telegram's per-message failures carry (other adapters keep the platform's own code).
    public static let perMessageCode = "per_message"

    /// A failure of one message only; `errorClass` is kept for the record.
    public static func message(_ errorClass: ErrorClass, code: String?, message: String) -> AdapterError {
        var error = AdapterError(errorClass, code: code, message: message)
        error.scope = .message
        return error
    }

    public init(_ errorClass: ErrorClass, code: String? = nil, message: String, retryAfterMillis: Int64? = nil) {
        self.errorClass = errorClass
        self.code = code
        self.message = message
        self.retryAfterMillis = retryAfterMillis
        classified = true
    }

    public var description: String {
        "\(errorClass.rawValue)\(code.map { " \($0)" } ?? ""): \(message)"
    }

    /// Any error as an `AdapterError`: itself, or an unclassified `network` failure with its text.
    public static func classify(_ error: any Error) -> AdapterError {
        if let error = error as? AdapterError { return error }
        if error is CancellationError { return AdapterError(.network, code: "cancelled", message: "the operation was cancelled") }
        var unclassified = AdapterError(.network, message: String(describing: error))
        unclassified.classified = false
        return unclassified
    }
}
