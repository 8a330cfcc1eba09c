import RealtimeEngine

/// What the keys of a config file have set so far. Keys arrive in no useful order, and a few
/// settings depend on others (hop on frame, history and the identity routing on the channel counts,
/// alpha on the family), so
/// those are kept apart here and resolved once every key is in (`configuration()`).
struct ConfigFileDraft {
    var daemon = DaemonConfigurationFile.defaults
    /// `engine.sources`; nil is one per microphone of whatever `audio.channels` the file chose.
    var sources: Int?
    /// `engine.hop`; nil is frame/4 of whatever frame the file chose.
    var hop: Int?
    /// `engine.history`; nil is the default for whatever `audio.channels` the file chose.
    var history: Int?
    /// `engine.alpha`; nil is the default for whatever `engine.family` the file chose.
    var forgetting: Double?
    /// `output.routing`; nil is source p on playback channel p.
    var routes: [Int?]?
    var gainDecibels = 0.0
    var muted = false
    var bypass = false
    /// What the file says that bssd accepts but the operator should change (a deprecated key),
    /// without the file's name.
    var warnings: [String] = []
    /// Where relative paths in the file point from: the file's own directory.
    let directory: String

    init(directory: String) {
        self.directory = directory
    }

    /// The configuration the file describes. Output settings that change nothing (identity
    /// routing, 0 dB, neither muted nor bypassed) stay nil, as without a file.
    func configuration() -> DaemonConfiguration {
        var configuration = daemon
        configuration.engine.hop = hop ?? configuration.engine.frameLength / 4
        configuration.engine.history = history ?? SeparatorConfiguration.defaultHistory(channels: configuration.engine.channels)
        configuration.engine.sources = sources ?? configuration.engine.channels
        configuration.engine.forgetting = forgetting ?? SeparatorConfiguration.defaultForgetting(family: configuration.engine.family)
        let identity = OutputSettings.identity(
            sources: configuration.engine.sources,
            playbackChannels: configuration.playbackChannels ?? configuration.engine.sources)
        let output = OutputSettings(
            routes: routes ?? identity.routes, gainDecibels: gainDecibels, muted: muted, bypass: bypass)
        configuration.output = output == identity ? nil : output
        configuration.warnings = warnings
        return configuration
    }
}
