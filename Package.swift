// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "zstack-agents",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SSH", targets: ["SSH"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibssh2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        .target(name: "SSH", dependencies: ["CLibssh2"], swiftSettings: swiftSettings),
        .testTarget(name: "SSHTests", dependencies: ["SSH"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "SSHBenchmark", dependencies: ["SSH"], path: "Benchmarks/SSHBenchmark",
            swiftSettings: swiftSettings),
    ]
)
