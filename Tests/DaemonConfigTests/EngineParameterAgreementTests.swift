@testable import BSSDDaemon
import ControlClient
import ControlProtocol
@testable import DaemonConfig
import EngineParameters
import RealtimeEngine
import Testing

/// The front ends that take engine parameters — the config file, the control socket's `set` and
/// the engine itself, which `bssd`'s options feed — judge a value alike and say alike what is
/// allowed, because all of them take their bounds and texts from `EngineParameter`.
@Suite("Engine parameters agree across front ends")
struct EngineParameterAgreementTests {
    /// A value as each front end receives it, and whether the engine accepts it.
    struct Probe: Sendable, CustomTestStringConvertible {
        let parameter: EngineParameter
        /// The TOML value written after `key = `.
        let toml: String
        /// What `set` carries, for the parameters the control socket changes.
        let change: ParameterChange?
        let accepted: Bool
        var testDescription: String { "\(parameter.name) = \(toml)" }

        /// The engine's own verdict: the configuration `bssd` builds from the same value.
        func engineAccepts() -> Bool {
            var configuration = SeparatorConfiguration(channels: 2)
            let number = Double(toml) ?? .nan
            switch parameter {
            case .density:
                guard let density = SourceDensityKind(parsing: String(toml.dropFirst().dropLast())) else { return false }
                configuration.density = density
            case .alpha: configuration.forgetting = number
            case .iterations: configuration.iterations = Int(number)
            case .history: configuration.history = Int(number)
            case .block: configuration.block = Int(number)
            case .bases: configuration.nmfBases = Int(number)
            case .groups: configuration.groups = Int(number)
            case .loading: configuration.loading = number
            case .referenceMic: configuration.referenceMic = Int(number)
            case .frame: configuration.frameLength = Int(number); configuration.hop = Int(number) / 4
            case .hop: configuration.hop = Int(number)
            case .maxDelay: configuration.maxDelay = number
            case .maskFloor: configuration.maskFloor = number
            case .clusters: configuration.clusters = Int(number)
            case .clusterBases: configuration.clusterBases = Int(number)
            case .structure, .update, .family, .mixture: Issue.record("choices are probed through their spellings"); return false
            }
            do { try configuration.validate(); return true } catch { return false }
        }
    }

    static let probes: [Probe] = [
        Probe(parameter: .density, toml: "\"t:1000\"", change: .density("t:1000"), accepted: true),
        Probe(parameter: .density, toml: "\"t:1000.5\"", change: .density("t:1000.5"), accepted: false),
        Probe(parameter: .density, toml: "\"t:0\"", change: .density("t:0"), accepted: false),
        Probe(parameter: .density, toml: "\"ggd:2\"", change: .density("ggd:2"), accepted: true),
        Probe(parameter: .density, toml: "\"ggd:2.1\"", change: .density("ggd:2.1"), accepted: false),
        Probe(parameter: .density, toml: "\"ggd:0\"", change: .density("ggd:0"), accepted: false),
        Probe(parameter: .density, toml: "\"cauchy\"", change: .density("cauchy"), accepted: false),
        Probe(parameter: .alpha, toml: "0", change: .alpha(0), accepted: false),
        Probe(parameter: .alpha, toml: "1", change: .alpha(1), accepted: false),
        Probe(parameter: .alpha, toml: "0.999", change: .alpha(0.999), accepted: true),
        Probe(parameter: .iterations, toml: "0", change: .iterations(0), accepted: false),
        Probe(parameter: .iterations, toml: "1", change: .iterations(1), accepted: true),
        Probe(parameter: .iterations, toml: "16", change: .iterations(16), accepted: true),
        Probe(parameter: .iterations, toml: "17", change: .iterations(17), accepted: false),
        Probe(parameter: .history, toml: "64", change: nil, accepted: true),
        Probe(parameter: .history, toml: "65", change: nil, accepted: false),
        Probe(parameter: .block, toml: "65", change: nil, accepted: false),
        Probe(parameter: .bases, toml: "32", change: nil, accepted: true),
        Probe(parameter: .bases, toml: "33", change: nil, accepted: false),
        Probe(parameter: .loading, toml: "1.0", change: nil, accepted: true),
        Probe(parameter: .loading, toml: "1.5", change: nil, accepted: false),
        Probe(parameter: .loading, toml: "1e-10", change: nil, accepted: false),
        Probe(parameter: .referenceMic, toml: "2", change: nil, accepted: false),
        Probe(parameter: .frame, toml: "3000", change: nil, accepted: false),
        Probe(parameter: .hop, toml: "100", change: nil, accepted: false),
        Probe(parameter: .maxDelay, toml: "64", change: nil, accepted: true),
        Probe(parameter: .maxDelay, toml: "0", change: nil, accepted: false),
        Probe(parameter: .maxDelay, toml: "64.5", change: nil, accepted: false),
        Probe(parameter: .maskFloor, toml: "0.5", change: nil, accepted: true),
        Probe(parameter: .maskFloor, toml: "0.6", change: nil, accepted: false),
        Probe(parameter: .maskFloor, toml: "-0.1", change: nil, accepted: false),
        // Two sources (the probe engine's): 0, or 2 to 8 clusters.
        Probe(parameter: .clusters, toml: "0", change: nil, accepted: true),
        Probe(parameter: .clusters, toml: "1", change: nil, accepted: false),
        Probe(parameter: .clusters, toml: "8", change: nil, accepted: true),
        Probe(parameter: .clusters, toml: "9", change: nil, accepted: false),
        Probe(parameter: .clusterBases, toml: "0", change: nil, accepted: true),
        Probe(parameter: .clusterBases, toml: "32", change: nil, accepted: true),
        Probe(parameter: .clusterBases, toml: "33", change: nil, accepted: false),
        Probe(parameter: .clusterBases, toml: "-1", change: nil, accepted: false),
        Probe(parameter: .groups, toml: "2", change: nil, accepted: true),
        Probe(parameter: .groups, toml: "512", change: nil, accepted: true),
        Probe(parameter: .groups, toml: "1", change: nil, accepted: false),
        Probe(parameter: .groups, toml: "513", change: nil, accepted: false),
    ]

    @Test("a value the engine accepts every front end accepts; one it refuses, every front end refuses with the same text", arguments: probes)
    func boundary(probe: Probe) throws {
        #expect(probe.engineAccepts() == probe.accepted)

        let reasons = ConfigFileTests.reasons("[engine]\n\(probe.parameter.name) = \(probe.toml)")
        #expect(reasons.isEmpty == probe.accepted, "\(reasons)")
        if let reason = reasons.first {
            #expect(reason == .invalid(key: probe.parameter.configKey, value: probe.toml, allowed: Self.allowed(in: reason)))
            #expect(Self.allowed(in: reason).hasPrefix(probe.parameter.allowed), "\(reason)")
        }

        guard let change = probe.change else { return }
        #expect(ParameterName(rawValue: probe.parameter.name)?.engineParameter == probe.parameter)
        do {
            _ = try Daemon.settings(SeparatorConfiguration(channels: 2), OutputSettings(routes: [0, 1]), changedBy: [change])
            #expect(probe.accepted)
        } catch {
            #expect(!probe.accepted)
            #expect(error.code == .outOfRange)
            #expect(error.message.hasSuffix("allowed is \(probe.parameter.allowed)"), "\(error.message)")
        }
    }

    @Test("the choices accept exactly their spellings everywhere", arguments: [EngineParameter.structure, .update, .mixture])
    func choices(parameter: EngineParameter) throws {
        guard case let .choice(spellings) = parameter.valueType else { Issue.record("\(parameter) is no choice"); return }
        for spelling in spellings {
            #expect(ConfigFileTests.reasons("[engine]\n\(parameter.name) = \"\(spelling)\"").isEmpty)
            #expect(throws: Never.self) { try ParameterChange(name: parameter.name, text: spelling) }
            #expect(parameter.allowed.contains(spelling))
        }
        let refused = ConfigFileTests.reason("[engine]\n\(parameter.name) = \"pca\"")
        #expect(refused.map(Self.allowed(in:)).map { text in spellings.allSatisfy { text.contains($0) } } == true)
        #expect(throws: ControlError(.invalidParams, "\(parameter.name) cannot be 'pca': allowed is \(parameter.allowed)")) {
            try ParameterChange(name: parameter.name, text: "pca")
        }
    }

    @Test("the control protocol's names are the catalogue's, with its texts, and only live ones")
    func controlNames() {
        for name in ParameterName.allCases {
            guard let parameter = name.engineParameter else { continue }
            #expect(parameter.name == name.rawValue)
            #expect(parameter.allowed == name.allowed)
            #expect(parameter.change == .live)
        }
    }

    @Test("restart-only parameters are exactly the engine's shape", arguments: EngineParameter.allCases)
    func change(parameter: EngineParameter) {
        let old = SeparatorConfiguration(channels: 2)
        var new = old
        switch parameter {
        case .structure: new.structure = .lowRank
        case .update: new.updateRule = .iss
        case .density: new.density = .laplace
        case .frame: new.frameLength = 2048
        case .hop: new.hop = 512
        case .alpha: new.forgetting = 0.9
        case .iterations: new.iterations = 3
        case .history: new.history = 8
        case .block: new.block = 2
        case .bases: new.nmfBases = 3
        case .groups: new.groups = 8
        case .referenceMic: new.referenceMic = 1
        case .loading: new.loading = 1e-2
        case .family: new.family = .clustering
        case .mixture: new.mixture = .studentT
        case .maxDelay: new.maxDelay = 5
        case .maskFloor: new.maskFloor = 0.1
        case .clusters: new.clusters = 3
        case .clusterBases: new.clusterBases = 8
        }
        let restart = OnlineSeparator<Float>.restartKeys(from: old, to: new)
        switch parameter.change {
        case .live: #expect(restart.isEmpty)
        case .restart: #expect(restart == [parameter.name])
        }
    }

    @Test("names in each front end follow from the canonical one")
    func spellings() {
        #expect(EngineParameter.referenceMic.configKey == "engine.reference_mic")
        #expect(EngineParameter.referenceMic.flag == "--reference-mic")
        #expect(EngineParameter.structure.configKey == "engine.structure" && EngineParameter.structure.flag == "--structure")
        #expect(EngineParameter.density.configKey == "engine.density" && EngineParameter.density.flag == "--density")
        #expect(EngineParameter.structure.allowed == "spherical, lowrank, sparse, group-sparse, harmonic, pnp or auto")
        #expect(EngineParameter.density.allowed == "laplace, ggd:BETA (0 < BETA ≤ 2), t:NU (0 < NU ≤ 1000), gauss")
        #expect(EngineParameter.loading.allowed == "a relative diagonal loading from 1e-9 to 1")
        #expect(EngineParameter.hop.allowed == "frame/2, frame/4 or frame/8")
    }

    @Test("a source's own density is judged as the shared one, with the same text", arguments: probes.filter { $0.parameter == .density })
    func perSourceDensity(probe: Probe) throws {
        var configuration = SeparatorConfiguration(channels: 2)
        let text = String(probe.toml.dropFirst().dropLast())
        if let density = SourceDensityKind(parsing: text) { configuration.overrides[1].density = density }
        let reasons = ConfigFileTests.reasons("[engine.source.1]\ndensity = \(probe.toml)")
        #expect(reasons.isEmpty == probe.accepted, "\(reasons)")
        if let reason = reasons.first {
            #expect(Self.allowed(in: reason) == probe.parameter.allowed, "\(reason)")
            #expect(reason.key == "engine.source.1.density" || reason.key == "engine.source", "\(reason)")
        }
        guard SourceDensityKind(parsing: text) != nil else { return }
        do {
            try configuration.validate()
            #expect(probe.accepted)
        } catch {
            #expect(!probe.accepted)
            #expect(error == SeparatorConfigurationError(key: "source.1.density", value: text, allowed: probe.parameter.allowed))
        }
    }

    @Test("each deprecated name is taken as its replacement in every front end, with the table's warning")
    func deprecatedNames() throws {
        // Config file: the value lands in the new field, the warning names the file and both keys.
        let file = try ConfigFileTests.parse("[engine]\nalgorithm = \"ilrma\"\nmodel = \"t:10\"")
        #expect(file.engine.structure == .lowRank && file.engine.density == .studentT(nu: 10))
        #expect(file.warnings.sorted() == [
            "\(ConfigFileTests.path): engine.algorithm = \"ilrma\" is deprecated and will be removed in the next release; "
                + "it is taken as engine.structure = \"lowrank\": write that instead",
            "\(ConfigFileTests.path): engine.model = \"t:10\" is deprecated and will be removed in the next release; "
                + "it is taken as engine.density = \"t:10\": write that instead",
        ])
        #expect(try ConfigFileTests.parse("[engine]\nstructure = \"lowrank\"").warnings.isEmpty)
        // A value the old name never took is refused under the old key, with what it took.
        #expect(ConfigFileTests.reason("[engine]\nalgorithm = \"lowrank\"")
            == .invalid(key: "engine.algorithm", value: "\"lowrank\"", allowed: "iva (now spherical) or ilrma (now lowrank)"))
        #expect(ConfigFileTests.reason("[engine]\nmodel = \"t:0\"").map(Self.allowed(in:)) == EngineParameter.density.allowed)

        // Control protocol: a raw request with the old name, as an old client sends it.
        let request = try ControlRequest.parse(Array(#"{"id":1,"version":1,"method":"set","params":{"algorithm":"iva","model":"gauss"}}"#.utf8))
        #expect(request.method == .set([.structure(.spherical), .density("gauss")]))
        #expect(request.warnings == [
            "set algorithm iva is deprecated and will be removed in the next release; it is taken as set structure spherical: write that instead",
            "set model gauss is deprecated and will be removed in the next release; it is taken as set density gauss: write that instead",
        ])
        let reply = ControlReply(id: 1, outcome: .success(.object([:])), warnings: request.warnings)
        #expect(try ControlReply(line: Array(reply.line.utf8)) == reply)
        #expect(ControlReply(id: 1, outcome: .success(.object([:]))).json["warnings"] == nil)
        // bssctl: the same names on its command line.
        #expect(try ParameterChange(name: "algorithm", text: "ILRMA") == .structure(.lowRank))
        #expect(try ParameterChange(name: "model", text: "t:5") == .density("t:5"))
        #expect(throws: ControlError(.invalidParams, "algorithm cannot be 'pca': allowed is iva (now spherical) or ilrma (now lowrank)")) {
            try ParameterChange(name: "algorithm", text: "pca")
        }
    }

    @Test("an old name given with its new one is refused, naming both", arguments: EngineParameter.Deprecated.allCases)
    func deprecatedWithReplacement(old: EngineParameter.Deprecated) throws {
        let oldValue = switch old {
        case .algorithm: "iva"
        case .model: "gauss"
        }
        let value = try #require(old.translated(oldValue))
        let text = "[engine]\n\(old.rawValue) = \"\(oldValue)\"\n\(old.replacement.name) = \"\(value)\""
        let conflict = ConfigFileTests.reason(text)
        #expect(conflict == .conflict(key: "engine.\(old.rawValue)", message: old.conflict(in: .configFile)))
        #expect(conflict?.line(in: "/f.toml") == "/f.toml: engine.\(old.rawValue) and engine.\(old.replacement.name) are both given, "
            + "but engine.\(old.rawValue) is the deprecated name of engine.\(old.replacement.name): keep only engine.\(old.replacement.name)")
        let line = #"{"id":1,"version":1,"method":"set","params":{"\#(old.rawValue)":"\#(oldValue)","\#(old.replacement.name)":"\#(value)"}}"#
        #expect(throws: RejectedRequest(id: 1, error: ControlError(.invalidParams, old.conflict(in: .control)))) {
            try ControlRequest.parse(Array(line.utf8))
        }
    }

    private static func allowed(in reason: ConfigFileError.Reason) -> String {
        guard case let .invalid(_, _, allowed) = reason else { return "" }
        return allowed
    }
}
