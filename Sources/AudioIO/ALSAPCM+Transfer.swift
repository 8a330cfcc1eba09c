import CALSA
import Glibc

extension ALSAPCM {
    /// Capture: reads exactly `frames` interleaved frames into `buffer` (`frames × channels`
    /// samples), converted to `Float`: integer formats to [-1, 1), float passed through. Waits
    /// for the device as needed, up to `stallTimeoutMilliseconds` at a time.
    ///
    /// An overrun or suspend is recovered (`snd_pcm_recover`), counted, and reading goes on: the
    /// frames the device dropped are missing from the stream, which continues without a marker
    /// (compare `xruns` before and after to notice). Returns `frames`.
    ///
    /// Throws `.deviceLost` or `.stalled` when the device must be reopened, `.ioFailed` otherwise.
    public func readFrames(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(ALSAError) -> Int {
        precondition(configuration.direction == .capture, "readFrames on playback device '\(configuration.device)'")
        let channels = negotiated.channels
        let native = negotiated.format == .float32
        var done = 0
        while done < frames {
            let wanted = native ? frames - done : min(frames - done, scratchFrames)
            let target = native ? UnsafeMutableRawPointer(buffer + done * channels) : scratch
            let result = snd_pcm_readi(handle, target, snd_pcm_uframes_t(wanted))
            if result > 0 {
                if !native { decode(count: result * channels, into: buffer + done * channels) }
                done += result
            } else if result == 0 || result == -Int(EAGAIN) {
                try waitForDevice()
            } else {
                try recover(from: Int32(truncatingIfNeeded: result), operation: "snd_pcm_readi")
            }
        }
        return done
    }

    /// Playback: writes exactly `frames` interleaved frames from `samples`, converted to the
    /// device format: integer formats rounded to nearest with clipping (counted in
    /// `clippedSamples`), float passed through. Waits for space as needed, up to
    /// `stallTimeoutMilliseconds` at a time.
    ///
    /// Each run of the device begins with the prefill silence (see `ALSAPCMConfiguration`), which
    /// this method queues before the caller's frames. An underrun or suspend is recovered
    /// (`snd_pcm_recover`), counted, the prefill is queued again, and writing goes on with the
    /// frames not yet written, so latency after the restart equals latency after the first start.
    /// Returns `frames`.
    ///
    /// Throws `.deviceLost` or `.stalled` when the device must be reopened, `.ioFailed` otherwise.
    public func writeFrames(_ samples: UnsafePointer<Float>, frames: Int) throws(ALSAError) -> Int {
        precondition(configuration.direction == .playback, "writeFrames on capture device '\(configuration.device)'")
        let channels = negotiated.channels
        let bytesPerFrame = negotiated.bytesPerFrame
        let native = negotiated.format == .float32
        var done = 0
        while done < frames {
            let chunk = native ? frames - done : min(frames - done, scratchFrames)
            let source: UnsafeRawPointer
            if native {
                source = UnsafeRawPointer(samples + done * channels)
            } else {
                encode(samples + done * channels, count: chunk * channels)
                source = UnsafeRawPointer(scratch)
            }
            var written = 0
            while written < chunk {
                if pendingSilenceFrames > 0 {
                    try writePendingSilence()
                    continue
                }
                let result = snd_pcm_writei(handle, source + written * bytesPerFrame, snd_pcm_uframes_t(chunk - written))
                if result > 0 {
                    written += result
                } else if result == 0 || result == -Int(EAGAIN) {
                    try waitForDevice()
                } else {
                    try recover(from: Int32(truncatingIfNeeded: result), operation: "snd_pcm_writei")
                }
            }
            done += chunk
        }
        return done
    }

    /// Queues up to a period of the pending prefill silence, or waits for space.
    func writePendingSilence() throws(ALSAError) {
        let count = min(pendingSilenceFrames, negotiated.periodFrames)
        let result = snd_pcm_writei(handle, silence, snd_pcm_uframes_t(count))
        if result > 0 {
            pendingSilenceFrames -= result
        } else if result == 0 || result == -Int(EAGAIN) {
            try waitForDevice()
        } else {
            try recover(from: Int32(truncatingIfNeeded: result), operation: "snd_pcm_writei")
        }
    }

    /// `snd_pcm_wait` until a period can be transferred (avail_min), at most the stall timeout.
    private func waitForDevice() throws(ALSAError) {
        let result = snd_pcm_wait(handle, Int32(configuration.stallTimeoutMilliseconds))
        if result > 0 { return }
        if result == 0 {
            throw .stalled(
                device: configuration.device,
                direction: configuration.direction,
                milliseconds: configuration.stallTimeoutMilliseconds
            )
        }
        try recover(from: result, operation: "snd_pcm_wait")
    }

    /// Handles a negative code from a transfer or wait: returns to retry, or throws.
    /// - `-EINTR`, `-EAGAIN`: retried.
    /// - `-EPIPE` (xrun), `-ESTRPIPE` (suspend): `snd_pcm_recover(silent)`, counted; playback
    ///   queues its prefill again.
    /// - `-EBADFD` in the SETUP state: the owner dropped or drained the device; prepared again.
    /// - anything else: thrown (`failure` tells a lost device from other errors).
    private func recover(from code: Int32, operation: String) throws(ALSAError) {
        switch -code {
        case EINTR, EAGAIN:
            return
        case EPIPE, ESTRPIPE:
            if code == -EPIPE { xruns += 1 } else { suspends += 1 }
            let result = snd_pcm_recover(handle, code, 1)
            if result < 0 { throw failure(result, operation: "snd_pcm_recover") }
            pendingSilenceFrames = negotiated.prefillFrames
        case EBADFD where snd_pcm_state(handle) == SND_PCM_STATE_SETUP:
            try prepare()
        default:
            throw failure(code, operation: operation)
        }
    }

    // MARK: - Conversion

    /// Device samples in `scratch` to `Float`.
    private func decode(count: Int, into output: UnsafeMutablePointer<Float>) {
        switch negotiated.format {
        case .s16:
            let input = scratch.assumingMemoryBound(to: Int16.self)
            let scale: Float = 0x1p-15
            for i in 0 ..< count {
                output[i] = Float(input[i]) * scale
            }
        case .s32:
            // Float holds 24 significant bits: dropping the low 8 converts exactly and keeps
            // Int32.max below 1 (rounding would give exactly 1.0).
            let input = scratch.assumingMemoryBound(to: Int32.self)
            let scale: Float = 0x1p-23
            for i in 0 ..< count {
                output[i] = Float(input[i] >> 8) * scale
            }
        case .float32:
            output.update(from: scratch.assumingMemoryBound(to: Float.self), count: count)
        }
    }

    /// `Float` to device samples in `scratch`, quantised exactly as `WAVWriter` does (`quantize`).
    private func encode(_ input: UnsafePointer<Float>, count: Int) {
        var clipped = 0
        switch negotiated.format {
        case .s16:
            let output = scratch.assumingMemoryBound(to: Int16.self)
            for i in 0 ..< count {
                output[i] = Int16(truncatingIfNeeded: quantize(Double(input[i]), fullScale: 32768, clipped: &clipped))
            }
        case .s32:
            let output = scratch.assumingMemoryBound(to: Int32.self)
            for i in 0 ..< count {
                output[i] = Int32(truncatingIfNeeded: quantize(Double(input[i]), fullScale: 2_147_483_648, clipped: &clipped))
            }
        case .float32:
            scratch.assumingMemoryBound(to: Float.self).update(from: input, count: count)
        }
        clippedSamples += clipped
    }
}
