import EngineParameters
@testable import RealtimeEngine
import Testing

/// The engine gives each source the model its configuration names (`sourceModel(k)`), from the
/// structures its registry holds.
@Suite("Per-source models")
struct PerSourceModelTests {
    static func configuration() -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration.quick(channels: 2)
        configuration.forgetting = 0.8
        return configuration
    }

    static func output(_ configuration: SeparatorConfiguration, structures: SourceStructureRegistry<Float> = .builtIn) throws -> [Float] {
        let engine = try OnlineSeparator<Float>(configuration: configuration, family: .iva, stage: OutputStageSettings(),
                                                structures: structures, observationInterval: nil)
        return TestStream<Float>(channels: 2, hop: configuration.hop, hops: 60).process(engine, hops: 0..<60)
    }

    @Test("An override that repeats the default changes nothing; one that departs runs that source's own model")
    func overridesReachTheEngine() throws {
        let plain = Self.configuration()
        var same = plain
        same.overrides[1] = .init(structure: plain.structure, density: plain.density)
        let plainOutput = try Self.output(plain)
        #expect(try Self.output(same) == plainOutput)

        var mixed = plain
        mixed.overrides[1] = .init(structure: .lowRank, density: .gaussian)
        var allLowRank = plain
        allLowRank.structure = .lowRank
        allLowRank.density = .gaussian
        let mixedOutput = try Self.output(mixed), lowRankOutput = try Self.output(allLowRank)
        #expect(mixedOutput != plainOutput)
        #expect(mixedOutput != lowRankOutput)
        #expect(mixedOutput.allSatisfy { $0.isFinite })
    }

    @Test("A structure the engine has not registered is refused, naming the ones it has")
    func unregisteredStructure() throws {
        var configuration = Self.configuration()
        configuration.overrides[0] = .init(structure: .flat)
        do {
            _ = try OnlineSeparator<Float>(configuration: configuration)
            Issue.record("an engine took a structure it does not have")
        } catch {
            #expect(error.key == "structure" && error.value == "flat" && error.allowed == "spherical, lowrank, sparse, group-sparse, harmonic, pnp, auto", "\(error)")
        }
        // With the tests' registry the same configuration runs.
        #expect(try Self.output(configuration, structures: .testing).allSatisfy { $0.isFinite })
    }
}
