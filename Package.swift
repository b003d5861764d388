// swift-tools-version:6.1
import PackageDescription

/// Our own code builds with warnings as errors (dependencies keep their warnings).
let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]

let package = Package(
    name: "cnpg-swift",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CNPGCore", targets: ["CNPGCore"]),
        .executable(name: "cnpg-operator", targets: ["Operator"]),
        .executable(name: "instance-manager", targets: ["InstanceManager"]),
        .executable(name: "kubectl-cnpg", targets: ["KubectlCNPG"]),
        .executable(name: "kube-sandbox", targets: ["KubeSandboxCLI"]),
        .executable(name: "kube-sandbox-exec", targets: ["KubeSandboxExec"]),
        .executable(name: "cnpg-bench", targets: ["CNPGBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "CNPGCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Operator",
            dependencies: [
                "CNPGCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "InstanceManager",
            dependencies: [
                "CNPGCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "KubectlCNPG",
            dependencies: [
                "CNPGCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kubectl-cnpg",
            swiftSettings: strict
        ),
        .target(
            name: "KubeSandbox",
            dependencies: [
                "CNPGCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "KubeSandboxCLI",
            dependencies: [
                "KubeSandbox",
                "CNPGCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/kube-sandbox",
            swiftSettings: strict
        ),
        .target(name: "CSandboxExec", path: "Sources/CSandboxExec"),
        .executableTarget(name: "KubeSandboxExec", dependencies: ["CSandboxExec"], path: "Sources/kube-sandbox-exec", swiftSettings: strict),
        .executableTarget(
            name: "CNPGBench",
            dependencies: [
                "CNPGCore", "CNPGTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/CNPGBench",
            swiftSettings: strict
        ),
        .target(
            name: "CNPGTestSupport", dependencies: ["CNPGCore", .product(name: "PostgresNIO", package: "postgres-nio")], path: "Tests/Support",
            swiftSettings: strict),
        .testTarget(name: "CNPGCoreTests", dependencies: ["CNPGCore", "CNPGTestSupport"], swiftSettings: strict),
        .testTarget(name: "OperatorTests", dependencies: ["CNPGCore", "CNPGTestSupport"], swiftSettings: strict),
        .testTarget(name: "ExecutablesTests", dependencies: ["CNPGTestSupport"], swiftSettings: strict),
        .testTarget(name: "InstanceManagerTests", dependencies: ["KubeSandbox", "CNPGCore", "CNPGTestSupport"], swiftSettings: strict),
        .testTarget(name: "KubeSandboxTests", dependencies: ["KubeSandbox", "CNPGCore", "CNPGTestSupport"], swiftSettings: strict),
    ]
)
