/// Scales a sample by `fullScale` (2^(bits−1)), rounds to nearest-even and clips to the integer
/// range, counting clipped samples; NaN becomes 0 and counts as clipped.
///
/// One definition for every integer sink (WAV files, ALSA devices), so a sample written to a file
/// and the same sample played to a device are the same integer. Values on the integer grid come
/// back unchanged from `WAVReader`, which divides by the same power of two. Computed in Double so
/// that every 32-bit step is representable.
@inline(__always)
func quantize(_ sample: Double, fullScale: Double, clipped: inout Int) -> Int {
    let scaled = (sample * fullScale).rounded(.toNearestOrEven)
    if scaled >= fullScale {
        clipped += 1
        return Int(fullScale) - 1
    }
    if scaled >= -fullScale { return Int(scaled) }
    clipped += 1
    return scaled.isNaN ? 0 : -Int(fullScale)
}
