import EngineParameters
import RealtimeEngine
import Testing

/// A source model is a structure × a density, per source: the configuration's pair unless a
/// source has its own, checked by `validate()` and live like the pair itself.
@Suite("Source models per source")
struct SourceModelOverridesTests {
    @Test("sourceModel(k) is the source's own half where it has one, the configuration's otherwise")
    func sourceModel() {
        var configuration = SeparatorConfiguration(channels: 3)
        configuration.structure = .lowRank
        configuration.overrides[1].structure = .spherical
        configuration.overrides[2].density = .gaussian
        #expect(configuration.sourceModel(0) == SourceModelSpec(structure: .lowRank, density: .studentT(nu: 50)))
        #expect(configuration.sourceModel(1) == SourceModelSpec(structure: .spherical, density: .studentT(nu: 50)))
        #expect(configuration.sourceModel(2).description == "lowrank/gauss")
        #expect(configuration.overrides.sources == [1, 2] && !configuration.overrides.isEmpty)
        #expect(SourceModelOverrides().isEmpty && SourceModelOverrides().sources.isEmpty)
    }

    @Test("overrides take part in equality, and keep the configuration plain data")
    func equality() {
        let plain = SeparatorConfiguration(channels: 2)
        var changed = plain
        changed.overrides[0].density = .laplace
        #expect(plain != changed)
        changed.overrides[0].density = nil
        #expect(plain == changed)
        #expect(_isPOD(SourceModelOverrides.self) && _isPOD(SourceModelSpec.self))
    }

    @Test("validate() refuses an override for a source that does not exist, or a density out of bounds")
    func validation() throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.overrides[1].density = .studentT(nu: 5)
        try configuration.validate()
        configuration.overrides[2].structure = .lowRank
        #expect(throws: SeparatorConfigurationError(key: "source.2", value: "lowrank/t:50", allowed: "a source index from 0 to 1")) {
            try configuration.validate()
        }
        configuration.overrides[2] = SourceModelOverrides.Override()
        configuration.overrides[0].density = .generalizedGaussian(beta: 3)
        #expect(throws: SeparatorConfigurationError(key: "source.0.density", value: "ggd:3", allowed: EngineParameter.density.allowed)) {
            try configuration.validate()
        }
    }

    @Test("a source's own model changes live, like the configuration's")
    func live() throws {
        var configuration = SeparatorConfiguration(channels: 2)
        configuration.frameLength = 512
        configuration.hop = 128
        let separator = try OnlineSeparator<Float>(configuration: configuration)
        #expect(OnlineSeparator<Float>.restartKeys(from: configuration, to: { var c = configuration; c.overrides[1].structure = .lowRank; return c }()).isEmpty)
        configuration.overrides[1].structure = .lowRank
        #expect(separator.apply(configuration))
        #expect(separator.configuration.overrides[1].structure == .lowRank)
    }
}
