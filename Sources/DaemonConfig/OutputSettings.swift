import Glibc

/// What the playback channels carry: which separated source each one plays, at what gain, and the
/// two overrides an operator reaches for first (mute, bypass). A value: the config file and the
/// control socket build one, the processing thread reads its live copy from atomics
/// (`LiveOutput`) between blocks.
public struct OutputSettings: Sendable, Equatable {
    /// `routes[p]` is the source played on playback channel p, nil for silence; the count is the
    /// number of playback channels P. A hearing aid plays one talker on both ears (`[1, 1]`); an
    /// ASR front end takes every source (`[0, 1, 2, 3]`).
    public var routes: [Int?]
    /// Gain applied to every playback channel, in dB (0 leaves the separated level as it is).
    public var gainDecibels: Double
    /// Silence on every playback channel; the engine keeps adapting, so unmuting is instant.
    public var muted: Bool
    /// The reference microphone on every playback channel instead of the separated sources (to
    /// compare, or when separation misbehaves); the engine keeps adapting.
    public var bypass: Bool

    public init(routes: [Int?], gainDecibels: Double = 0, muted: Bool = false, bypass: Bool = false) {
        self.routes = routes
        self.gainDecibels = gainDecibels
        self.muted = muted
        self.bypass = bypass
    }

    /// Source p on playback channel p, silence on channels beyond the last source.
    public static func identity(sources: Int, playbackChannels: Int) -> OutputSettings {
        OutputSettings(routes: (0..<playbackChannels).map { $0 < sources ? $0 : nil })
    }

    /// The loudest gain accepted: more than this is a configuration mistake, not a wish.
    public static let gainRange: ClosedRange<Double> = -96...24

    /// Linear factor of `gainDecibels`.
    public var linearGain: Double { pow(10, gainDecibels / 20) }

    /// The first problem with these settings for an engine of `sources` outputs, as
    /// (key, value, allowed), or nil.
    public func problem(sources: Int) -> (key: String, value: String, allowed: String)? {
        if routes.isEmpty || routes.count > 64 {
            return ("routing", "\(routes.count) playback channels", "1 to 64 playback channels")
        }
        for route in routes {
            if let route, !(0..<sources).contains(route) {
                return ("routing", "\(route)", "a source index from 0 to \(sources - 1), or \"off\" for silence")
            }
        }
        if !gainDecibels.isFinite || !Self.gainRange.contains(gainDecibels) {
            return ("gain_db", "\(gainDecibels)", "a gain in dB from \(Int(Self.gainRange.lowerBound)) to \(Int(Self.gainRange.upperBound))")
        }
        return nil
    }
}
