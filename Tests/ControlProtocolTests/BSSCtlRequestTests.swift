import ControlClient
import ControlProtocol
import Testing

/// The words of `bssctl` subcommands → the requests they send, and the text they print.
@Suite("bssctl requests and output")
struct BSSCtlRequestTests {
    @Test func setParsesEachParameterFromItsCommandLineSpelling() throws {
        #expect(try RequestBuilder.set(name: "alpha", value: "0.98") == .set([.alpha(0.98)]))
        #expect(try RequestBuilder.set(name: "iterations", value: "4") == .set([.iterations(4)]))
        #expect(try RequestBuilder.set(name: "structure", value: "LOWRANK") == .set([.structure(.lowRank)]))
        #expect(try RequestBuilder.set(name: "update", value: "iss") == .set([.update(.iss)]))
        #expect(try RequestBuilder.set(name: "density", value: "t:10") == .set([.density("t:10")]))
        #expect(try RequestBuilder.set(name: "routing", value: "1,off") == .set([.routing([1, nil])]))
        #expect(try RequestBuilder.set(name: "gain-db", value: "-6") == .set([.gainDB(-6)]))
        #expect(try RequestBuilder.set(name: "mute", value: "on") == .set([.mute(true)]))
        #expect(try RequestBuilder.set(name: "bypass", value: "false") == .set([.bypass(false)]))
        #expect(try RequestBuilder.set(name: "source.1.structure", value: "harmonic") == .set([.sourceStructure(source: 1, .harmonic)]))
        #expect(try RequestBuilder.set(name: "source.0.density", value: "t:5") == .set([.sourceDensity(source: 0, "t:5")]))
        #expect(throws: ControlError.self) { try RequestBuilder.set(name: "source.1.structure", value: "tonal") }
        #expect(throws: ControlError.self) { try RequestBuilder.set(name: "source.x.structure", value: "auto") }
        #expect(throws: ControlError.self) { try RequestBuilder.set(name: "source.1.alpha", value: "0.9") }
        #expect(throws: ControlError(.invalidParams, "iterations cannot be 'two': allowed is 1 to 16 sweeps per update")) {
            try RequestBuilder.set(name: "iterations", value: "two")
        }
        #expect(throws: ControlError.self) { try RequestBuilder.set(name: "volume", value: "3") }
        #expect(throws: ControlError.self) { try RequestBuilder.set(name: "routing", value: "1,,2") }
        for value in ["0.5\u{0}", "0x1p-1", "inf", "nan", " 0.5"] {
            #expect(throws: ControlError.self, "alpha \(value)") { try RequestBuilder.set(name: "alpha", value: value) }
            #expect(throws: ControlError.self, "gain-db \(value)") { try RequestBuilder.set(name: "gain-db", value: value) }
        }
    }

    @Test func routeGetAndBypass() throws {
        #expect(try RequestBuilder.route(source: "2", to: "0,1") == .route(source: 2, channels: [0, 1]))
        #expect(try RequestBuilder.route(source: "off", to: "1") == .route(source: nil, channels: [1]))
        #expect(throws: ControlError.self) { try RequestBuilder.route(source: "2", to: "0,x") }
        #expect(throws: ControlError.self) { try RequestBuilder.route(source: "left", to: "0") }
        #expect(try RequestBuilder.get(name: nil) == .get(nil))
        #expect(try RequestBuilder.get(name: "gain-db") == .get(.gainDB))
        #expect(try RequestBuilder.bypass("on") == .set([.bypass(true)]))
        #expect(throws: ControlError.self) { try RequestBuilder.bypass("maybe") }
    }

    @Test func relativeStatePathsAreResolvedOnTheClient() {
        #expect(RequestBuilder.absolutePath("s.state", workingDirectory: "/home/op") == "/home/op/s.state")
        #expect(RequestBuilder.absolutePath("./s.state", workingDirectory: "/home/op/") == "/home/op/s.state")
        #expect(RequestBuilder.absolutePath("/abs/s.state", workingDirectory: "/home/op") == "/abs/s.state")
    }

    @Test func socketPathPrefersOptionThenEnvironmentThenDefaults() {
        let none: (String) -> Bool = { _ in false }
        #expect(RequestBuilder.socketPath(option: "/x.sock", environment: ["BSSD_SOCKET": "/y.sock"], uid: 5, exists: none) == "/x.sock")
        #expect(RequestBuilder.socketPath(option: nil, environment: ["BSSD_SOCKET": "/y.sock"], uid: 5, exists: none) == "/y.sock")
        #expect(RequestBuilder.socketPath(option: nil, environment: [:], uid: 5, exists: none) == "/tmp/bssd-5/control.sock")
        #expect(RequestBuilder.socketPath(option: nil, environment: [:], uid: 5, exists: { $0 == RequestBuilder.systemSocket }) == RequestBuilder.systemSocket)
    }

    @Test func connectionOptionsBeforeTheSubcommandMeanTheSameAsAfterIt() throws {
        func reordered(_ words: String) throws(ControlError) -> [String] {
            try CommandLineOrder.connectionOptionsAfterSubcommand(words.split(separator: " ").map(String.init))
        }
        // Each pair: the order an operator may type, and the one ArgumentParser parses.
        let same = [
            ("--socket /x.sock status", "status --socket /x.sock"),
            ("--socket=/x.sock --json status", "status --socket=/x.sock --json"),
            ("--timeout 2 set alpha 0.9", "set --timeout 2 alpha 0.9"),
            ("--socket /x.sock gain --socket /x.sock -- -6", "gain --socket /x.sock --socket /x.sock -- -6"),
        ]
        for (before, after) in same {
            #expect(try reordered(before) == reordered(after), "\(before)")
            #expect(try reordered(after) == after.split(separator: " ").map(String.init), "\(after) is left alone")
        }
        // Nothing to move, or no subcommand after the options: ArgumentParser's own messages.
        #expect(try reordered("--help") == ["--help"])
        #expect(try reordered("--socket /x.sock") == ["--socket", "/x.sock"])
        #expect(try reordered("--socket") == ["--socket"])

        let conflict = ControlError(.invalidParams, "--socket is given twice, as '/a' and as '/b'; give it once, before or after the subcommand")
        #expect(throws: conflict) { try reordered("--socket /a status --socket /b") }
        #expect(throws: conflict) { try reordered("--socket /a --socket=/b status") }
        #expect(throws: ControlError.self) { try reordered("--timeout 1 status --timeout=2") }
        // After `--` the words are arguments, not options.
        #expect(try reordered("--socket /a set model -- --socket") == ["set", "--socket", "/a", "model", "--", "--socket"])
    }

    @Test func humanOutputAndMonitorFrame() {
        let parameters = LiveParameters(alpha: 0.97, iterations: 2, structure: .spherical, update: .ip, density: "t:50", mixture: .kmeans, routing: [1, nil], gainDB: -3, mute: false, bypass: true)
        let status = StatusReport(
            state: .running, uptimeSeconds: 3725, captureDevice: "hw:1", playbackDevice: "default", sampleRate: 16000,
            captureChannels: 2, playbackChannels: 2, sources: 2, periodFrames: 256, periods: 3, latencyMilliseconds: 240,
            framesCaptured: 1, framesProcessed: 1, framesPlayed: 1, captureXruns: 3, playbackXruns: 0, lateBlocks: 4, overrunFrames: 0,
            blockMillisecondsP50: 3, blockMillisecondsP99: 32, blockMillisecondsMax: 40, budgetMilliseconds: 64,
            levelsDBFS: [-30, -.infinity], deviceReopens: 0, parameters: parameters,
            sourceModels: ["spherical/t:50", "lowrank/gauss"])
        let text = HumanText.status(status)
        #expect(text.contains("uptime       1h 02m 05s"))
        #expect(text.contains("routing      1,off"))
        #expect(text.contains("p99 32.00 ms, max 40.00 ms of 64.00 ms budget"))
        #expect(text.contains("models       0: spherical/t:50, 1: lowrank/gauss"))
        let frame = MonitorView.frame(status, barWidth: 20)
        #expect(frame.contains("source 0  [##########          ]  -30.0 dBFS  spherical/t:50"))
        #expect(frame.contains("source 1  [                    ]  -inf dBFS  lowrank/gauss"))
        #expect(frame.contains("(50 % at p99)") && frame.contains("xruns       capture 3, playback 0") && frame.contains("BYPASS"))
        #expect(!frame.contains("spectrum"), "without an observation the monitor shows status only")

        // Output 0 rises from 60 dB below output 1's loudest band to it; output 1 is flat but for a silent band.
        let rising = (0..<ObservationReport.bands).map { -70 + 60 * Double($0) / Double(ObservationReport.bands - 1) }
        var flat = Array(repeating: -10.0, count: ObservationReport.bands)
        flat[0] = -.infinity
        let observation = ObservationReport(
            frame: 960, version: 16, bandWidthHz: 250, spectraDB: [rising, flat], delaysSamples: [[0, 2.5], [0, nil]], masks: false)
        let bar = HumanText.spectrumBar(rising, top: HumanText.loudest(observation))
        #expect(bar.count == ObservationReport.bands && bar.first == " " && bar.last == "█")
        #expect(Array(bar) == Array(bar).sorted { " ▁▂▃▄▅▆▇█".firstIndex(of: $0)! < " ▁▂▃▄▅▆▇█".firstIndex(of: $1)! }, "a rising spectrum draws a rising bar: \(bar)")
        let observed = HumanText.observation(observation)
        #expect(observed.contains("output 1  | " + String(repeating: "█", count: 31) + "|  loudest -10.0 dB at 250–500 Hz"), "\(observed)")
        #expect(observed.contains("bars span 60 dB below the loudest band"))
        #expect(observed.contains("source 0  delay in samples after the reference: mic 0 0.00, mic 1 +2.50"))
        #expect(observed.contains("source 1  delay in samples after the reference: mic 0 0.00, mic 1 ?"))
        #expect(!observed.contains("cluster") && !observed.contains("diffuse"), "an IVA engine has no clusters")

        var clustered = observation
        clustered.clusters = [ClusterReport(delaysSamples: [0, -2.02, 1], levelsDB: [0, 0.3, -0.2], weight: 0.204, shape: 2.57, output: 0),
                              ClusterReport(delaysSamples: [0, 2.05, 0], levelsDB: [0, -1.5, 0], weight: 0.109, shape: nil, output: nil)]
        clustered.diffuseWeight = 0.25
        let clusterText = HumanText.observation(clustered)
        #expect(clusterText.contains("cluster 0  output 0, weight 0.204, shape 2.57; mic 1 -2.02 samples +0.3 dB, mic 2 +1.00 samples -0.2 dB"), "\(clusterText)")
        #expect(clusterText.contains("cluster 1  not output, weight 0.109; mic 1 +2.05 samples -1.5 dB, mic 2 0.00 samples 0.0 dB\n"))
        #expect(clusterText.contains("diffuse    weight 0.250 (reverberation and noise, not output)"))
        var clusteredStatus = status
        clusteredStatus.clusters = clustered.clusters
        #expect(HumanText.status(clusteredStatus).contains("cluster 1    not output, weight 0.109; mic 1 +2.05 samples"))
        let withSpectra = MonitorView.frame(status, observation: observation, barWidth: 20)
        #expect(withSpectra.contains("spectrum 1 | " + String(repeating: "█", count: 31) + "| 0–8 kHz"), "\(withSpectra)")
    }
}
