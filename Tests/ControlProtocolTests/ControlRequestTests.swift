import ControlProtocol
import Testing

@Suite("Control requests")
struct ControlRequestTests {
    private func parse(_ text: String) throws(RejectedRequest) -> ControlRequest {
        try ControlRequest.parse(Array(text.utf8))
    }

    private func rejection(_ text: String) -> RejectedRequest? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    static let everyMethod: [ControlMethod] = [
        .ping, .status, .get(nil), .get(.gainDB),
        .set([.alpha(0.98), .iterations(3), .structure(.lowRank), .update(.iss), .density("ggd:0.5"), .routing([1, nil]), .gainDB(-6), .mute(true), .bypass(false)]),
        .set([.sourceStructure(source: 1, .automatic), .sourceDensity(source: 0, "t:5"), .structure(.groupSparse)]),
        .route(source: 2, channels: [0, 1]), .route(source: nil, channels: [1]),
        .target(.source(1)), .target(.next), .target(.off), .reset,
        .saveState(path: "/var/lib/bssd/state"), .loadState(path: "/var/lib/bssd/state"), .subscribe(interval: 0.5), .observe, .reload, .shutdown,
    ]

    @Test(arguments: everyMethod)
    func everyMethodRoundTripsThroughItsLine(method: ControlMethod) throws {
        let request = ControlRequest(id: "req-7", method: method)
        #expect(request.line.hasSuffix("\n"))
        #expect(try parse(String(request.line.dropLast())) == request)
    }

    @Test func readsTheDocumentedSpellings() throws {
        #expect(try parse(#"{"id":1,"version":1,"method":"ping"}"#).method == .ping)
        #expect(try parse(#"{"id":1,"version":1,"method":"set","params":{"alpha":0.98,"iterations":3.0}}"#).method == .set([.alpha(0.98), .iterations(3)]))
        #expect(try parse(#"{"id":1,"version":1,"method":"set","params":{"source.1.structure":"pnp"}}"#).method == .set([.sourceStructure(source: 1, .plugAndPlay)]))
        for bad in [#""source.1.structure":"tonal""#, #""source.-1.structure":"auto""#, #""source.1.gain_db":3"#, #""source.1.structure":1"#] {
            #expect(throws: (any Error).self, "\(bad)") { try parse(#"{"id":1,"version":1,"method":"set","params":{"# + bad + "}}") }
        }
        #expect(try parse(#"{"id":1,"version":1,"method":"subscribe"}"#).method == .subscribe(interval: 1))
        #expect(try parse(#"{"id":1,"version":1,"method":"route","params":{"source":null,"channels":[0]}}"#).method == .route(source: nil, channels: [0]))
        #expect(try parse(#"{"id":1,"version":1,"method":"target","params":{"source":"next"}}"#).method == .target(.next))
        #expect(try parse(#"{"id":1,"version":1,"method":"target","params":{"source":null}}"#).method == .target(.off))
        #expect(try parse(#"{"id":1,"version":1,"method":"target","params":{"source":2}}"#).method == .target(.source(2)))
    }

    @Test(arguments: [
        ("garbage", ControlError.Code.parseError, JSONValue.null, "not valid JSON: unexpected character 'g' at byte 0"),
        ("42", .invalidRequest, .null, "a request must be a JSON object, got a number"),
        (#"{"id":[1],"version":1,"method":"ping"}"#, .invalidRequest, .null, "\"id\" must be an integer or a string of at most 256 bytes, got an array"),
        (#"{"id":1,"method":"ping"}"#, .invalidRequest, 1, "\"version\" must be the integer protocol version (1), got nothing"),
        (#"{"id":1,"version":1,"method":"ping","parmas":{}}"#, .invalidRequest, 1, "unknown member \"parmas\"; a request has id, version, method, params"),
        (#"{"id":1,"version":1,"method":7}"#, .invalidRequest, 1, "\"method\" must be a string, got a number"),
        (#"{"id":1,"version":9,"method":"ping"}"#, .unsupportedVersion, 1, "protocol version 9 is not supported; this daemon speaks version 1"),
        (#"{"id":"x","version":1,"method":"explode"}"#, .unknownMethod, "x", "unknown method 'explode'; known methods: ping, status, get, set, route, target, reset, save_state, load_state, subscribe, observe, reload, shutdown"),
        (#"{"id":1,"version":1,"method":"ping","params":{"x":1}}"#, .invalidParams, 1, "ping takes no params; unknown param 'x'"),
        (#"{"id":1,"version":1,"method":"observe","params":{"bands":8}}"#, .invalidParams, 1, "observe takes no params; unknown param 'bands'"),
        (#"{"id":1,"version":1,"method":"set","params":[]}"#, .invalidParams, 1, "params must be an object, got an array"),
        (#"{"id":1,"version":1,"method":"set","params":{}}"#, .invalidParams, 1, "set needs at least one parameter, e.g. {\"alpha\":0.98}; parameters: alpha, iterations, structure, update, density, mixture, routing, gain_db, mute, bypass"),
        (#"{"id":1,"version":1,"method":"set","params":{"alfa":1}}"#, .invalidParams, 1, "unknown parameter 'alfa'; parameters: alpha, iterations, structure, update, density, mixture, routing, gain_db, mute, bypass, source.N.structure, source.N.density"),
        (#"{"id":1,"version":1,"method":"set","params":{"alpha":"0.9"}}"#, .invalidParams, 1, "params.alpha must be a number, got a string"),
        (#"{"id":1,"version":1,"method":"set","params":{"iterations":2.5}}"#, .invalidParams, 1, "params.iterations must be an integer, got a number"),
        (#"{"id":1,"version":1,"method":"set","params":{"structure":"pca"}}"#, .invalidParams, 1, "structure 'pca' is not one of spherical, lowrank, sparse, group-sparse, harmonic, pnp, auto"),
        (#"{"id":1,"version":1,"method":"set","params":{"routing":[0,"x"]}}"#, .invalidParams, 1, "params.routing must be an array of integers or nulls, got a string"),
        (#"{"id":1,"version":1,"method":"set","params":{"mute":1}}"#, .invalidParams, 1, "params.mute must be true or false, got a number"),
        (#"{"id":1,"version":1,"method":"get","params":{"name":"volume"}}"#, .invalidParams, 1, "unknown parameter 'volume'; parameters: alpha, iterations, structure, update, density, mixture, routing, gain_db, mute, bypass"),
        (#"{"id":1,"version":1,"method":"route","params":{"source":1,"channels":[]}}"#, .invalidParams, 1, "params.channels must name at least one playback channel"),
        (#"{"id":1,"version":1,"method":"route","params":{"channels":[0]}}"#, .invalidParams, 1, "params.source is missing (a source index or null)"),
        (#"{"id":1,"version":1,"method":"target","params":{"source":"loudest"}}"#, .invalidParams, 1, #"params.source must be a source index, "next" or null (no target), got a string"#),
        (#"{"id":1,"version":1,"method":"target"}"#, .invalidParams, 1, #"params.source is missing (a source index, "next" or null (no target))"#),
        (#"{"id":1,"version":1,"method":"save_state","params":{"path":"rel/state"}}"#, .invalidParams, 1, "params.path must be an absolute path on the daemon's host, got 'rel/state'"),
        (#"{"id":1,"version":1,"method":"load_state"}"#, .invalidParams, 1, "params.path is missing (a string)"),
        (#"{"id":1,"version":1,"method":"subscribe","params":{"interval_s":0.001}}"#, .outOfRange, 1, "params.interval_s 0.001 is outside 0.05…60.0 seconds"),
    ] as [(String, ControlError.Code, JSONValue, String)])
    func everyFailureHasItsCodeIdAndMessage(line: String, code: ControlError.Code, id: JSONValue, message: String) {
        #expect(rejection(line) == RejectedRequest(id: id, error: ControlError(code, message)))
    }

    @Test func repliesEncodeAsDocumentedAndDecode() throws {
        let ok = ControlReply(id: 3, outcome: .success(.object(["pong": true])))
        #expect(ok.line == "{\"id\":3,\"ok\":true,\"result\":{\"pong\":true}}\n")
        let failure = ControlReply(id: .null, outcome: .failure(ControlError(.busy, "full")))
        #expect(failure.line == "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"busy\",\"message\":\"full\"}}\n")
        for reply in [ok, failure] { #expect(try ControlReply(line: Array(reply.line.utf8.dropLast())) == reply) }
        #expect(throws: ControlError(.invalidReply, "reply.ok is missing (true or false)")) { try ControlReply(line: Array("{}".utf8)) }
    }

    @Test func statusAndParametersRoundTrip() throws {
        let parameters = LiveParameters(alpha: 0.97, iterations: 2, structure: .lowRank, update: .iss, density: "t:50", mixture: .kmeans, routing: [1, nil], gainDB: -3, mute: true, bypass: false)
        let status = StatusReport(
            state: .reopening, uptimeSeconds: 12.5, captureDevice: "hw:1", playbackDevice: "default", sampleRate: 48000,
            captureChannels: 4, playbackChannels: 2, sources: 4, periodFrames: 256, periods: 3, latencyMilliseconds: 80,
            framesCaptured: 1, framesProcessed: 2, framesPlayed: 3, captureXruns: 4, playbackXruns: 5, lateBlocks: 6, overrunFrames: 7,
            blockMillisecondsP50: 1, blockMillisecondsP99: 2, blockMillisecondsMax: 3, budgetMilliseconds: 21.3,
            levelsDBFS: [-12, -.infinity, 0, -90], deviceReopens: 1, parameters: parameters,
            sourceModels: ["lowrank/t:50", "spherical/gauss", "lowrank/t:50", "lowrank/ggd:0.5"],
            clusters: [ClusterReport(delaysSamples: [0, -2.02], levelsDB: [0, 0.3], weight: 0.204, shape: 2.57, output: 0),
                       ClusterReport(delaysSamples: [0, 2.05], levelsDB: [0, -1.5], weight: 0.109, shape: nil, output: nil)],
            target: TargetReport(source: 1, delaysSamples: [0, nil, -0.42, 1.5], switches: 2), outputTrust: 0.25)
        #expect(try StatusReport(json: try JSONParser.parse(status.json.serialized)) == status)
        #expect(status.json["clusters"]?.serialized
                == #"[{"delays_samples":[0.0,-2.02],"levels_db":[0.0,0.3],"weight":0.204,"shape":2.57,"output":0},{"delays_samples":[0.0,2.05],"levels_db":[0.0,-1.5],"weight":0.109,"shape":null,"output":null}]"#)
        #expect(status.json["levels_dbfs"]?.serialized == "[-12.0,null,0.0,-90.0]")
        #expect(status.json["target"]?.serialized == #"{"source":1,"delays_samples":[0.0,null,-0.42,1.5],"switches":2}"#)
        #expect(status.json["source_models"]?.serialized == #"["lowrank/t:50","spherical/gauss","lowrank/t:50","lowrank/ggd:0.5"]"#)
    }

    @Test func observationReportRoundTripsWithSilentBandsAndMissingDelays() throws {
        var levels = (0..<ObservationReport.bands).map { -40 + Double($0) / 10 }
        levels[3] = -.infinity
        let report = ObservationReport(
            frame: 4321, version: 72, bandWidthHz: 250, spectraDB: [levels, Array(repeating: -12.5, count: ObservationReport.bands)],
            delaysSamples: [[0, 2.25, nil], [0, -1.5, 0.75]], masks: true,
            clusters: [ClusterReport(delaysSamples: [0, 1.25, -0.5], levelsDB: [0, -0.5, 1], weight: 0.6, shape: 0.71, output: 0)], diffuseWeight: 0.4)
        let line = ControlReply(id: 9, outcome: .success(report.json)).line
        let reply = try ControlReply(line: Array(line.utf8.dropLast()))
        guard case .success(let result) = reply.outcome else { Issue.record("not a result: \(line)"); return }
        #expect(try ObservationReport(json: result) == report)
        #expect(report.json["delays_samples"]?.serialized == "[[0.0,2.25,null],[0.0,-1.5,0.75]]")
        #expect(report.json["diffuse_weight"]?.serialized == "0.4")
        #expect(report.json["spectra_db"]?.serialized.hasPrefix("[[-40.0,-39.9,-39.8,null,-39.6,") == true)
        #expect(throws: ControlError(.invalidReply, "observation.spectra_db must be an array of arrays of numbers or nulls, got a string")) {
            try ObservationReport(json: .object(["frame": 1, "version": 1, "band_hz": 250.0, "spectra_db": [["x"]], "delays_samples": [], "masks": false]))
        }
        #expect(throws: ControlError(.invalidReply, "cluster.output must be an integer or null, got a string")) {
            try ClusterReport(json: .object(["delays_samples": [0.0, 1.0], "levels_db": [0.0, 0.0], "weight": 0.5, "shape": .null, "output": "first"]))
        }
    }

    @Test func defaultSocketPathFollowsSystemdThenXDGThenTmp() {
        #expect(SocketPath.defaultPath(environment: ["RUNTIME_DIRECTORY": "/run/bssd:/run/other", "XDG_RUNTIME_DIR": "/run/user/1"], uid: 1) == "/run/bssd/control.sock")
        #expect(SocketPath.defaultPath(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"], uid: 1000) == "/run/user/1000/bssd/control.sock")
        #expect(SocketPath.defaultPath(environment: [:], uid: 1000) == "/tmp/bssd-1000/control.sock")
    }
}
