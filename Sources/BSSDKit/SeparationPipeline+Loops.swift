import AudioIO
import Glibc
import RealtimeSupport
import Synchronization

/// The three audio loops. Rules (the design notes' "Real-time practice"): after its first
/// period or block (the warm-up) a loop allocates nothing, takes no lock, prints nothing, and
/// waits only on its own PCM or, where allowed, on a ring's doorbell. Each counts its own
/// allocations (`AllocationCounter.begin()` after the warm-up) and publishes them with its other
/// counters after every period or block.
extension SeparationPipeline {
    /// Doorbell waits are bounded so that a loop re-checks `control` even if a ring is missed.
    private static let waitMilliseconds = 20

    private var controlState: Control {
        Control(rawValue: control.load(ordering: .acquiring)) ?? .abort
    }

    // MARK: - Capture

    func captureLoop(_ pcm: ALSAPCM) {
        let period = captureParameters.periodFrames
        let M = configuration.captureChannels
        let reference = configuration.engine.referenceMic
        let limit = configuration.frameLimit ?? .max
        let freewheel = configuration.pacing == .freewheel
        let bypass = configuration.lateFallback == .bypass
        var captured = 0, overrun = 0
        var counter = ThreadAllocations()
        while controlState == .run, captured < limit {
            let frames = min(period, limit - captured)
            do {
                _ = try pcm.readFrames(into: captureBuffer, frames: frames)
            } catch {
                fail(error, state: status.captureState)
                break
            }
            captured += frames
            if bypass {
                for i in 0..<frames { bypassScratch[i] = captureBuffer[i * M + reference] }
                bypassRing.push(bypassScratch, count: frames)  // full: the freshest frames are lost, fine for a fallback
            }
            var pushed = inputRing.push(captureBuffer, count: frames)
            if freewheel {
                while pushed < frames, controlState == .run {
                    inputSpace.wait(milliseconds: Self.waitMilliseconds)
                    pushed += inputRing.push(captureBuffer + pushed * M, count: frames - pushed)
                }
            } else {
                // The consumer owns the oldest frames, so the producer drops the newest.
                overrun += frames - pushed
            }
            inputReady.ring()
            status.capturedFrames.store(captured, ordering: .relaxed)
            status.captureOverrunFrames.store(overrun, ordering: .relaxed)
            status.captureXruns.store(pcm.xruns, ordering: .relaxed)
            counter.step(publishingTo: status.captureAllocations)
        }
        counter.finish()
        captureDone.store(true, ordering: .releasing)
        inputReady.ring()
        // The PCM closes when the thread releases it.
    }

    // MARK: - Processing

    func processingLoop() {
        let hop = self.hop
        let K = configuration.engine.sources
        let P = configuration.resolvedPlaybackChannels
        let freewheel = configuration.pacing == .freewheel
        let output = P == K ? engineOutput : mappedOutput
        var processed = 0, dropped = 0, longest = 0
        var counter = ThreadAllocations()
        while controlState != .abort {
            guard inputRing.availableToRead >= hop else {
                // The flag before the second look: frames pushed before it was set are seen.
                if captureDone.load(ordering: .acquiring) {
                    if inputRing.availableToRead >= hop { continue }
                    break  // a partial last hop is left unprocessed
                }
                inputReady.wait(milliseconds: Self.waitMilliseconds)
                continue
            }
            inputRing.pop(into: engineInput, count: hop)
            if freewheel { inputSpace.ring() }
            let begin = Self.monotonicNanoseconds()
            separator.process(input: engineInput, output: engineOutput)
            let elapsed = Self.monotonicNanoseconds() - begin
            if P != K {
                for t in 0..<hop {
                    for p in 0..<P { mappedOutput[t * P + p] = p < K ? engineOutput[t * K + p] : 0 }
                }
            }
            var pushed = outputRing.push(output, count: hop)
            if freewheel {
                while pushed < hop, controlState != .abort {
                    outputSpace.wait(milliseconds: Self.waitMilliseconds)
                    pushed += outputRing.push(output + pushed * P, count: hop - pushed)
                }
            } else {
                dropped += hop - pushed
            }
            outputReady.ring()
            processed += hop
            longest = max(longest, elapsed)
            status.processedFrames.store(processed, ordering: .relaxed)
            status.outputOverrunFrames.store(dropped, ordering: .relaxed)
            status.lastBlockNanoseconds.store(elapsed, ordering: .relaxed)
            status.maxBlockNanoseconds.store(longest, ordering: .relaxed)
            counter.step(publishingTo: status.processingAllocations)
        }
        counter.finish()
        processingDone.store(true, ordering: .releasing)
        outputReady.ring()
    }

    // MARK: - Playback

    func playbackLoop(_ pcm: ALSAPCM) {
        let period = playbackParameters.periodFrames
        let P = configuration.resolvedPlaybackChannels
        let freewheel = configuration.pacing == .freewheel
        let bypass = configuration.lateFallback == .bypass
        var played = 0, late = 0, resync = 0
        /// Fallback frames played that the separated stream has not yet caught up on.
        var debt = 0
        var primed = false
        var counter = ThreadAllocations()
        while true {
            let state = controlState
            if state == .abort { break }
            var available = outputRing.availableToRead
            var frames = period
            if !primed {
                // Start the device with the first separated period, not with fallback.
                if available >= period || processingDone.load(ordering: .acquiring) {
                    primed = true
                } else {
                    outputReady.wait(milliseconds: Self.waitMilliseconds)
                    continue
                }
            }
            if available >= period {
                if debt > 0, available > period {
                    let discarded = outputRing.discard(count: min(debt, available - period))
                    debt -= discarded
                    resync += discarded
                }
                outputRing.pop(into: playbackBuffer, count: period)
                played += period
                if bypass {
                    let excess = bypassRing.availableToRead - period
                    if excess > 0 { bypassRing.discard(count: excess) }
                }
            } else if processingDone.load(ordering: .acquiring) {
                available = outputRing.availableToRead  // after the flag: final
                if available >= period { continue }
                if available == 0 { break }
                outputRing.pop(into: playbackBuffer, count: available)
                played += available
                frames = available
            } else if freewheel || state == .stop {
                // Nothing is late when nothing is paced, nor while stopping.
                outputReady.wait(milliseconds: Self.waitMilliseconds)
                continue
            } else {
                // Late: what there is, then the fallback.
                outputRing.pop(into: playbackBuffer, count: available)
                played += available
                fillFallback(from: available, to: period, channels: P, bypass: bypass)
                late += 1
                debt += period - available
            }
            do {
                _ = try pcm.writeFrames(playbackBuffer, frames: frames)
            } catch {
                fail(error, state: status.playbackState)
                break
            }
            if freewheel { outputSpace.ring() }
            status.playedFrames.store(played, ordering: .relaxed)
            status.lateBlocks.store(late, ordering: .relaxed)
            status.resyncFrames.store(resync, ordering: .relaxed)
            status.playbackXruns.store(pcm.xruns, ordering: .relaxed)
            counter.step(publishingTo: status.playbackAllocations)
        }
        counter.finish()
        if controlState != .abort {
            // Plays out what is queued; the device is healthy here (a failed write aborted).
            do { try pcm.drain() } catch { fail(error, state: status.playbackState) }
        }
        status.playbackXruns.store(pcm.xruns, ordering: .relaxed)
    }

    /// Frames `from..<to` of `playbackBuffer`: silence, or the latest reference-mic frames.
    private func fillFallback(from start: Int, to end: Int, channels P: Int, bypass: Bool) {
        var filled = start
        if bypass {
            let excess = bypassRing.availableToRead - (end - start)
            if excess > 0 { bypassRing.discard(count: excess) }
            let got = bypassRing.pop(into: bypassBuffer, count: end - start)
            for t in 0..<got {
                for p in 0..<P { playbackBuffer[(start + t) * P + p] = bypassBuffer[t] }
            }
            filled += got
        }
        if filled < end { (playbackBuffer + filled * P).update(repeating: 0, count: (end - filled) * P) }
    }

    // MARK: - Shared

    /// Records the error that ends a thread and aborts the pipeline. The error's text was allocated
    /// by the throw; this is the thread's last act, so the lock and the append are acceptable.
    private func fail(_ error: ALSAError, state: borrowing Atomic<UInt8>) {
        let value: AudioThreadState = switch error {
        case .deviceLost: .deviceLost
        case .stalled: .stalled
        default: .failed
        }
        state.store(value.rawValue, ordering: .relaxed)
        status.errors.withLock { $0.append(error) }
        abort()
    }

    static func monotonicNanoseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000_000 + now.tv_nsec
    }
}

/// One audio thread's allocation count: not counted during the first step (the warm-up), then
/// counted and published after every step.
private struct ThreadAllocations {
    private var counting = false
    private var baseline = 0

    mutating func step(publishingTo published: borrowing Atomic<Int>) {
        if counting {
            published.store(AllocationCounter.current - baseline, ordering: .relaxed)
        } else {
            AllocationCounter.begin()
            baseline = AllocationCounter.current
            counting = true
        }
    }

    mutating func finish() {
        if counting { AllocationCounter.end() }
        counting = false
    }
}
