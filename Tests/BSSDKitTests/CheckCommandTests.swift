import Foundation
import Testing

/// `bssd --config FILE --check` as an operator runs it: the built executable, its output and its
/// exit status. Flags given beside the file override the file's keys.
@Suite("bssd --config --check")
struct CheckCommandTests {
    /// `swift test` builds every product next to the test bundle.
    static let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("bssd").path

    static let shipped = ConfigFileTests.shippedPath

    struct Outcome {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func bssd(_ arguments: String...) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: out, as: UTF8.self), standardError: String(decoding: err, as: UTF8.self))
    }

    @Test("the shipped file checks OK, with run as the default subcommand")
    func shippedFileIsOK() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "no bssd at \(Self.executable)")
        let outcome = try Self.bssd("--config", Self.shipped, "--check")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.hasPrefix("\(Self.shipped): OK: capture 'default' 2 ch → playback 'default' 2 ch, 16000 Hz"))
        #expect(outcome.standardOutput.contains("engine 2 sources, iva-ip t:50 frame 4096 hop 1024 α 0.97"))
        #expect(outcome.standardOutput.contains("SCHED_FIFO 70, mlock"))
    }

    @Test("options given beside --config override the file, and only those")
    func flagsOverride() throws {
        let outcome = try Self.bssd(
            "run", "--config", Self.shipped, "--check", "--capture", "hw:3", "--frame", "2048", "--rt-priority", "0", "--no-mlock",
            "--freewheel")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("capture 'hw:3' 2 ch → playback 'default' 2 ch"))
        #expect(outcome.standardOutput.contains("freewheel"))
        #expect(outcome.standardOutput.contains("frame 2048 hop 512 α 0.97 iterations 2"))
        #expect(outcome.standardOutput.contains("normal priority, no mlock"))
    }

    @Test("an invalid file exits 78 naming file, key and value; a missing one 66")
    func invalidFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bssd.toml").path
        try "[engine]\nalpha = 1.5\n".write(toFile: file, atomically: true, encoding: .utf8)

        let invalid = try Self.bssd("--config", file, "--check")
        #expect(invalid.status == 78)
        #expect(invalid.standardOutput.isEmpty)
        #expect(invalid.standardError.contains("\(file): engine.alpha = 1.5 is invalid: allowed is a forgetting factor"))

        let missing = try Self.bssd("--config", directory.appendingPathComponent("none.toml").path, "--check")
        #expect(missing.status == 66)
        #expect(missing.standardError.contains("none.toml: cannot read the config file: No such file or directory"))

        // Every problem of the file at once, one line each, by key, then nothing else.
        try "[log]\nlevel = \"loud\"\n[engine]\nalpha = 1.5\n[audio]\nchannels = 9\n".write(toFile: file, atomically: true, encoding: .utf8)
        let several = try Self.bssd("--config", file, "--check")
        #expect(several.status == 78)
        let lines = several.standardError.split(separator: "\n")
        #expect(lines.count == 3, "\(several.standardError)")
        #expect(lines.first == "\(file): audio.channels = 9 is invalid: allowed is 2 to 8 microphones")
        #expect(lines.dropFirst().first?.hasPrefix("\(file): engine.alpha = 1.5 is invalid: allowed is a forgetting factor") == true)
        #expect(lines.last?.hasPrefix("\(file): log.level = \"loud\" is invalid: allowed is \"error\"") == true)

        // A valid file made invalid by an option: the option's value is named.
        let overridden = try Self.bssd("--config", Self.shipped, "--check", "--alpha", "1.5")
        #expect(overridden.status == 78)
        #expect(overridden.standardError.contains("invalid alpha = 1.5"))
    }
}
