import RealtimeEngine

extension SeparatorConfiguration {
    /// Small and cheap for tests that run many engines: frame 256, hop 64, two history frames, one
    /// sweep per update. A debug build on a loaded machine runs about a hundred such hops a second.
    static func quick(channels: Int = 2) -> SeparatorConfiguration {
        var configuration = SeparatorConfiguration(channels: channels)
        configuration.frameLength = 256
        configuration.hop = 64
        configuration.history = 2
        configuration.iterations = 1
        return configuration
    }
}
