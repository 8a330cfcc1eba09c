/// One direction cluster of a clustering engine, as `status` and `observe` report it: where its
/// sound comes from, its share of the points, its learnt shape and which output it feeds.
public struct ClusterReport: Sendable, Equatable {
    /// Per microphone, samples by which the cluster's sound reaches it after microphone 0
    /// (negative: before; 0 for microphone 0), rounded to 0.01.
    public var delaysSamples: [Double]
    /// Per microphone, its level against microphone 0 in dB (0 for microphone 0), rounded to 0.1.
    public var levelsDB: [Double]
    /// Its share of the weighted points, 0 to 1, rounded to 0.001.
    public var weight: Double
    /// Student's t ν or the generalised Gaussian's β, rounded to 0.01; nil (null) for k-means and
    /// the Gaussian mixture, which have none.
    public var shape: Double?
    /// The output it feeds; nil (null) for a cluster learnt but not output (`clusters` > `sources`).
    public var output: Int?

    public init(delaysSamples: [Double], levelsDB: [Double], weight: Double, shape: Double?, output: Int?) {
        self.delaysSamples = delaysSamples
        self.levelsDB = levelsDB
        self.weight = weight
        self.shape = shape
        self.output = output
    }

    public var json: JSONValue {
        .object([
            "delays_samples": .array(delaysSamples.map(JSONValue.number)),
            "levels_db": .array(levelsDB.map(JSONValue.number)),
            "weight": .number(weight),
            "shape": shape.map(JSONValue.number) ?? .null,
            "output": output.map(JSONValue.integer) ?? .null,
        ])
    }

    public init(json: JSONValue) throws(ControlError) {
        let fields = try JSONFields(json, context: "cluster", code: .invalidReply)
        let shape = try fields.required("shape", "a number or null"), output = try fields.required("output", "an integer or null")
        guard shape == .null || shape.doubleValue != nil else { throw fields.failure("shape", "a number or null", got: shape) }
        guard output == .null || output.intValue != nil else { throw fields.failure("output", "an integer or null", got: output) }
        self.init(delaysSamples: try fields.doubles("delays_samples"), levelsDB: try fields.doubles("levels_db"),
                  weight: try fields.double("weight"), shape: shape.doubleValue, output: output.intValue)
    }

    /// The `clusters` member of a reply: an array of clusters.
    static func array(_ fields: JSONFields, _ key: String) throws(ControlError) -> [ClusterReport] {
        var clusters: [ClusterReport] = []
        for element in try fields.array(key) { clusters.append(try ClusterReport(json: element)) }
        return clusters
    }
}
