@testable import BSSDDaemon
import ControlProtocol
import Foundation
@testable import RealtimeEngine
import Testing

@Suite("Observation report")
struct ObservationReportTests {
    /// A snapshot of 2 outputs × 2 microphones at frame 1024 (513 bins), 16 kHz: output 0 a tone
    /// in one bin, output 1 silent; source 0 reaching microphone 1 `delay` samples after the
    /// reference (a pure delay, a(f) = e^{−j2πf·delay/N}), source 1 with no estimate.
    private func snapshot(delay: Double) -> Observation<Float> {
        let observation = Observation<Float>(sources: 2, channels: 2, bins: 513, masks: false)
        observation.version = 3
        observation.frame = 42
        observation.magnitudes.pointer.update(repeating: 0, count: observation.magnitudes.count)
        observation.magnitudes.pointer[40] = 16  // bin 40 of band 2 (bins 32…47): mean power 16² / 16 = 16 → 12.0 dB
        observation.steeringRe.pointer.update(repeating: 0, count: observation.steeringRe.count)
        observation.steeringIm.pointer.update(repeating: 0, count: observation.steeringIm.count)
        for f in 0..<513 {
            observation.steeringRe.pointer[f] = 1  // source 0, reference microphone
            let phase = -2 * Double.pi * Double(f) * delay / 1024
            observation.steeringRe.pointer[513 + f] = Float(cos(phase))
            observation.steeringIm.pointer[513 + f] = Float(sin(phase))
        }
        return observation
    }

    @Test("band levels are mean power in dB; a pure delay reads back with its sign; no estimate is null", arguments: [2.5, -3.25, 0.4])
    func reduction(delay: Double) throws {
        let report = ObservationReport(snapshot(delay: delay), sampleRate: 16000, frameLength: 1024, referenceMic: 0)
        #expect(report.frame == 42 && report.version == 3 && report.bandWidthHz == 250 && !report.masks)
        #expect(report.spectraDB.count == 2 && report.spectraDB.allSatisfy { $0.count == ObservationReport.bands })
        #expect(report.spectraDB[0][2] == 12.0)
        #expect(report.spectraDB[0].enumerated().allSatisfy { $0.offset == 2 || $0.element == -.infinity })
        #expect(report.spectraDB[1].allSatisfy { $0 == -.infinity })
        let measured = try #require(report.delaysSamples[0][1])
        #expect(report.delaysSamples[0][0] == 0 && abs(measured - delay) < 0.011, "\(measured) for \(delay)")
        #expect(report.delaysSamples[1] == [0, nil])
        #expect(report.clusters.isEmpty && report.diffuseWeight == nil)
    }

    /// A clustering engine's snapshot: 2 outputs, 3 clusters; the third feeds no output.
    @Test("clusters are reported rounded, outputs first, the spare one without an output")
    func clusters() {
        let observation = Observation<Float>(sources: 2, channels: 2, bins: 513, masks: true, clusters: 3)
        observation.version = 1
        for (c, (delay, level, weight, shape)) in [(-2.0249, 0.28, 0.2039, 2.5698), (0.004, -0.04, 0.4113, 3.285), (2.0458, 0.0987, 0.1091, nil)].enumerated() {
            observation.setCluster(c, weight: weight, shape: shape)
            observation.setCluster(c, microphone: 1, delaySamples: delay, levelDB: level)
        }
        observation.setDiffuseWeight(0.2757)
        let report = ObservationReport(observation, sampleRate: 16000, frameLength: 1024, referenceMic: 0)
        #expect(report.clusters == [
            ClusterReport(delaysSamples: [0, -2.02], levelsDB: [0, 0.3], weight: 0.204, shape: 2.57, output: 0),
            ClusterReport(delaysSamples: [0, 0], levelsDB: [0, 0], weight: 0.411, shape: 3.29, output: 1),
            ClusterReport(delaysSamples: [0, 2.05], levelsDB: [0, 0.1], weight: 0.109, shape: nil, output: nil),
        ])
        #expect(report.diffuseWeight == 0.276)
    }
}
