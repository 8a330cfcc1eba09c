@testable import DaemonConfig
import EngineParameters
import RealtimeEngine
import Testing

/// The clustering family through the config file: its keys land in the engine's configuration,
/// more sources than microphones are accepted with it (and only with it), and a clustering engine
/// asked of more than two microphones is refused naming the key to change.
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

    @Test("a clustering engine takes one microphone pair")
    func onePair() {
        #expect(ConfigFileTests.reason("[audio]\nchannels = 4\n[engine]\nfamily = \"clustering\"\nsources = 3\n")
            == .invalid(key: "audio.channels", value: "4", allowed: "2 with family = clustering (one microphone pair)"))
    }
}
