// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "zstack-swift-agents",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "zstack-kvmagent", targets: ["zstack-kvmagent"]),
        .executable(name: "zstack-virtualrouter", targets: ["zstack-virtualrouter"]),
        .executable(name: "zstack-agentctl", targets: ["zstack-agentctl"]),
        .executable(name: "zstack-sftpbackupstorage", targets: ["zstack-sftpbackupstorage"]),
        .executable(name: "zstack-deploy", targets: ["zstack-deploy"]),
        .library(name: "Deployer", targets: ["Deployer"]),
        .library(name: "AgentClient", targets: ["AgentClient"]),
        .library(name: "SSH", targets: ["SSH"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // No SubprocessFoundation trait: we need bytes and strings only, not Foundation's Data.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // The deployer's HTTP API: types and server generated from Sources/Deployer/API/openapi.yaml.
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
    ],
    targets: [
        .target(
            name: "AgentWire",
            dependencies: ["HostSystem"],
            swiftSettings: swiftSettings
        ),
        // glibc's <malloc.h> (malloc_trim), part of libc: nothing to link or install.
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CLibvirt",
            pkgConfig: "libvirt",
            providers: [.apt(["libvirt-dev"])]
        ),
        .target(
            name: "Libvirt",
            dependencies: [
                "CLibvirt", "HostSystem",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CLibxml2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // libvirt's XML read with libxml2 instead of FoundationXML (which links all of Foundation and ICU).
        .target(
            name: "XML",
            dependencies: ["CLibxml2", "HostSystem"],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CLibssh",
            pkgConfig: "libssh",
            providers: [.apt(["libssh-dev"])]
        ),
        .target(
            name: "SSH",
            dependencies: ["CLibssh", "HostSystem"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HostSystem",
            dependencies: [
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AgentServer",
            dependencies: [
                "AgentWire", "AgentTrust", "HostSystem",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AgentClient",
            dependencies: [
                "AgentWire", "HostSystem",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KVMAgent",
            dependencies: [
                "AgentWire", "AgentServer", "Libvirt", "HostSystem", "SSH", "XML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AgentCommandLine",
            dependencies: [
                "AgentServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "zstack-kvmagent",
            dependencies: [
                "AgentCommandLine",
                "KVMAgent",
                "AgentServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VirtualRouterAgent",
            dependencies: [
                "AgentWire",
                "AgentServer",
                "HostSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "zstack-virtualrouter",
            dependencies: [
                "AgentCommandLine",
                "HostSystem",
                "VirtualRouterAgent",
                "AgentServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SftpBackupStorageAgent",
            dependencies: [
                "AgentWire",
                "AgentServer",
                "HostSystem",
                "SSH",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "zstack-sftpbackupstorage",
            dependencies: [
                "AgentCommandLine",
                "SftpBackupStorageAgent",
                "AgentServer",
                "AgentWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AgentTrust",
            dependencies: [
                "HostSystem",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentTrustTests",
            dependencies: [
                "AgentTrust", "TestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Deployer",
            dependencies: [
                "AgentClient", "AgentTrust", "AgentWire", "HostSystem", "SSH",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Where the pool's own errors (ConnectionPoolError) are declared; PostgresNIO does not re-export it.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .executableTarget(
            name: "zstack-deploy",
            dependencies: [
                "Deployer", "AgentTrust",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "zstack-agentctl",
            dependencies: [
                "AgentClient",
                "AgentWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BenchSupport",
            path: "Benchmarks/BenchSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bare-hummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/BareHummingbird",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "async-load",
            dependencies: [
                "BenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/AsyncLoad",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "KVMAgentBenchmark",
            dependencies: [
                "BenchSupport",
                "KVMAgent", "AgentServer", "AgentClient", "AgentWire", "Libvirt",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/KVMAgentBenchmark",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentWireTests",
            dependencies: ["AgentWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XMLTests",
            dependencies: ["XML"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SSHTests",
            dependencies: ["SSH", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SSHBenchmark",
            dependencies: ["BenchSupport", "SSH"],
            path: "Benchmarks/SSHBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DeployerBenchmark",
            dependencies: ["BenchSupport", "Deployer"],
            path: "Benchmarks/DeployerBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FleetBenchmark",
            dependencies: ["BenchSupport", "Deployer", "AgentTrust"],
            path: "Benchmarks/FleetBenchmark",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostSystemTests",
            dependencies: ["HostSystem", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LibvirtTests",
            dependencies: ["Libvirt"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KVMAgentTests",
            dependencies: [
                "KVMAgent", "AgentWire", "Libvirt", "HostSystem", "AgentServer", "AgentClient", "TestSupport", "XML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VirtualRouterAgentTests",
            dependencies: [
                "VirtualRouterAgent", "AgentWire", "AgentServer", "AgentClient", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SftpBackupStorageAgentTests",
            dependencies: [
                "SftpBackupStorageAgent", "AgentServer", "AgentClient", "AgentWire", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The tests' one home for running programs, test hosts, network namespaces, temporary directories,
        // TCP/HTTP probes, in-process agents and the packaging fixtures (issue "One home for each job").
        .target(
            name: "TestSupport",
            dependencies: [
                "AgentServer", "AgentClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PackagingTests",
            dependencies: ["AgentClient", "Deployer", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployerTests",
            dependencies: [
                "Deployer", "AgentClient", "AgentTrust", "AgentWire", "HostSystem", "TestSupport", "SSH",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Starts the agent executables this package builds and fuzzes them over HTTP (issue 14).
        .testTarget(
            name: "HostileInputTests",
            dependencies: [
                "AgentClient", "AgentWire", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentServerTests",
            dependencies: [
                "AgentServer", "AgentClient", "AgentWire", "TestSupport", "AgentTrust", "HostSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
