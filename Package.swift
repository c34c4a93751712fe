// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "zstack-swift",
    platforms: [.macOS(.v15)],
    targets: [
        .testTarget(
            name: "PackagingTests",
            swiftSettings: swiftSettings
        ),
    ]
)
