@testable import DaemonConfig
import EngineParameters
import RealtimeEngine
import Testing

/// The clustering family through the config file: its keys land in the engine's configuration,
/// more sources than microphones are accepted with it (and only with it), from any microphones, and
/// a value out of range is refused naming its key.
@Suite("Clustering in the config file")
struct ClusteringConfigTests {
    @Test("family, mixture, max_delay and mask_floor reach the engine, with 3 sources from 2 microphones")
    func keysLand() throws {
        let configuration = try ConfigFileTests.parse(
            "[engine]\nfamily = \"clustering\"\nsources = 3\nmixture = \"t\"\nmax_delay = 4.5\nmask_floor = 0.1\n")
        let engine = configuration.engine
        #expect(engine.family == .clustering && engine.sources == 3 && engine.channels == 2)
        #expect(engine.mixture == .studentT && engine.maxDelay == 4.5 && engine.maskFloor == 0.1)
        #expect(configuration.resolvedPlaybackChannels == 3)
        #expect(configuration.summary.contains("clustering/t"))
    }

    @Test("more sources than microphones needs the clustering family")
    func sourcesNeedTheFamily() {
        #expect(ConfigFileTests.reason("[engine]\nsources = 3\n")
            == .invalid(key: "engine.sources", value: "3", allowed: "2 to 2 (at most one per microphone)"))
    }

    @Test("a clustering engine takes any microphones and 2 to 8 sources, and its NMF bases and clusters")
    func anyMicrophones() {
        #expect(ConfigFileTests.reason("[audio]\nchannels = 4\n[engine]\nfamily = \"clustering\"\nsources = 6\nclusters = 7\nnmf_bases = 0\n") == nil)
        #expect(ConfigFileTests.reason("[audio]\nchannels = 4\n[engine]\nfamily = \"clustering\"\nsources = 9\n")
            == .invalid(key: "engine.sources", value: "9", allowed: "2 to 8 with family = clustering"))
        #expect(ConfigFileTests.reason("[engine]\nfamily = \"clustering\"\nsources = 4\nclusters = 3\n")
            == .invalid(key: "engine.clusters", value: "3", allowed: EngineParameter.clusters.allowed + " (sources 4)"))
    }
}
