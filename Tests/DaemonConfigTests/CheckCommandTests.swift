import EngineParameters
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
        #expect(outcome.standardOutput.contains("engine 2 sources, harmonic/t:50 ip frame 4096 hop 1024 α 0.98"))
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
        #expect(outcome.standardOutput.contains("frame 2048 hop 512 α 0.98 iterations 2"))
        #expect(outcome.standardOutput.contains("normal priority, no mlock"))
    }

    @Test("--channels brings its microphone count's default history, unless --history is given")
    func channelsBringTheirHistory() throws {
        let eight = try Self.bssd("run", "--config", Self.shipped, "--check", "--channels", "8")
        #expect(eight.status == 0, "\(eight.standardError)")
        #expect(eight.standardOutput.contains("iterations 2 history 16"), "\(eight.standardOutput)")
        let given = try Self.bssd("run", "--config", Self.shipped, "--check", "--channels", "8", "--history", "64")
        #expect(given.standardOutput.contains("iterations 2 history 64"), "\(given.standardOutput)")
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

    @Test("--structure, --density and --source N=STRUCTURE/DENSITY set the source models; --source is refused past the sources")
    func sourceModelOptions() throws {
        let outcome = try Self.bssd(
            "--config", Self.shipped, "--check", "--structure", "lowrank", "--density", "gauss", "--source", "1=spherical",
            "--source", "0=/t:5")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.isEmpty)
        #expect(outcome.standardOutput.contains("engine 2 sources, lowrank/gauss (source 0 lowrank/t:5, source 1 spherical/gauss) ip frame 4096"))

        let both = try Self.bssd("--config", Self.shipped, "--check", "--source", "1=lowrank/laplace")
        #expect(both.standardOutput.contains("engine 2 sources, harmonic/t:50 (source 1 lowrank/laplace) ip"))

        let beyond = try Self.bssd("--config", Self.shipped, "--check", "--source", "2=lowrank")
        #expect(beyond.status == 78)
        #expect(beyond.standardError.contains("invalid source.2 = lowrank/t:50: allowed is a source index from 0 to 1"))

        for malformed in ["1", "x=lowrank", "1=", "1=/", "1=pca", "1=/cauchy", "16=lowrank"] {
            let refused = try Self.bssd("--config", Self.shipped, "--check", "--source", malformed)
            #expect(refused.status == 64, "\(malformed): \(refused.standardError)")
            #expect(refused.standardError.contains("--source"), "\(refused.standardError)")
        }
    }

    @Test("--algorithm and --model still work for one release, with a warning naming the new option")
    func deprecatedOptions() throws {
        let outcome = try Self.bssd("--config", Self.shipped, "--check", "--algorithm", "ilrma", "--model", "laplace")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("engine 2 sources, lowrank/laplace ip"))
        #expect(outcome.standardError.split(separator: "\n") == [
            "bssd: warning: --algorithm ilrma is deprecated and will be removed in the next release; it is taken as --structure lowrank: write that instead",
            "bssd: warning: --model laplace is deprecated and will be removed in the next release; it is taken as --density laplace: write that instead",
        ])

        let both = try Self.bssd("--config", Self.shipped, "--check", "--algorithm", "iva", "--structure", "spherical")
        #expect(both.status == 64)
        #expect(both.standardError.contains(
            "--algorithm and --structure are both given, but --algorithm is the deprecated name of --structure: keep only --structure"))

        let unknown = try Self.bssd("--config", Self.shipped, "--check", "--algorithm", "pca")
        #expect(unknown.status == 64)
        #expect(unknown.standardError.contains("--algorithm cannot be 'pca': allowed is iva (now spherical) or ilrma (now lowrank)"))
        let density = try Self.bssd("--config", Self.shipped, "--check", "--model", "cauchy")
        #expect(density.status == 64)
        #expect(density.standardError.contains("--model cannot be 'cauchy': allowed is \(EngineParameter.density.allowed)"))
    }

    @Test("a config file with a deprecated key checks OK and says which key to write instead")
    func deprecatedKeys() throws {
        let directory = try ConfigFileTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bssd.toml").path
        try "[engine]\nalgorithm = \"ilrma\"\n[engine.source.0]\ndensity = \"gauss\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try Self.bssd("--config", file, "--check")
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("engine 2 sources, lowrank/t:50 (source 0 lowrank/gauss) ip"))
        #expect(outcome.standardError == "bssd run: warning: \(file): engine.algorithm = \"ilrma\" is deprecated and will be removed in the "
            + "next release; it is taken as engine.structure = \"lowrank\": write that instead\n")
    }
}
