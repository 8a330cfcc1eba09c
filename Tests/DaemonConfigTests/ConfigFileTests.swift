@testable import DaemonConfig
import EngineParameters
import Foundation
import RealtimeEngine
import Testing

/// `bssd.toml`: the shipped file, every key landing where it should, and every way a file can
/// be wrong giving a message that names the file, the key and the value.
@Suite("Config file")
struct ConfigFileTests {
    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shippedPath = packageDirectory.appendingPathComponent("config/bssd.toml").path
    static let path = "/etc/bssd/bssd.toml"

    /// Every reason `text` is refused, in the error's order; empty when it is accepted.
    static func reasons(_ text: String) -> [ConfigFileError.Reason] {
        do {
            _ = try DaemonConfigurationFile.parse(text: text, path: path)
            return []
        } catch {
            #expect(error.path == path)
            return error.reasons
        }
    }

    /// The one reason `text` is refused, or nil when it is accepted.
    static func reason(_ text: String) -> ConfigFileError.Reason? {
        let reasons = reasons(text)
        #expect(reasons.count <= 1, "\(reasons)")
        return reasons.first
    }

    static func parse(_ text: String) throws -> DaemonConfiguration {
        try DaemonConfigurationFile.parse(text: text, path: path)
    }

    /// A fresh directory for files that refer to each other.
    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bssd-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    // MARK: - The shipped file and the defaults

    @Test("the shipped config/bssd.toml is exactly the defaults")
    func shippedFileIsTheDefaults() throws {
        let configuration = try DaemonConfigurationFile.load(path: Self.shippedPath)
        #expect(configuration == DaemonConfigurationFile.defaults)
        #expect(try Self.parse("") == DaemonConfigurationFile.defaults)

        // The defaults the daemon documents, spelled out, so a change to either side shows here.
        let d = DaemonConfigurationFile.defaults
        #expect(d.captureDevice == "default" && d.playbackDevice == "default")
        #expect(d.sampleRate == 16000 && d.captureChannels == 2 && d.playbackChannels == nil)
        #expect(d.periodFrames == 256 && d.periods == 3 && d.playbackPrefillPeriods == 1 && d.alsaDefinitions == nil)
        #expect(d.pacing == .realtime && d.lateFallback == .silence && d.output == nil)
        #expect(d.realtimePriority == 70 && d.lockMemory && d.stallTimeoutMilliseconds == 2000)
        #expect(d.control == ControlSettings(socketPath: nil, mode: 0o660, group: nil, allowedUIDs: [], allowedGIDs: [], maxClients: 16))
        #expect(d.log.level == .info)
        let e = d.engine
        #expect(e.structure == .harmonic && e.updateRule == .ip && e.density == .studentT(nu: 50))
        #expect(e.frameLength == 4096 && e.hop == 1024 && e.forgetting == 0.98 && e.iterations == 2)
        #expect(e.history == 64 && e.block == 1 && e.nmfBases == 2 && e.loading == 1e-3 && e.referenceMic == 0)
    }

    @Test("every key is in the shipped file, in its section, with a comment above it")
    func everyKeyIsDocumented() throws {
        let lines = try String(contentsOfFile: Self.shippedPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var section = ""
        var found: Set<String> = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("[") { section = String(line.dropFirst().prefix { $0 != "]" }) }
            // A key whose value is a table per index (`engine.source`) is documented by an example header.
            if line.hasPrefix("# ["), let table = ConfigFileSchema.keys.first(where: { line.hasPrefix("# [\($0.dotted).") }) {
                let above = lines[..<index].last ?? ""
                #expect(above.hasPrefix("#") && !above.hasPrefix("# ["), "\(table.dotted) has no comment above it")
                found.insert(table.dotted)
            }
            let assignment = line.hasPrefix("# ") ? line.dropFirst(2) : line[...]
            guard let name = assignment.split(separator: " = ", maxSplits: 1).first.map(String.init),
                  let key = ConfigFileSchema.key(section: section, name: name) else { continue }
            let above = lines[..<index].last { !$0.hasPrefix("\(name) =") && !$0.hasPrefix("allowed_") } ?? ""
            #expect(above.hasPrefix("#"), "\(key.dotted) has no comment above it")
            found.insert(key.dotted)
        }
        // The deprecated names are not shown, only mentioned: a new file should not use them.
        let deprecated = EngineParameter.Deprecated.allCases.map { $0.spelling(in: .configFile) }
        #expect(found == Set(ConfigFileSchema.keys.map(\.dotted)).subtracting(deprecated))
    }

    @Test("the demo config parses and reads its ALSA definitions relative to itself")
    func demoFile() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let demo = try String(contentsOfFile: Self.packageDirectory.appendingPathComponent("config/demo.toml").path, encoding: .utf8)
        let configDirectory = directory.appendingPathComponent("config")
        for path in ["config", "out/daemon"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(path), withIntermediateDirectories: true)
        }
        let definitions = "pcm.bssd_demo_mics { type null }\n"
        try definitions.write(to: directory.appendingPathComponent("out/daemon/asoundrc"), atomically: true, encoding: .utf8)
        try demo.write(to: configDirectory.appendingPathComponent("demo.toml"), atomically: true, encoding: .utf8)

        let configuration = try DaemonConfigurationFile.load(path: configDirectory.appendingPathComponent("demo.toml").path)
        #expect(configuration.captureDevice == "bssd_demo_mics" && configuration.playbackDevice == "bssd_demo_out")
        #expect(configuration.alsaDefinitions == definitions)
        #expect(configuration.pacing == .freewheel && configuration.realtimePriority == nil && !configuration.lockMemory)
    }

    @Test("the hearing-aid configs pass every check and keep within 8 ms before the devices add theirs",
          arguments: [("hearing-aid-16k.toml", 16000), ("hearing-aid-48k.toml", 48000)])
    func hearingAidFiles(name: String, rate: Int) throws {
        let configuration = try DaemonConfigurationFile.load(path: Self.packageDirectory.appendingPathComponent("config/\(name)").path)
        #expect(throws: Never.self) { try configuration.check() }
        #expect(configuration.sampleRate == rate && configuration.stage.kind == .fir)
        #expect(configuration.output?.routes == [0, 0])
        // The stage's delay, the prefill and two periods of capture and scheduling.
        let frames = configuration.stage.firDelay + (configuration.playbackPrefillPeriods + 2) * configuration.periodFrames
        #expect(Double(frames) * 1000 / Double(rate) <= 8, "\(frames) frames")
    }

    // MARK: - Values landing in the configuration

    @Test("every key sets its field")
    func everyKeySetsItsField() throws {
        let c = try Self.parse("""
            [audio]
            capture = "hw:1"
            playback = "plughw:CARD=Out"
            rate = 48000
            channels = 3
            playback_channels = 4
            period = 512
            periods = 4
            prefill = 2
            pacing = "freewheel"
            [engine]
            structure = "lowrank"
            update = "iss"
            density = "ggd:0.5"
            frame = 2048
            hop = 512
            alpha = 0.98
            iterations = 3
            history = 8
            block = 2
            bases = 4
            reference_mic = 2
            loading = 1e-2
            [engine.source.1]
            structure = "spherical"
            density = "laplace"
            [engine.source.2]
            density = "gauss"
            [output]
            routing = [2, "off", 0, 0]
            gain_db = -6
            mute = true
            bypass = true
            fallback = "bypass"
            stage = "fir"
            fir_taps = 2048
            fir_delay = 48
            crossfade = 128
            fir_fit = 3
            fir_warmup = 0
            [control]
            socket = "/run/bssd/control.sock"
            mode = 0o600
            group = "audio"
            allowed_uids = [1000, 1001]
            allowed_gids = [29]
            max_clients = 4
            [log]
            level = "debug"
            [realtime]
            priority = 80
            lock_memory = false
            stall_timeout_ms = 500
            """)
        #expect(c.captureDevice == "hw:1" && c.playbackDevice == "plughw:CARD=Out" && c.sampleRate == 48000)
        #expect(c.engine.channels == 3 && c.engine.sources == 3 && c.playbackChannels == 4)
        #expect(c.periodFrames == 512 && c.periods == 4 && c.playbackPrefillPeriods == 2 && c.pacing == .freewheel)
        #expect(c.engine.structure == .lowRank && c.engine.updateRule == .iss && c.engine.density == .generalizedGaussian(beta: 0.5))
        #expect(c.engine.frameLength == 2048 && c.engine.hop == 512 && c.engine.forgetting == 0.98)
        #expect(c.engine.iterations == 3 && c.engine.history == 8 && c.engine.block == 2 && c.engine.nmfBases == 4)
        #expect(c.engine.referenceMic == 2 && c.engine.loading == 1e-2)
        #expect((0..<3).map { c.engine.sourceModel($0).description } == ["lowrank/ggd:0.5", "spherical/laplace", "lowrank/gauss"])
        #expect(c.engine.overrides.sources == [1, 2] && c.warnings.isEmpty)
        #expect(c.output == OutputSettings(routes: [2, nil, 0, 0], gainDecibels: -6, muted: true, bypass: true))
        #expect(c.lateFallback == .bypass)
        #expect(c.stage.kind == .fir && c.stage.firTaps == 2048 && c.stage.firDelay == 48 && c.stage.crossfade == 128 && c.stage.firFit == 3 && c.stage.firWarmUp == 0)
        #expect(c.engineStage.firBlock == 512)
        #expect(c.control == ControlSettings(
            socketPath: "/run/bssd/control.sock", mode: 0o600, group: "audio", allowedUIDs: [1000, 1001], allowedGIDs: [29], maxClients: 4))
        #expect(c.log.level == .debug)
        #expect(c.realtimePriority == 80 && !c.lockMemory && c.stallTimeoutMilliseconds == 500)
    }

    @Test("hop follows the file's frame and history its microphone count when omitted; priority 0 and false both turn SCHED_FIFO off")
    func dependentDefaults() throws {
        #expect(try Self.parse("[engine]\nframe = 2048").engine.hop == 512)
        // The history's default shrinks with the microphone count (its cost grows with it), in
        // either order of the sections; a history the file gives stays.
        #expect(try Self.parse("[audio]\nchannels = 4").engine.history == 64)
        #expect(try Self.parse("[audio]\nchannels = 6").engine.history == 32)
        #expect(try Self.parse("[engine]\nframe = 4096\n[audio]\nchannels = 8").engine.history == 16)
        #expect(try Self.parse("[engine]\nhistory = 64\n[audio]\nchannels = 8").engine.history == 64)
        #expect(try Self.parse("[realtime]\npriority = 0").realtimePriority == nil)
        #expect(try Self.parse("[realtime]\npriority = false").realtimePriority == nil)
        #expect(try Self.parse("[control]\nmode = \"0640\"").control.mode == 0o640)
        #expect(try Self.parse("[control]\ngroup = 29").control.group == "29")
        // Sources: one per microphone unless engine.sources says fewer, whichever section comes
        // first; playback and routing follow K.
        #expect(try Self.parse("[audio]\nchannels = 4").engine.sources == 4)
        let overdetermined = try Self.parse("[engine]\nsources = 2\n[audio]\nchannels = 4")
        #expect(overdetermined.engine.channels == 4 && overdetermined.engine.sources == 2)
        #expect(overdetermined.resolvedPlaybackChannels == 2 && overdetermined.resolvedOutput.routes == [0, 1])
        // Output keys that change nothing leave the output at its identity default.
        #expect(try Self.parse("[output]\nrouting = [0, 1]\ngain_db = 0").output == nil)
        // Gain without routing: the identity routing at that gain.
        #expect(try Self.parse("[output]\ngain_db = 6").output == OutputSettings(routes: [0, 1], gainDecibels: 6))
    }

    // MARK: - Errors

    @Test("unknown keys and sections are refused, with the closest known name")
    func unknownNames() {
        #expect(Self.reason("[engine]\nalfa = 0.9") == .unknownKey("engine.alfa", suggestion: "engine.alpha"))
        #expect(Self.reason("[realtime]\nstall_timeout = 10") == .unknownKey("realtime.stall_timeout", suggestion: "realtime.stall_timeout_ms"))
        #expect(Self.reason("[engine]\ncolour = 1") == .unknownKey("engine.colour", suggestion: nil))
        #expect(Self.reason("[egnine]\nalpha = 0.9") == .unknownSection("egnine", suggestion: "engine"))
        #expect(Self.reason("[network]\nport = 1") == .unknownSection("network", suggestion: nil))
        #expect(Self.reason("rate = 16000") == .unknownKey("rate", suggestion: "audio.rate"))
        #expect(Self.reason("[engine.extra]\nx = 1") == .unknownKey("engine.extra", suggestion: nil))

        let error = ConfigFileError(path: Self.path, reason: .unknownKey("engine.alfa", suggestion: "engine.alpha"))
        #expect(error.description == "/etc/bssd/bssd.toml: unknown key engine.alfa (did you mean engine.alpha?)")
        #expect(ConfigFileError(path: Self.path, reason: .unknownSection("egnine", suggestion: "engine")).description
            == "/etc/bssd/bssd.toml: unknown section [egnine] (did you mean [engine]?)")
    }

    @Test("[engine.source.N] tables: each problem names the source's key and what is allowed")
    func sourceTables() {
        #expect(Self.reason("[engine.source.0]\nstructre = \"lowrank\"")
            == .unknownKey("engine.source.0.structre", suggestion: "engine.source.0.structure"))
        #expect(Self.reason("[engine.source.1]\nstructure = \"nmf\"")
            == .invalid(key: "engine.source.1.structure", value: "\"nmf\"", allowed: "one of \"spherical\", \"lowrank\", \"sparse\", \"group-sparse\", \"harmonic\", \"pnp\", \"auto\""))
        #expect(Self.reason("[engine.source.1]\ndensity = 2")
            == .wrongType(key: "engine.source.1.density", value: "2", expected: "a string"))
        #expect(Self.reason("[engine.source.first]\ndensity = \"gauss\"")
            == .invalid(key: "engine.source.first", value: "{ density = \"gauss\" }",
                        allowed: "[engine.source.N] tables with N a source index from 0, as in [engine.source.1]"))
        #expect(Self.reason("[engine]\nsource = 1") == .wrongType(key: "engine.source", value: "1", expected: "a table"))
        // Source 2 of two microphones: judged against the channels, as reference_mic is.
        #expect(Self.reason("[engine.source.2]\ndensity = \"gauss\"")
            == .invalid(key: "engine.source", value: "{ 2 = { density = \"gauss\" } }", allowed: "a source index from 0 to 1"))
        #expect(Self.reasons("[audio]\nchannels = 3\n[engine.source.2]\ndensity = \"gauss\"").isEmpty)
        #expect(Self.reasons("[audio]\nchannels = 9\n[engine.source.2]\ndensity = \"gauss\"").map(\.key) == ["audio.channels"])
    }

    @Test("values of the wrong type name the key, the value and the type expected")
    func wrongTypes() {
        #expect(Self.reason("[engine]\nframe = \"big\"") == .wrongType(key: "engine.frame", value: "\"big\"", expected: "an integer"))
        #expect(Self.reason("[engine]\nframe = 4096.0") == .wrongType(key: "engine.frame", value: "4096.0", expected: "an integer"))
        #expect(Self.reason("[engine]\nalpha = \"0.97\"") == .wrongType(key: "engine.alpha", value: "\"0.97\"", expected: "a number"))
        #expect(Self.reason("[audio]\ncapture = 1") == .wrongType(key: "audio.capture", value: "1", expected: "a string"))
        #expect(Self.reason("[output]\nmute = \"yes\"") == .wrongType(key: "output.mute", value: "\"yes\"", expected: "true or false"))
        #expect(Self.reason("[output]\nrouting = 0") == .wrongType(key: "output.routing", value: "0", expected: "an array"))
        #expect(Self.reason("[output]\nrouting = [0, true]")
            == .wrongType(key: "output.routing[1]", value: "true", expected: "a source index (0, 1, …) or \"off\""))
        #expect(Self.reason("[control]\nallowed_uids = [\"root\"]")
            == .wrongType(key: "control.allowed_uids[0]", value: "\"root\"", expected: "an integer"))
        #expect(Self.reason("[realtime]\npriority = true")
            == .wrongType(key: "realtime.priority", value: "true", expected: "a priority from 1 to 99, or 0 or false for none"))
        #expect(Self.reason("[engine]\nstructure = 1")
            == .wrongType(key: "engine.structure", value: "1", expected: "one of \"spherical\", \"lowrank\", \"sparse\", \"group-sparse\", \"harmonic\", \"pnp\", \"auto\""))

        #expect(ConfigFileError(path: Self.path, reason: Self.reason("[engine]\nframe = \"big\"")!).description
            == "/etc/bssd/bssd.toml: engine.frame = \"big\": expected an integer")
    }

    /// (file text, dotted key, value as written, a phrase of what is allowed)
    static let outOfRange: [(String, String, String, String)] = [
        ("[audio]\nchannels = 9", "audio.channels", "9", "2 to 8 microphones"),
        ("[audio]\nplayback_channels = 0", "audio.playback_channels", "0", "1 to 64"),
        ("[audio]\npacing = \"fast\"", "audio.pacing", "\"fast\"", "\"realtime\", \"freewheel\""),
        ("[engine]\nalpha = 1.5", "engine.alpha", "1.5", "strictly between 0 and 1"),
        ("[engine]\nframe = 3000", "engine.frame", "3000", "4096, 8192"),
        ("[engine]\nhop = 100", "engine.hop", "100", "frame/2, frame/4 or frame/8 (2048, 1024, 512 for frame 4096)"),
        ("[engine]\ndensity = \"cauchy\"", "engine.density", "\"cauchy\"", "laplace, ggd:BETA"),
        ("[engine]\ndensity = \"t:0\"", "engine.density", "\"t:0\"", "t:NU (0 < NU ≤ 1000)"),
        ("[engine]\ndensity = \"t:0x1p3\"", "engine.density", "\"t:0x1p3\"", "laplace, ggd:BETA"),
        ("[engine]\nloading = inf", "engine.loading", "inf", "a finite number"),
        ("[engine]\nreference_mic = 2", "engine.reference_mic", "2", "from 0 to channels − 1 (0 to 1)"),
        ("[engine]\nsources = 3", "engine.sources", "3", "2 to 2 (at most one per microphone)"),
        ("[engine]\nsources = 1\n[audio]\nchannels = 4", "engine.sources", "1", "2 to 4"),
        ("[engine]\nsources = 2\nupdate = \"iss\"\n[audio]\nchannels = 4", "engine.update", "\"iss\"", "ip when sources (2) < channels (4)"),
        ("[engine]\nhistory = 8\nblock = 20", "engine.block", "20", "no more than history (8)"),
        ("[engine]\nstructure = \"pca\"", "engine.structure", "\"pca\"", "\"spherical\", \"lowrank\""),
        ("[output]\ngain_db = 30", "output.gain_db", "30", "-96 to 24"),
        ("[output]\nrouting = [0, 2]", "output.routing", "[0, 2]", "a source index from 0 to 1"),
        ("[output]\nrouting = [0, 1, 1]\n[audio]\nplayback_channels = 2", "output.routing", "[0, 1, 1]", "one route per playback channel"),
        ("[output]\nfallback = \"noise\"", "output.fallback", "\"noise\"", "\"silence\", \"bypass\""),
        ("[output]\nstage = \"iir\"", "output.stage", "\"iir\"", "\"stft\", \"fir\""),
        ("[output]\nstage = \"fir\"\nfir_taps = 1000", "output.fir_taps", "1000", "a power of two from 64 to the STFT frame (4096)"),
        ("[output]\nstage = \"fir\"\nfir_delay = 2048", "output.fir_delay", "2048", "less than fir_taps"),
        ("[output]\nstage = \"fir\"\ncrossfade = -1", "output.crossfade", "-1", "0 to 16384 samples"),
        ("[output]\nstage = \"fir\"\n[audio]\nperiod = 48", "audio.period", "48", "with stage = \"fir\", a power of two"),
        ("[control]\nmode = \"0999\"", "control.mode", "\"0999\"", "0000 to 0777"),
        ("[control]\nmode = 0o1777", "control.mode", "1023", "0000 to 0777"),
        ("[control]\nmax_clients = 0", "control.max_clients", "0", "at least 1"),
        ("[control]\nallowed_gids = [-1]", "control.allowed_gids[0]", "-1", "from 0 to 4294967294"),
        ("[control]\nsocket = \"bssd.sock\"", "control.socket", "\"bssd.sock\"", "an absolute path"),
        ("[log]\nlevel = \"loud\"", "log.level", "\"loud\"", "\"error\", \"warning\""),
        ("[realtime]\npriority = 120", "realtime.priority", "120", "1…99"),
    ]

    @Test("values outside their limits name the key, the value as written and what is allowed", arguments: outOfRange)
    func outOfRangeValues(text: String, key: String, value: String, allowed: String) throws {
        let reason = try #require(Self.reason(text))
        guard case let .invalid(actualKey, actualValue, actualAllowed) = reason else {
            Issue.record("expected .invalid, got \(reason)")
            return
        }
        #expect(actualKey == key)
        #expect(actualValue == value)
        #expect(actualAllowed.contains(allowed), "\(actualAllowed)")
        #expect(ConfigFileError(path: Self.path, reason: reason).description
            == "/etc/bssd/bssd.toml: \(key) = \(value) is invalid: allowed is \(actualAllowed)")
    }

    @Test("the operator's line for an invalid value")
    func invalidValueMessage() {
        let error = ConfigFileError(path: Self.path, reason: Self.reason("[engine]\nalpha = 1.5")!)
        #expect(error.description
            == "/etc/bssd/bssd.toml: engine.alpha = 1.5 is invalid: allowed is a forgetting factor strictly between 0 and 1, e.g. 0.97")
        #expect(!error.isUnreadable)
    }

    @Test("ALSA's own request checks are run too: periods, prefill, stall timeout")
    func requestChecks() {
        #expect(Self.reason("[audio]\nperiods = 1") == .rejected("capture: 1 periods per buffer is outside 2…1024"))
        #expect(Self.reason("[audio]\nprefill = 3")
            == .rejected("playback: a prefill of 3 periods does not fit a buffer of 3 periods (it must be 0…2)"))
        #expect(Self.reason("[realtime]\nstall_timeout_ms = 0") == .rejected("capture: a stall timeout of 0 ms is impossible"))
        #expect(ConfigFileError(path: Self.path, reason: .rejected("capture: 1 periods per buffer is outside 2…1024")).description
            == "/etc/bssd/bssd.toml: invalid settings: capture: 1 periods per buffer is outside 2…1024")
    }

    @Test("a TOML syntax error gives its line and column")
    func syntaxError() throws {
        let reason = try #require(Self.reason("[engine]\nalpha = 0.97\nframe = = 4096\n"))
        guard case let .syntax(line, column, message) = reason else {
            Issue.record("expected .syntax, got \(reason)")
            return
        }
        #expect(line == 3)
        #expect(column > 1)
        #expect(!message.isEmpty)
        #expect(ConfigFileError(path: Self.path, reason: reason).description.hasPrefix("/etc/bssd/bssd.toml:3:\(column): not valid TOML: "))
        #expect(Self.reason("[engine\nalpha = 0.9").map { if case .syntax(1, _, _) = $0 { true } else { false } } == true)
    }

    @Test("a missing config file, or a missing asoundrc it names, is unreadable (exit 66), not invalid")
    func unreadableFiles() throws {
        let missing = "/nonexistent/bssd.toml"
        let error = #expect(throws: ConfigFileError.self) { try DaemonConfigurationFile.load(path: missing) }
        #expect(error == ConfigFileError(path: missing, reason: .unreadable(reason: "No such file or directory")))
        #expect(error?.description == "/nonexistent/bssd.toml: cannot read the config file: No such file or directory")
        #expect(error?.isUnreadable == true)

        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("bssd.toml").path
        try "[audio]\nasoundrc = \"defs/asoundrc\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let reference = #expect(throws: ConfigFileError.self) { try DaemonConfigurationFile.load(path: config) }
        let resolved = "\(directory.path)/defs/asoundrc"
        #expect(reference?.reasons == [.unreadableReference(
            key: "audio.asoundrc", value: "\"defs/asoundrc\"", file: resolved, reason: "No such file or directory")])
        #expect(reference?.description == "\(config): audio.asoundrc = \"defs/asoundrc\": cannot read \(resolved): No such file or directory")
        #expect(reference?.isUnreadable == true)

        // Once the file is there, its text becomes the definitions.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("defs"), withIntermediateDirectories: true)
        try "pcm.x { type null }\n".write(toFile: resolved, atomically: true, encoding: .utf8)
        #expect(try DaemonConfigurationFile.load(path: config).alsaDefinitions == "pcm.x { type null }\n")
    }

    // MARK: - Every problem at once

    @Test("unrelated problems in different sections are all reported, sorted by key, one line each")
    func everyProblemAtOnce() throws {
        // Written out of key order, and found by different checks: the level by its key, the
        // channels and α by the engine's limits, one after the other.
        let text = "[log]\nlevel = \"loud\"\n[engine]\nalpha = 1.5\n[audio]\nchannels = 9\n"
        let error = try #require(#expect(throws: ConfigFileError.self) { try Self.parse(text) })
        let levels = "\"error\", \"warning\", \"notice\", \"info\", \"debug\""
        #expect(error.reasons == [
            .invalid(key: "audio.channels", value: "9", allowed: "2 to 8 microphones"),
            .invalid(key: "engine.alpha", value: "1.5", allowed: "a forgetting factor strictly between 0 and 1, e.g. 0.97"),
            .invalid(key: "log.level", value: "\"loud\"", allowed: levels),
        ])
        #expect(error.description == """
            /etc/bssd/bssd.toml: audio.channels = 9 is invalid: allowed is 2 to 8 microphones
            /etc/bssd/bssd.toml: engine.alpha = 1.5 is invalid: allowed is a forgetting factor strictly between 0 and 1, e.g. 0.97
            /etc/bssd/bssd.toml: log.level = "loud" is invalid: allowed is \(levels)
            """)
        #expect(!error.isUnreadable)

        // Unknown names, wrong types and invalid values together.
        #expect(Self.reasons("[realtime]\npriority = 120\n[output]\nmute = \"yes\"\n[engine]\nalfa = 0.9\n") == [
            .unknownKey("engine.alfa", suggestion: "engine.alpha"),
            .wrongType(key: "output.mute", value: "\"yes\"", expected: "true or false"),
            .invalid(key: "realtime.priority", value: "120", allowed: "SCHED_FIFO's 1…99"),
        ])
    }

    @Test("a refused value does not make the keys checked against it wrong too")
    func noFollowOnErrors() {
        let frame = "one of 256, 512, 1024, 2048, 4096, 8192"
        // hop = 750 is right for the frame written, wrong only for the default frame.
        #expect(Self.reasons("[engine]\nframe = 3000\nhop = 750\nalpha = 1.5") == [
            .invalid(key: "engine.alpha", value: "1.5", allowed: "a forgetting factor strictly between 0 and 1, e.g. 0.97"),
            .invalid(key: "engine.frame", value: "3000", allowed: frame),
        ])
        #expect(Self.reasons("[engine]\nframe = \"big\"\nhop = 512")
            == [.wrongType(key: "engine.frame", value: "\"big\"", expected: "an integer")])
        #expect(Self.reasons("[engine]\nhistory = 100\nblock = 20")
            == [.invalid(key: "engine.history", value: "100", allowed: "1 to 64 frames")])
        #expect(Self.reasons("[audio]\nchannels = 9\n[engine]\nreference_mic = 5\n[output]\nrouting = [7, 6]")
            == [.invalid(key: "audio.channels", value: "9", allowed: "2 to 8 microphones")])
        #expect(Self.reasons("[audio]\nplayback_channels = 0\n[output]\nrouting = [0, 1, 1]")
            == [.invalid(key: "audio.playback_channels", value: "0", allowed: "1 to 64 channels")])
        // A misspelt key counts as written: hop and prefill are not judged against its default.
        #expect(Self.reasons("[engine]\nfrme = 2048\nhop = 512") == [.unknownKey("engine.frme", suggestion: "engine.frame")])
        #expect(Self.reasons("[adio]\nchannels = 4\n[engine]\nreference_mic = 3") == [.unknownSection("adio", suggestion: "audio")])
        #expect(Self.reasons("[audio]\nperoids = 4\nprefill = 3") == [.unknownKey("audio.peroids", suggestion: "audio.periods")])
        // A key checked against a value the file got right is still judged.
        #expect(Self.reasons("[engine]\nframe = 2048\nhop = 1024\nhistory = 8\nblock = 9").map(\.key)
            == ["engine.block"])
    }

    @Test("exit 66 only when every problem is a file that cannot be read")
    func unreadableAmongOthers() {
        let reference = ConfigFileError.Reason.unreadableReference(key: "audio.asoundrc", value: "\"x\"", file: "/x", reason: "gone")
        #expect(ConfigFileError(path: Self.path, reason: reference).isUnreadable)
        #expect(!ConfigFileError(path: Self.path, reasons: [reference, .invalid(key: "engine.alpha", value: "1.5", allowed: "…")]).isUnreadable)
    }

    @Test("suggestions: typos, separators and cut-off names, nothing for unrelated words")
    func suggestions() {
        let names = ["alpha", "reference_mic", "stall_timeout_ms", "hop"]
        #expect(KeySuggestion.closest(to: "alhpa", among: names) == "alpha")
        #expect(KeySuggestion.closest(to: "reference-mic", among: names) == "reference_mic")
        #expect(KeySuggestion.closest(to: "stall_timeout", among: names) == "stall_timeout_ms")
        #expect(KeySuggestion.closest(to: "hopp", among: names) == "hop")
        #expect(KeySuggestion.closest(to: "beta", among: names) == nil)
    }
}
