import ControlProtocol
import Glibc
import RealtimeEngine

/// The reduction of an engine snapshot (`Observation`, K×F magnitudes, K×M×F steering vectors) to
/// what `observe` sends: a few bands per output and a delay per source and microphone.
extension ObservationReport {
    /// Steering phases are read below this frequency: above it, microphones a few centimetres apart
    /// alias and reverberation dominates the estimate.
    static let delayCeilingHz = 2000.0

    init(_ observation: Observation<Float>, sampleRate: Int, frameLength: Int, referenceMic: Int) {
        let outputs = min(observation.sources, Self.maxOutputs)
        let microphones = min(observation.channels, Self.maxOutputs)
        let spectra = (0..<outputs).map { k in Self.bandLevels(observation, source: k) }
        let lastDelayBin = min(observation.bins - 1, Int(Self.delayCeilingHz * Double(frameLength) / Double(sampleRate)))
        let delays = (0..<outputs).map { k in
            (0..<microphones).map { m in
                m == referenceMic ? 0 : Self.delay(observation, source: k, channel: m, through: lastDelayBin, frameLength: frameLength)
            }
        }
        self.init(
            frame: observation.frame, version: Int(observation.version), bandWidthHz: Double(sampleRate) / 2 / Double(Self.bands),
            spectraDB: spectra, delaysSamples: delays, masks: observation.hasMasks,
            clusters: ClusterReport.all(of: observation), diffuseWeight: observation.diffuseWeight.map { Self.rounded($0, decimals: 3) })
    }

    /// `value` rounded to `decimals` decimal places; + 0 turns a rounded −0 into 0, which reads
    /// better in a reply.
    static func rounded(_ value: Double, decimals: Int) -> Double {
        let scale = pow(10, Double(decimals))
        return (value * scale).rounded() / scale + 0
    }

    /// Mean |y|² over each of `bands` equally wide runs of bins, in dB rounded to 0.1.
    private static func bandLevels(_ observation: Observation<Float>, source k: Int) -> [Double] {
        let bins = observation.bins
        return (0..<bands).map { band in
            let first = min(band * bins / bands, bins - 1)
            let end = max(first + 1, (band + 1) * bins / bands)
            var power = 0.0
            for f in first..<end {
                let magnitude = Double(observation.magnitude(source: k, bin: f))
                power += magnitude * magnitude
            }
            return rounded(10 * log10(power / Double(end - first)), decimals: 1)
        }
    }

    /// The delay τ (samples) of microphone m after the reference for source k. A delay turns the
    /// steering entry into a(f) ≈ e^{−j2πfτ/N}, so the phase step between neighbouring bins is
    /// −2πτ/N: averaged as the angle of Σ â(f+1)·conj(â(f)) over unit-magnitude entries, no phase
    /// is unwrapped, every bin counts once however ill-conditioned its demixing was, and a few
    /// wild bins only shorten the sum. Nil when no two neighbouring bins have an estimate.
    private static func delay(_ observation: Observation<Float>, source k: Int, channel m: Int, through last: Int, frameLength: Int) -> Double? {
        func unit(_ f: Int) -> (re: Double, im: Double)? {
            let (re, im) = observation.steering(source: k, channel: m, bin: f)
            let magnitude = (Double(re) * Double(re) + Double(im) * Double(im)).squareRoot()
            guard magnitude > 0, magnitude.isFinite else { return nil }
            return (Double(re) / magnitude, Double(im) / magnitude)
        }
        var sumRe = 0.0, sumIm = 0.0, pairs = 0
        guard last >= 2 else { return nil }
        var previous = unit(1)  // bin 0 (DC) has no phase to speak of
        for f in 2...last {
            let current = unit(f)
            if let a = previous, let b = current {
                sumRe += b.re * a.re + b.im * a.im
                sumIm += b.im * a.re - b.re * a.im
                pairs += 1
            }
            previous = current
        }
        guard pairs > 0, sumRe != 0 || sumIm != 0 else { return nil }
        let step = atan2(sumIm, sumRe)
        return rounded(-step * Double(frameLength) / (2 * Double.pi), decimals: 2)
    }
}

extension ClusterReport {
    /// The snapshot's direction clusters (at most `ObservationReport.maxOutputs`), rounded as the
    /// reply documents; cluster k < sources feeds output k.
    static func all(of observation: Observation<Float>) -> [ClusterReport] {
        (0..<min(observation.clusterCount, ObservationReport.maxOutputs)).map { c in
            let estimate = observation.cluster(c)
            return ClusterReport(
                delaysSamples: estimate.delaysSamples.prefix(ObservationReport.maxOutputs).map { ObservationReport.rounded($0, decimals: 2) },
                levelsDB: estimate.levelsDB.prefix(ObservationReport.maxOutputs).map { ObservationReport.rounded($0, decimals: 1) },
                weight: ObservationReport.rounded(estimate.weight, decimals: 3),
                shape: estimate.shape.map { ObservationReport.rounded($0, decimals: 2) },
                output: c < observation.sources ? c : nil)
        }
    }
}
