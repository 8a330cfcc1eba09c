/// The listener's chosen talker (`target`, `status`): the output that carries it now, where it is,
/// and how often the daemon has followed it to another output because the engine's order of
/// sources changed.
public struct TargetReport: Sendable, Equatable {
    /// The output (source index) it is on, which every playback channel plays.
    public var source: Int
    /// Per microphone, samples by which the talker reaches it after the reference microphone, as
    /// the daemon tracks it (from the engine's steering vectors below 2 kHz; 0 for the reference,
    /// null before the engine's first snapshot or where it has no estimate).
    public var delaysSamples: [Double?]
    /// Times the daemon moved the target to another output.
    public var switches: Int

    public init(source: Int, delaysSamples: [Double?], switches: Int) {
        self.source = source
        self.delaysSamples = delaysSamples
        self.switches = switches
    }

    public var json: JSONValue {
        .object([
            "source": .integer(source),
            "delays_samples": .array(delaysSamples.map { $0.map(JSONValue.number) ?? .null }),
            "switches": .integer(switches),
        ])
    }

    public init(json: JSONValue) throws(ControlError) {
        let fields = try JSONFields(json, context: "target", code: .invalidReply)
        self.init(
            source: try fields.int("source"),
            delaysSamples: try ObservationReport.numbers(
                try fields.required("delays_samples", "an array"), fields, "delays_samples", wanted: "an array of numbers or nulls"),
            switches: try fields.int("switches"))
    }

    /// A reply member that is a target or null (no target chosen).
    static func optional(_ fields: JSONFields, _ key: String) throws(ControlError) -> TargetReport? {
        let value = try fields.required(key, "an object or null")
        return value == .null ? nil : try TargetReport(json: value)
    }
}

/// What `target` asks for: a talker by its output, the next output's, or none.
public enum TargetChoice: Sendable, Equatable {
    case source(Int)
    /// The output after the current target's (the first when none), wrapping around.
    case next
    /// No target: the routing stays as it is and is no longer changed by the daemon.
    case off
}
