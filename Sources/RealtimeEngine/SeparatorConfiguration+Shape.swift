/// The fields that size an engine's buffers, and so cannot change while it runs: its shape.
/// Everything else is a live parameter (`OnlineSeparator.apply`).
extension SeparatorConfiguration {
    /// Calls `body` with the key (as `validate()` names it) of each shape field in which `other`
    /// differs. Each field is listed here once. Plain comparisons, not a table of stored closures:
    /// calling those allocated (debug builds), and `apply` runs on the processing thread.
    private func forEachShapeDifference(from other: Self, _ body: (String) -> Void) {
        if family != other.family { body("family") }
        if channels != other.channels { body("channels") }
        if sources != other.sources { body("sources") }
        if frameLength != other.frameLength { body("frame") }
        if hop != other.hop { body("hop") }
        if history != other.history { body("history") }
        if nmfBases != other.nmfBases { body("bases") }
        if groups != other.groups { body("groups") }
        if clusters != other.clusters { body("clusters") }
        if clusterBases != other.clusterBases { body("nmf_bases") }
    }

    /// Keys of the shape fields in which `other` differs from this configuration.
    func shapeKeys(differingFrom other: Self) -> [String] {
        var keys: [String] = []
        forEachShapeDifference(from: other) { keys.append($0) }
        return keys
    }

    /// The same test without building a list, for the processing thread.
    func hasSameShape(as other: Self) -> Bool {
        var same = true
        forEachShapeDifference(from: other) { _ in same = false }
        return same
    }

    /// "4 microphones × 4 sources, frame 4096, hop 1024, history 16, 2 NMF bases": the shape as
    /// an operator reads it in an error message.
    var shapeDescription: String {
        "\(channels) microphones × \(sources) sources, frame \(frameLength), hop \(hop), "
            + "history \(history), \(nmfBases) NMF bases"
    }
}
