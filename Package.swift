// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "zstack-swift-agents",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "AgentWire",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CLibvirt",
            pkgConfig: "libvirt",
            providers: [.apt(["libvirt-dev"])]
        ),
        .target(
            name: "Libvirt",
            dependencies: [
                "CLibvirt",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KVMAgent",
            dependencies: ["AgentWire", "Libvirt"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KVMAgentTests",
            dependencies: ["KVMAgent", "AgentWire", "Libvirt"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AgentWireTests",
            dependencies: ["AgentWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LibvirtTests",
            dependencies: ["Libvirt"],
            swiftSettings: swiftSettings
        ),
    ]
)
