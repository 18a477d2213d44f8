import GatewayDaemon

// The whole program lives in the GatewayDaemon library, so tests and benchmarks can drive it in-process.
await GatewayCommand.runAsync()
