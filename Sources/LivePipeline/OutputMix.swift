/// The processing thread's copy of the output settings, in the form the render loop uses:
/// routes as indices (−1 for silence) in a buffer allocated once, the gain as a linear factor.
struct OutputMix {
    let routes: UnsafeMutablePointer<Int>
    var gain: Float = 1
    var muted = false
    var bypass = false

    init(playbackChannels: Int) {
        routes = .allocate(capacity: playbackChannels)
        routes.initialize(repeating: -1, count: playbackChannels)
    }

    /// Takes `other`'s settings into this mix's own buffers (no allocation).
    mutating func assign(_ other: OutputMix, playbackChannels: Int) {
        routes.update(from: other.routes, count: playbackChannels)
        gain = other.gain
        muted = other.muted
        bypass = other.bypass
    }

    /// Sample `t` of playback channel `p` under this mix.
    @inline(__always)
    func sample(_ t: Int, channel p: Int, separated: UnsafePointer<Float>, sources K: Int, reference: Float) -> Float {
        if muted { return 0 }
        if bypass { return gain * reference }
        let route = routes[p]
        return route < 0 ? 0 : gain * separated[t * K + route]
    }

    func deallocate() { routes.deallocate() }
}
