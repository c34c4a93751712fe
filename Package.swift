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
        .library(name: "VirtualRouterAgent", targets: ["VirtualRouterAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2", traits: []),
    ],
    targets: [
        .target(name: "AgentWire", swiftSettings: swiftSettings),
        .target(
            name: "VirtualRouterAgent",
            dependencies: ["AgentWire", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings),
        .testTarget(name: "AgentWireTests", dependencies: ["AgentWire"], swiftSettings: swiftSettings),
        .testTarget(
            name: "VirtualRouterAgentTests", dependencies: ["VirtualRouterAgent", "AgentWire"],
            swiftSettings: swiftSettings),
    ]
)
