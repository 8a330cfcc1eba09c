/// What `observe` tells of the engine's latest snapshot: small enough for a terminal line per
/// output and a reply of a few kilobytes (at most `maxOutputs` × `bands` levels and
/// `maxOutputs` × `maxOutputs` delays), whatever the engine's FFT size.
public struct ObservationReport: Sendable, Equatable {
    /// Bands each output's spectrum is reduced to, equally wide from 0 Hz to half the rate.
    public static let bands = 32
    /// The engine's limit on outputs and microphones (`EngineBounds.channels`), which bounds the reply.
    public static let maxOutputs = 8

    /// The engine frame observed (`process` calls since start or reset).
    public var frame: Int
    /// The snapshot's number: it grows with every snapshot the engine takes, so a changed version
    /// means new data.
    public var version: Int
    /// Width of each band in Hz (rate / 2 / `bands`).
    public var bandWidthHz: Double
    /// Per output, the mean power in each band in dB on the engine's analysis scale (no absolute
    /// reference: compare bands and outputs, not dBFS), rounded to 0.1; −∞ (sent as null) where
    /// the band is silent.
    public var spectraDB: [[Double]]
    /// Per source, per microphone, the delay in samples at which the source reaches that
    /// microphone after the reference microphone (0 for the reference itself; negative: earlier),
    /// from the steering vector below 2 kHz; nil (null) where the engine has no estimate.
    public var delaysSamples: [[Double?]]
    /// Whether the engine estimates time–frequency masks.
    public var masks: Bool
    /// A clustering engine's direction clusters (at most `maxOutputs`), outputs first; empty for
    /// a family without clusters.
    public var clusters: [ClusterReport]
    /// The share of the points its diffuse cluster (reverberation, noise; never output) takes,
    /// rounded to 0.001; nil (null) without clusters.
    public var diffuseWeight: Double?

    public init(frame: Int, version: Int, bandWidthHz: Double, spectraDB: [[Double]], delaysSamples: [[Double?]], masks: Bool,
                clusters: [ClusterReport] = [], diffuseWeight: Double? = nil) {
        self.frame = frame
        self.version = version
        self.bandWidthHz = bandWidthHz
        self.spectraDB = spectraDB
        self.delaysSamples = delaysSamples
        self.masks = masks
        self.clusters = clusters
        self.diffuseWeight = diffuseWeight
    }

    public var json: JSONValue {
        .object([
            "frame": .integer(frame),
            "version": .integer(version),
            "band_hz": .number(bandWidthHz),
            "spectra_db": .array(spectraDB.map { .array($0.map(JSONValue.number)) }),
            "delays_samples": .array(delaysSamples.map { .array($0.map { $0.map(JSONValue.number) ?? .null }) }),
            "masks": .bool(masks),
            "clusters": .array(clusters.map(\.json)),
            "diffuse_weight": diffuseWeight.map(JSONValue.number) ?? .null,
        ])
    }

    public init(json: JSONValue) throws(ControlError) {
        let fields = try JSONFields(json, context: "observation", code: .invalidReply)
        var spectra: [[Double]] = []
        for row in try fields.array("spectra_db") {
            // null is a silent band (−∞ dB), as in `levels_dbfs`.
            spectra.append(try Self.numbers(row, fields, "spectra_db", wanted: "an array of arrays of numbers or nulls").map { $0 ?? -.infinity })
        }
        var delays: [[Double?]] = []
        for row in try fields.array("delays_samples") {
            delays.append(try Self.numbers(row, fields, "delays_samples", wanted: "an array of arrays of numbers or nulls"))
        }
        let diffuse = try fields.required("diffuse_weight", "a number or null")
        guard diffuse == .null || diffuse.doubleValue != nil else { throw fields.failure("diffuse_weight", "a number or null", got: diffuse) }
        self.init(
            frame: try fields.int("frame"), version: try fields.int("version"), bandWidthHz: try fields.double("band_hz"),
            spectraDB: spectra, delaysSamples: delays, masks: try fields.bool("masks"),
            clusters: try ClusterReport.array(fields, "clusters"), diffuseWeight: diffuse.doubleValue)
    }

    /// One row of a nested array of numbers, a `null` as nil.
    /// An array of numbers or nulls; `wanted` names what `key` holds for the refusal.
    static func numbers(_ row: JSONValue, _ fields: JSONFields, _ key: String, wanted: String) throws(ControlError) -> [Double?] {
        guard case .array(let elements) = row else { throw fields.failure(key, wanted, got: row) }
        var result: [Double?] = []
        for element in elements {
            if element == .null { result.append(nil); continue }
            guard let number = element.doubleValue else { throw fields.failure(key, wanted, got: element) }
            result.append(number)
        }
        return result
    }
}
