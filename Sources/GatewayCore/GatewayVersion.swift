/// The release, as `gatewayd --version` and the alert webhook's User-Agent say it.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
