/// One parameter of the separation engine, described once: its names in each front end (the
/// control protocol, the config file, the command line), its type, what values it takes and
/// whether a running engine can change it. Validation (`SeparatorConfiguration.validate()`),
/// config-file errors, `bssd` option help, control-protocol refusals and `bssctl` help all read
/// their texts from here, so they cannot drift apart. The channel count is not listed: it is the
/// audio device's, set in `[audio]`.
public enum EngineParameter: String, Sendable, CaseIterable {
    case structure, update, density, frame, hop, alpha, iterations, history, block, bases, groups
    case referenceMic = "reference_mic"
    case loading
    /// The separation family and the clustering family's own parameters.
    case family, mixture
    case maxDelay = "max_delay"
    case maskFloor = "mask_floor"
    case clusters
    case clusterBases = "nmf_bases"

    /// What a value is, as the front ends parse it.
    public enum ValueType: Sendable, Equatable {
        case integer
        case number
        /// One of a fixed list of spellings.
        case choice([String])
        /// A source density spelling: a name, or a name and a plain-decimal shape (`t:50`).
        case density
    }

    /// When a new value takes effect.
    public enum Change: Sendable, Equatable {
        /// Applied to the running engine between two blocks.
        case live
        /// Sizes the engine's buffers: a new value needs a new engine (a restart or reload).
        case restart
    }

    /// The name the control protocol and `validate()` use (`reference_mic`).
    public var name: String { rawValue }

    /// The dotted config-file key (`engine.reference_mic`).
    public var configKey: String { "engine.\(rawValue)" }

    /// The `bssd` option (`--reference-mic`).
    public var flag: String { "--" + rawValue.replacing("_", with: "-") }

    public var valueType: ValueType {
        switch self {
        case .structure: .choice(SourceStructure.allCases.map(\.rawValue))
        case .update: .choice(DemixingUpdateRule.allCases.map(\.rawValue))
        case .density: .density
        case .family: .choice(SeparationFamilyKind.allCases.map(\.rawValue))
        case .mixture: .choice(MixtureModelKind.allCases.map(\.rawValue))
        case .alpha, .loading, .maxDelay, .maskFloor: .number
        case .frame, .hop, .iterations, .history, .block, .bases, .groups, .referenceMic, .clusters, .clusterBases: .integer
        }
    }

    /// Matches the engine: the shape fields are those `SeparatorConfiguration.hasSameShape` compares.
    public var change: Change {
        switch self {
        case .frame, .hop, .history, .bases, .groups, .family, .clusters, .clusterBases: .restart
        case .structure, .update, .density, .alpha, .iterations, .block, .referenceMic, .loading: .live
        case .mixture, .maxDelay, .maskFloor: .live
        }
    }

    /// What the parameter does, in a phrase, for option help.
    public var summary: String {
        switch self {
        case .structure: "Source model structure: spherical (IVA: one variance per frame over all bins), lowrank (ILRMA: an NMF model of each source's power spectrogram), sparse (a variance per bin), group-sparse (per band of bins), harmonic (a comb on each frame's pitch), pnp (a median-denoised spectrogram) or auto (the engine picks per source)"
        case .update: "Demixing update rule"
        case .density: "Source model density: how heavy-tailed each source is around its variance (laplace is ggd:1, gauss is ggd:2)"
        case .frame: "STFT frame length in samples; longer separates reverberant rooms better but adds latency"
        case .hop: "STFT hop in samples"
        case .alpha: "Forgetting factor per hop; the memory is about hop/(1−α) samples"
        case .iterations: "Sweeps over all sources per update"
        case .history: "Frames of history re-weighted at every update (1 = textbook online recursion)"
        case .block: "Frames between updates (block-online)"
        case .bases: "NMF bases per source (lowrank structure)"
        case .groups: "Bands of bins of the group-sparse structure, log-spaced"
        case .referenceMic: "Microphone whose image of each source the outputs reproduce"
        case .loading: "Diagonal loading of the weighted covariances, relative to their mean diagonal"
        case .family: "Separation family: iva (spatial filters, up to one source per microphone) or clustering (direction clustering and masks, any microphones, more sources than microphones)"
        case .mixture: "Clustering: each direction's mixture model (kmeans, gmm, t: Student's t with ν learnt, ggd: generalised Gaussian with β learnt)"
        case .maxDelay: "Clustering: the largest delay between microphone 0 and any other in samples (spacing / 343 m/s × rate; 10 is 21 cm at 16 kHz)"
        case .maskFloor: "Clustering: the smallest gain a mask gives a bin"
        case .clusters: "Clustering: direction clusters learnt, 0 for one per source; the ones beyond the sources are not output (a noise direction, a further talker)"
        case .clusterBases: "Clustering: NMF bases per output of the NMF stage that refines the masks (0: off)"
        }
    }

    /// What the value may be, in words: the text after "allowed is" in every refusal. Bounds
    /// that depend on another setting (hop on frame, block on history, reference_mic on the
    /// channels) are named here by that setting; `validate()` adds the figures in force.
    public var allowed: String {
        let bounds = EngineBounds.self
        return switch self {
        case .structure: listing(SourceStructure.allCases.map(\.rawValue))
        case .update: "ip (iterative projection) or iss (iterative source steering)"
        case .density:
            "laplace, ggd:BETA (0 < BETA ≤ \(plain(bounds.maximumGGDShape))), "
                + "t:NU (0 < NU ≤ \(plain(bounds.maximumStudentDegrees))), gauss"
        case .frame: "one of \(bounds.frameLengths.map(String.init).joined(separator: ", "))"
        case .hop: listing(bounds.hopDivisors.map { "frame/\($0)" })
        case .alpha: "a forgetting factor strictly between 0 and 1, e.g. 0.97"
        case .iterations: "\(bounds.iterations.lowerBound) to \(bounds.iterations.upperBound) sweeps per update"
        case .history: "\(bounds.history.lowerBound) to \(bounds.history.upperBound) frames"
        case .block: "\(bounds.block.lowerBound) to \(bounds.block.upperBound) frames, and no more than history"
        case .bases: "\(bounds.bases.lowerBound) to \(bounds.bases.upperBound) NMF bases per source"
        case .groups: "\(bounds.groups.lowerBound) to \(bounds.groups.upperBound) bands"
        case .referenceMic: "a microphone index from 0 to channels − 1"
        case .loading: "a relative diagonal loading from \(plain(bounds.loading.lowerBound)) to \(plain(bounds.loading.upperBound))"
        case .family: listing(SeparationFamilyKind.allCases.map(\.rawValue))
        case .mixture: listing(MixtureModelKind.allCases.map(\.rawValue))
        case .maxDelay: "more than 0 and at most \(plain(bounds.maximumDelay)) samples"
        case .maskFloor: "\(plain(bounds.maskFloor.lowerBound)) to \(plain(bounds.maskFloor.upperBound))"
        case .clusters: "0 (one per source), or from the number of sources to \(bounds.maximumClusters)"
        case .clusterBases: "\(bounds.clusterBases.lowerBound) to \(bounds.clusterBases.upperBound) NMF bases per output (0: no NMF stage)"
        }
    }

    /// 2 rather than 2.0 and 1e-9 rather than 1e-09: bounds read as they are written.
    private func plain(_ value: Double) -> String {
        if value == value.rounded() { return String(Int(value)) }
        return String(value).replacing("e-0", with: "e-")
    }

    /// "a, b or c".
    private func listing(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + last
    }
}
