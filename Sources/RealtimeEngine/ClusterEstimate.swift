/// What a clustering family has learnt of one direction cluster, as an observation shows it: where
/// its sound comes from (its delay and level at each microphone against microphone 0), how many of
/// the points it takes, and how heavy-tailed their scatter is.
public struct ClusterEstimate: Sendable, Equatable {
    /// Per microphone, samples by which the cluster's sound reaches it after microphone 0
    /// (negative: before); 0 for microphone 0.
    public var delaysSamples: [Double]
    /// Per microphone, its level against microphone 0, dB; 0 for microphone 0.
    public var levelsDB: [Double]
    /// The cluster's mixture weight: its share of the weighted points, 0 to 1.
    public var weight: Double
    /// The learnt shape: Student's t degrees of freedom ν or the generalised Gaussian's β; nil for
    /// k-means and the Gaussian mixture, which have none.
    public var shape: Double?

    public init(delaysSamples: [Double], levelsDB: [Double], weight: Double, shape: Double?) {
        self.delaysSamples = delaysSamples
        self.levelsDB = levelsDB
        self.weight = weight
        self.shape = shape
    }
}
