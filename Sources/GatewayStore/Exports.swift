// Everything that uses the store speaks the shared vocabulary (error classes, policies, clocks, channel entries).
@_exported import GatewayCore
