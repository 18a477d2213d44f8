// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "gatewayd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .library(name: "GatewayStore", targets: ["GatewayStore"]),
        .executable(name: "gatewayd-bench", targets: ["gatewayd-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libsqlite3 from the system (apt: libsqlite3-dev); see Sources/CSQLite/module.modulemap.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Host tool run by the EmbedMigrations plugin: turns migrations/*.sql into Swift string literals.
        .executableTarget(name: "MigrationEmbedder"),
        // malloc_trim for the daemon's one release of its startup peak (Swift's Glibc module lacks <malloc.h>).
        .target(name: "CAllocator"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        // The shared vocabulary: the adapter protocol and its context, AdapterError and the error classes, clocks,
        // Secret/Redactor, platform configuration and backoff policy, platform-kind descriptors, the digests and
        // webhook signatures (swift-crypto). No I/O.
        .target(
            name: "GatewayCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // What every networked adapter shares: the HTTP client that does not retry connection establishment, and
        // the one classification of connection failures (refused, DNS, TLS, timeout, with host:port).
        .target(
            name: "GatewayNetworking",
            dependencies: [
                "GatewayCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // One target per platform: the shared vocabulary and its protocol libraries only — never the store or
        // supervision (the compiler keeps that arrow). Each exposes its `PlatformKind` descriptor.
        .target(name: "GatewaySimulated", dependencies: ["GatewayCore"]),
        .target(
            name: "GatewayTelegram",
            dependencies: [
                "GatewayCore", "GatewayNetworking",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "GatewayDiscord",
            dependencies: [
                "GatewayCore", "GatewayNetworking",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ]
        ),
        .target(
            name: "GatewaySlack",
            dependencies: [
                "GatewayCore", "GatewayNetworking",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ]
        ),
        .target(
            name: "GatewayIRC",
            dependencies: [
                "GatewayCore", "GatewayNetworking",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "GatewayMatrix",
            dependencies: [
                "GatewayCore", "GatewayNetworking",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Persistence and the reconnect state machine. No networking.
        // `Migrations` is a symlink to the top-level migrations/ folder; the plugin embeds its .sql files.
        .target(
            name: "GatewayStore",
            dependencies: ["CSQLite", "GatewayCore"],
            exclude: ["Migrations/postgres"],
            plugins: ["EmbedMigrations"]
        ),
        // The fleet's store: the same rows and state machine on PostgreSQL (postgres-nio), with per-platform owner
        // leases. `Migrations` is a symlink to migrations/postgres, embedded by the same plugin.
        .target(
            name: "GatewayPostgres",
            dependencies: [
                "GatewayStore", "GatewayCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // The runtime: supervision (runner, watcher), routing, messaging, alerts, metrics, and the configuration
        // model. It sees adapters only through `AdapterMaking` and `PlatformKind`: it names no concrete one.
        .target(
            name: "GatewayRuntime",
            dependencies: [
                "CAllocator",
                "GatewayStore", "GatewayCore", "GatewayNetworking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The faces — configuration loading, CLI, HTTP, logging — and the one composition root
        // (Composition/Daemon.swift) with the list of platform kinds.
        .target(
            name: "GatewayDaemon",
            dependencies: [
                "CAllocator", "GatewayStore", "GatewayCore", "GatewayNetworking", "GatewayRuntime",
                "GatewaySimulated", "GatewayTelegram", "GatewayDiscord", "GatewayIRC", "GatewayMatrix", "GatewaySlack",
                "GatewayPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The HTTP API's OpenAPI document, compiled into the binary (served at /openapi.json; no bundle to lose).
            resources: [.embedInCode("HTTP/openapi.json")]
        ),
        .executableTarget(name: "gatewayd", dependencies: ["GatewayDaemon"]),
        // Benchmarks, side by side with a model of the seed's reconnect algorithm (BENCHMARKS.md, scripts/bench).
        // An executable, never a test: scripts/test does not run it.
        .executableTarget(
            name: "gatewayd-bench",
            dependencies: [
                "GatewayDaemon", "GatewayStore", "GatewayCore", "GatewayRuntime", "GatewaySimulated", "CSQLite",
                // The `fleet` scenario: the PostgreSQL store against SQLite (already built for GatewayDaemon); the
                // failover runs empty the database between runs through postgres-nio.
                "GatewayPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // The `messages` scenario's loopback Telegram Bot API server (already built for GatewayDaemon).
                .product(name: "Hummingbird", package: "hummingbird"),
                // The `load` scenario's readiness probe (already built for GatewayNetworking).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Fuzzing (FUZZING.md): the decoders that take outside input as fuzz targets, shared by the libFuzzer
        // executables below and by the in-process mutation tests. The executables are stubs unless built by
        // scripts/fuzz (`-DFUZZING`, sanitizer coverage, libFuzzer's runtime).
        .target(
            name: "FuzzTargets",
            dependencies: [
                "GatewayDaemon", "GatewayStore", "GatewayCore", "GatewayRuntime", "GatewayTelegram", "GatewayDiscord", "GatewayIRC",
                "CLibFuzzer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Fuzz/Targets"
        ),
        // libFuzzer's driver entry point (declaration only; scripts/fuzz links the runtime).
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(name: "gatewayd-fuzz-telegram", dependencies: ["FuzzTargets", "CLibFuzzer"], path: "Fuzz/Telegram"),
        .executableTarget(name: "gatewayd-fuzz-discord", dependencies: ["FuzzTargets", "CLibFuzzer"], path: "Fuzz/Discord"),
        .executableTarget(name: "gatewayd-fuzz-irc", dependencies: ["FuzzTargets", "CLibFuzzer"], path: "Fuzz/IRC"),
        .executableTarget(name: "gatewayd-fuzz-config", dependencies: ["FuzzTargets", "CLibFuzzer"], path: "Fuzz/Config"),
        .target(name: "CMallocStats", path: "Tests/CMallocStats"),
        .testTarget(name: "GatewayStoreTests", dependencies: ["GatewayStore", "GatewayCore"]),
        .testTarget(
            name: "GatewayDaemonTests",
            dependencies: [
                "GatewayDaemon", "GatewayStore", "GatewayCore", "GatewayNetworking", "GatewayRuntime", "GatewayTelegram", "GatewayDiscord",
                "GatewayIRC", "GatewayMatrix", "GatewaySlack", "GatewaySimulated", "FuzzTargets", "CSQLite", "CMallocStats",
                "CAllocator", "GatewayPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
