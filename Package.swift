// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// On an x86-64 machine with AVX2 and FMA the numeric targets are compiled for it (`haswell`, the
/// first such generation): the engine's lanes are 8 floats or 4 doubles wide, which baseline x86-64
/// (SSE2) splits in two and computes without fused multiply–adds. Measured with `bssd bench` at the
/// defaults, float IP: M = 2 0.047 → 0.039, M = 4 0.161 → 0.119 of a core; separation on the dev and
/// validation splits unchanged to 0.01 dB. The check reads the build machine's CPU, so the binary is
/// for this machine and its like; `BSSD_PORTABLE_BUILD=1` builds for any x86-64 (README, "Building").
let hostTuning: [String] = {
    #if os(Linux) && arch(x86_64)
    let environment = ProcessInfo.processInfo.environment
    guard environment["BSSD_PORTABLE_BUILD"] != "1",
        let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let present = Set(flags.split(separator: " ").map(String.init))
    let haswell: Set = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "abm"]
    return haswell.isSubset(of: present) ? ["-target-cpu", "haswell"] : []
    #else
    return []
    #endif
}()

/// Release builds of the numeric targets drop overflow checks: the hot loops index raw buffers whose
/// bounds are fixed at set-up, and the checks cost 10–30 % there (docs/realtime.md, "Bites").
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
] + (hostTuning.isEmpty ? [] : [.unsafeFlags(hostTuning)])

/// The engine is optimised in debug builds too (overflow checks kept): unoptimised, the quality
/// tests, which stream seconds of audio through the default engine, ran about five times longer
/// (the start-up test: 104 s against 20 s) and would take most of the test run.
let engineSettings: [SwiftSetting] = numericSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "bssd",
    products: [
        .executable(name: "bssd", targets: ["bssd"]),
        .executable(name: "bssctl", targets: ["ctl"]),
        .library(name: "RealtimeEngine", targets: ["RealtimeEngine"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
        .library(name: "BSSDDaemon", targets: ["BSSDDaemon"]),
        .library(name: "FileSeparation", targets: ["FileSeparation"]),
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
            name: "RegularFiles",
            dependencies: ["SystemCalls"]
        ),
        .target(
            name: "RealtimeEngine",
            dependencies: ["CFFTW", "PlainDecimal", "EngineParameters"],
            swiftSettings: engineSettings
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
            dependencies: ["ControlProtocol", "PlainDecimal", "RealtimeSupport", "SystemCalls"]
        ),
        .target(
            name: "FileSeparation",
            dependencies: ["RealtimeEngine", "AudioIO"]
        ),
        .target(
            name: "DaemonConfig",
            dependencies: [
                "RealtimeEngine",
                "EngineParameters",
                "AudioIO",
                "ControlProtocol",
                "RegularFiles",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "DaemonLogging",
            dependencies: ["DaemonConfig", "SystemCalls"]
        ),
        .target(
            name: "LivePipeline",
            dependencies: ["RealtimeEngine", "AudioIO", "RealtimeSupport", "CSystem", "SystemCalls", "DaemonConfig"]
        ),
        .target(
            name: "ControlServer",
            dependencies: ["ControlProtocol", "RealtimeSupport", "SystemCalls", "DaemonConfig", "DaemonLogging", "LivePipeline"]
        ),
        .target(
            name: "BSSDDaemon",
            dependencies: [
                "RealtimeEngine",
                "EngineParameters",
                "AudioIO",
                "RealtimeSupport",
                "SystemCalls",
                "ControlProtocol",
                "RegularFiles",
                "DaemonConfig",
                "DaemonLogging",
                "LivePipeline",
                "ControlServer",
            ]
        ),
        .executableTarget(
            name: "bssd",
            dependencies: [
                "BSSDDaemon",
                "FileSeparation",
                "DaemonConfig",
                "DaemonLogging",
                "LivePipeline",
                "RegularFiles",
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
            dependencies: ["ControlServer", "ControlProtocol", "ControlClient", "DaemonConfig", "RegularFiles", "RealtimeSupport"]
        ),
        .testTarget(
            name: "DaemonConfigTests",
            dependencies: ["DaemonConfig", "BSSDDaemon", "ControlClient", "ControlProtocol", "EngineParameters", "RealtimeEngine"]
        ),
        .testTarget(
            name: "LivePipelineTests",
            dependencies: ["LivePipeline", "DaemonConfig"]
        ),
        .testTarget(
            name: "BSSDDaemonTests",
            dependencies: [
                "BSSDDaemon", "DaemonConfig", "DaemonLogging", "LivePipeline", "AudioIO", "RealtimeEngine", "RealtimeSupport",
                "ControlClient", "ControlProtocol", "TestSupport",
            ]
        ),
        .testTarget(
            name: "FileSeparationTests",
            dependencies: ["FileSeparation", "AudioIO", "RealtimeEngine"]
        ),
    ]
)
