// swift-tools-version: 6.0
import PackageDescription

/// Release builds of the numeric targets drop overflow checks: the hot loops index raw buffers whose
/// bounds are fixed at set-up, and the checks cost 10–30 % there (docs/realtime.md, "Bites").
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "bssd",
    products: [
        .executable(name: "bssd", targets: ["bssd"]),
        .executable(name: "bssctl", targets: ["ctl"]),
        .library(name: "RealtimeEngine", targets: ["RealtimeEngine"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
        .library(name: "BSSDKit", targets: ["BSSDKit"]),
        .library(name: "ControlProtocol", targets: ["ControlProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"])]
        ),
        .systemLibrary(
            name: "CALSA",
            pkgConfig: "alsa",
            providers: [.apt(["libasound2-dev"])]
        ),
        .target(
            name: "CAllocationCounter"
        ),
        .target(
            name: "CSystem"
        ),
        .target(
            name: "PlainDecimal"
        ),
        .target(
            name: "EngineParameters"
        ),
        .target(
            name: "SystemCalls"
        ),
        .target(
            name: "RealtimeSupport",
            dependencies: ["CAllocationCounter"]
        ),
        .target(
            name: "RealtimeEngine",
            dependencies: ["CFFTW", "PlainDecimal", "EngineParameters"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "AudioIO",
            dependencies: ["CALSA", "SystemCalls"],
            swiftSettings: numericSettings
        ),
        .target(
            name: "ControlProtocol",
            dependencies: ["EngineParameters"]
        ),
        .target(
            name: "ControlClient",
            dependencies: ["ControlProtocol", "PlainDecimal", "SystemCalls"]
        ),
        .target(
            name: "BSSDKit",
            dependencies: [
                "RealtimeEngine",
                "EngineParameters",
                "AudioIO",
                "RealtimeSupport",
                "CSystem",
                "SystemCalls",
                "ControlProtocol",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "bssd",
            dependencies: [
                "BSSDKit",
                "EngineParameters",
                "RealtimeEngine",
                "AudioIO",
                "RealtimeSupport",
                "PlainDecimal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ctl",
            dependencies: [
                "ControlClient",
                "ControlProtocol",
                "PlainDecimal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["RealtimeEngine"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "RealtimeEngineTests",
            dependencies: ["RealtimeEngine", "EngineParameters", "RealtimeSupport", "TestSupport"]
        ),
        .testTarget(
            name: "RealtimeSupportTests",
            dependencies: ["RealtimeSupport"]
        ),
        .testTarget(
            name: "SystemCallsTests",
            dependencies: ["SystemCalls", "RealtimeSupport"]
        ),
        .testTarget(
            name: "AudioIOTests",
            dependencies: ["AudioIO", "RealtimeSupport", "TestSupport"]
        ),
        .testTarget(
            name: "ControlProtocolTests",
            dependencies: ["ControlProtocol", "ControlClient", "PlainDecimal", "TestSupport"]
        ),
        .testTarget(
            name: "ControlServerTests",
            dependencies: ["BSSDKit", "ControlProtocol", "ControlClient", "TestSupport"]
        ),
        .testTarget(
            name: "BSSDKitTests",
            dependencies: ["BSSDKit", "AudioIO", "RealtimeEngine", "RealtimeSupport", "ControlClient", "ControlProtocol", "TestSupport"]
        ),
    ]
)
