import EngineParameters
import RealtimeEngine
import RegularFiles
import TOMLKit

/// One key a config file may hold: the section it lives in and how its value lands in the
/// draft. Limits that the engine or the daemon already enforce (`check()`) are not repeated
/// here; a key only refuses what has no meaning as that setting at all.
struct ConfigFileKey: Sendable {
    typealias Apply = @Sendable (ConfigFileValue, inout ConfigFileDraft) throws(ConfigFileError.Reason) -> Void

    let section: String
    let name: String
    let apply: Apply

    init(_ section: String, _ name: String, _ apply: @escaping Apply) {
        self.section = section
        self.name = name
        self.apply = apply
    }

    var dotted: String { "\(section).\(name)" }
}

/// Every section and key of `bssd.toml`, documented in `config/bssd.toml`. Key names are the
/// ones `SeparatorConfiguration`, `OutputSettings` and `DaemonConfiguration` use in their
/// problems, unique across sections, so a problem's key finds its line here.
enum ConfigFileSchema {
    static let sections = ["audio", "engine", "output", "control", "log", "realtime"]

    static let keys: [ConfigFileKey] = audio + engine + deprecated + output + control + log + realtime

    static func key(section: String, name: String) -> ConfigFileKey? {
        keys.first { $0.section == section && $0.name == name }
    }

    /// The key a problem of `check()` names.
    static func key(named name: String) -> ConfigFileKey? {
        // A source's own model (`source.1.density`) is a key of the `engine.source` table.
        keys.first { $0.name == String(name.prefix { $0 != "." }) }
    }

    /// The keys `check()` judges against another key's value, by that key: hop must divide the
    /// frame, block fit the history, reference_mic and routing the channel counts.
    private static let dependents: [String: Set<String>] = [
        "audio.channels": ["engine.sources", "engine.reference_mic", "engine.source", "output.routing"],
        "audio.playback_channels": ["output.routing"],
        "engine.frame": ["engine.hop", "output.fir_taps", "output.fir_delay"],
        "output.fir_taps": ["output.fir_delay"],
        "output.stage": ["output.fir_taps", "output.fir_delay", "output.crossfade", "output.fir_fit", "output.fir_warmup"],
        "engine.history": ["engine.block"],
    ]

    /// The keys judged against any of `keys`.
    static func checked(against keys: Set<String>) -> Set<String> {
        keys.reduce(into: []) { $0.formUnion(dependents[$1] ?? []) }
    }

    private static let audio: [ConfigFileKey] = [
        string("audio", "capture", \.daemon.captureDevice),
        string("audio", "playback", \.daemon.playbackDevice),
        integer("audio", "rate", \.daemon.sampleRate),
        ConfigFileKey("audio", "channels") { value, draft throws(ConfigFileError.Reason) in
            let channels = try value.integer()
            draft.daemon.engine.channels = channels
        },
        integer("audio", "playback_channels", \.daemon.playbackChannels),
        integer("audio", "period", \.daemon.periodFrames),
        integer("audio", "periods", \.daemon.periods),
        integer("audio", "prefill", \.daemon.playbackPrefillPeriods),
        ConfigFileKey("audio", "asoundrc") { value, draft throws(ConfigFileError.Reason) in
            let file = try value.string()
            let path = file.hasPrefix("/") ? file : "\(draft.directory)/\(file)"
            do throws(TextFile.Unreadable) { draft.daemon.alsaDefinitions = try TextFile.read(path) } catch {
                throw .unreadableReference(key: value.key, value: value.rendered, file: path, reason: error.reason)
            }
        },
        choice("audio", "pacing", \.daemon.pacing),
    ]

    private static let engine: [ConfigFileKey] = [
        integer("engine", "sources", \.sources),
        choice("engine", "structure", \.daemon.engine.structure),
        choice("engine", "update", \.daemon.engine.updateRule),
        ConfigFileKey("engine", "density") { value, draft throws(ConfigFileError.Reason) in
            draft.daemon.engine.density = try density(value)
        },
        ConfigFileKey("engine", "source") { value, draft throws(ConfigFileError.Reason) in
            for table in try value.members() {
                let index = table.name
                guard let source = Int(index), String(source) == index, (0..<SourceModelOverrides.capacity).contains(source) else {
                    throw table.invalid("[engine.source.N] tables with N a source index from 0, as in [engine.source.1]")
                }
                for member in try table.members() {
                    switch EngineParameter.perSource.first(where: { $0.rawValue == member.name }) {
                    case .structure: draft.daemon.engine.overrides[source].structure = try member.choice()
                    case .density: draft.daemon.engine.overrides[source].density = try density(member)
                    default:
                        let suggestion = KeySuggestion.closest(to: member.name, among: EngineParameter.perSource.map(\.rawValue))
                        throw .unknownKey(member.key, suggestion: suggestion.map { "\(table.key).\($0)" })
                    }
                }
            }
        },
        integer("engine", "frame", \.daemon.engine.frameLength),
        integer("engine", "hop", \.hop),
        number("engine", "alpha", \.forgetting),
        integer("engine", "iterations", \.daemon.engine.iterations),
        integer("engine", "history", \.history),
        integer("engine", "block", \.daemon.engine.block),
        integer("engine", "bases", \.daemon.engine.nmfBases),
        integer("engine", "groups", \.daemon.engine.groups),
        integer("engine", "reference_mic", \.daemon.engine.referenceMic),
        number("engine", "loading", \.daemon.engine.loading),
        choice("engine", "family", \.daemon.engine.family),
        choice("engine", "mixture", \.daemon.engine.mixture),
        number("engine", "max_delay", \.daemon.engine.maxDelay),
        number("engine", "mask_floor", \.daemon.engine.maskFloor),
        integer("engine", "clusters", \.daemon.engine.clusters),
        integer("engine", "nmf_bases", \.daemon.engine.clusterBases),
    ]

    /// The names an earlier release used (`EngineParameter.Deprecated`): each is read as its
    /// replacement's key reads it, and leaves a warning in the draft. Both names at once are
    /// refused before any key is applied (`ConfigFileChecks`).
    private static let deprecated: [ConfigFileKey] = EngineParameter.Deprecated.allCases.map { old in
        ConfigFileKey("engine", old.rawValue) { value, draft throws(ConfigFileError.Reason) in
            let text = try value.string()
            guard let new = old.translated(text), let replacement = key(section: "engine", name: old.replacement.rawValue) else {
                throw value.invalid(old.allowed)
            }
            try replacement.apply(ConfigFileValue(key: value.key, node: new), &draft)
            draft.warnings.append(old.warning(text, in: .configFile))
        }
    }

    /// A density's spelling, refused with the catalogue's words.
    private static func density(_ value: ConfigFileValue) throws(ConfigFileError.Reason) -> SourceDensityKind {
        guard let density = SourceDensityKind(parsing: try value.string()) else { throw value.invalid(EngineParameter.density.allowed) }
        return density
    }

    private static let output: [ConfigFileKey] = [
        ConfigFileKey("output", "routing") { value, draft throws(ConfigFileError.Reason) in
            var routes: [Int?] = []
            for element in try value.elements() {
                if let source = element.node.int {
                    routes.append(source)
                } else if element.node.string == "off" {
                    routes.append(nil)
                } else {
                    throw element.wrongType("a source index (0, 1, …) or \"off\"")
                }
            }
            draft.routes = routes
        },
        number("output", "gain_db", \.gainDecibels),
        bool("output", "mute", \.muted),
        bool("output", "bypass", \.bypass),
        choice("output", "fallback", \.daemon.lateFallback),
        choice("output", "stage", \.daemon.stage.kind),
        integer("output", "fir_taps", \.daemon.stage.firTaps),
        integer("output", "fir_delay", \.daemon.stage.firDelay),
        integer("output", "crossfade", \.daemon.stage.crossfade),
        integer("output", "fir_fit", \.daemon.stage.firFit),
        integer("output", "fir_warmup", \.daemon.stage.firWarmUp),
    ]

    private static let control: [ConfigFileKey] = [
        ConfigFileKey("control", "socket") { value, draft throws(ConfigFileError.Reason) in
            let path = try value.string()
            guard path.hasPrefix("/") else { throw value.invalid("an absolute path (omit the key to resolve it at run time)") }
            draft.daemon.control.socketPath = path
        },
        ConfigFileKey("control", "mode") { value, draft throws(ConfigFileError.Reason) in
            let allowed = "permission bits from 0000 to 0777, as an octal string (\"0660\") or integer (0o660)"
            let bits: Int?
            if let text = value.node.string {
                bits = (1...4).contains(text.count) ? Int(text, radix: 8) : nil
            } else if let number = value.node.int {
                bits = number
            } else {
                throw value.wrongType(allowed)
            }
            guard let bits, (0...0o777).contains(bits) else { throw value.invalid(allowed) }
            draft.daemon.control.mode = UInt32(bits)
        },
        ConfigFileKey("control", "group") { value, draft throws(ConfigFileError.Reason) in
            let group = if let id = value.node.int { String(id) } else { try value.string() }
            guard !group.isEmpty else { throw value.invalid("a group name or numeric id (omit the key to keep the daemon's group)") }
            draft.daemon.control.group = group
        },
        ids("control", "allowed_uids", \.daemon.control.allowedUIDs, of: "user"),
        ids("control", "allowed_gids", \.daemon.control.allowedGIDs, of: "group"),
        ConfigFileKey("control", "max_clients") { value, draft throws(ConfigFileError.Reason) in
            let clients = try value.integer()
            guard clients >= 1 else { throw value.invalid("at least 1 client") }
            draft.daemon.control.maxClients = clients
        },
    ]

    private static let log: [ConfigFileKey] = [
        ConfigFileKey("log", "level") { value, draft throws(ConfigFileError.Reason) in
            guard let level = LogSettings.Level(name: try value.string()) else {
                throw value.invalid(LogSettings.Level.allCases.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            draft.daemon.log.level = level
        },
    ]

    private static let realtime: [ConfigFileKey] = [
        ConfigFileKey("realtime", "priority") { value, draft throws(ConfigFileError.Reason) in
            // 0 and false both say "no SCHED_FIFO": the first as on the command line, the second as a switch.
            if value.node.bool == false { draft.daemon.realtimePriority = nil; return }
            guard let priority = value.node.int else { throw value.wrongType("a priority from 1 to 99, or 0 or false for none") }
            draft.daemon.realtimePriority = priority == 0 ? nil : priority
        },
        bool("realtime", "lock_memory", \.daemon.lockMemory),
        integer("realtime", "stall_timeout_ms", \.daemon.stallTimeoutMilliseconds),
    ]

    // Keys whose value goes straight into one field, differing only in the TOML type they read.

    private typealias Target<T> = WritableKeyPath<ConfigFileDraft, T> & Sendable

    private static func integer(_ section: String, _ name: String, _ target: Target<Int>) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.integer() }
    }

    private static func integer(_ section: String, _ name: String, _ target: Target<Int?>) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.integer() }
    }

    private static func number(_ section: String, _ name: String, _ target: Target<Double>) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.number() }
    }

    private static func number(_ section: String, _ name: String, _ target: Target<Double?>) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.number() }
    }

    private static func string(_ section: String, _ name: String, _ target: Target<String>) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.string() }
    }

    private static func bool(_ section: String, _ name: String, _ target: Target<Bool>) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.bool() }
    }

    private static func choice<T: RawRepresentable & CaseIterable & SendableMetatype>(
        _ section: String, _ name: String, _ target: Target<T>
    ) -> ConfigFileKey where T.RawValue == String {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in draft[keyPath: target] = try value.choice() }
    }

    /// A list of numeric user or group ids; -1 (`(uid_t)-1`) means "nobody" to the kernel, so
    /// the largest id is one less.
    private static func ids(_ section: String, _ name: String, _ target: Target<[UInt32]>, of kind: String) -> ConfigFileKey {
        ConfigFileKey(section, name) { value, draft throws(ConfigFileError.Reason) in
            var ids: [UInt32] = []
            for element in try value.elements() {
                let id = try element.integer()
                guard id >= 0, id < Int(UInt32.max) else { throw element.invalid("a numeric \(kind) id from 0 to \(UInt32.max - 1)") }
                ids.append(UInt32(id))
            }
            draft[keyPath: target] = ids
        }
    }
}
