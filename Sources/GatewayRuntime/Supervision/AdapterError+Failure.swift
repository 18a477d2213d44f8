import GatewayNetworking
import GatewayCore
import GatewayStore

extension AdapterError {
    /// The store's view: secrets scrubbed, the retry-after made absolute.
    func failure(now: Int64, redactor: Redactor) -> PlatformFailure {
        PlatformFailure(
            errorClass, code: code.map(redactor.scrub), message: redactor.scrub(message),
            notBefore: retryAfterMillis.map { now + $0 }, reconnectAtOnce: reconnectAtOnce)
    }
}
