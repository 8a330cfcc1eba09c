import AudioIO
import Glibc
import RealtimeSupport
import Synchronization
import SystemCalls

/// The audio loops: capture, processing, playback, and with the FIR stage the learning thread. Rules (docs/realtime.md): after its first
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
        var captured = 0, overrun = 0, xruns = 0, nonFinite = 0
        var counter = ThreadAllocations()
        while controlState == .run, captured < limit {
            let frames = min(period, limit - captured)
            let stall = stallRequest.exchange(0, ordering: .relaxed)
            if stall > 0 {
                events.post(.stallInjected, count: stall, total: stall, from: .capture)
                var pause = timespec(tv_sec: stall / 1000, tv_nsec: (stall % 1000) * 1_000_000)
                var remaining = timespec()
                _ = Errno.resultRetryingOnInterrupt {
                    let result = nanosleep(&pause, &remaining)
                    pause = remaining  // an interrupted sleep goes on with what is left of it
                    return result
                }
            }
            do {
                _ = try pcm.readFrames(into: captureBuffer, frames: frames)
            } catch {
                fail(error, state: status.captureState)
                break
            }
            captured += frames
            // A float device can deliver NaN/Inf. Replaced here, where every path to the speaker
            // starts (the engine, the bypass and the reference-mic fallback), not in one of them.
            let replaced = Self.replaceNonFinite(captureBuffer, count: frames * M)
            if replaced > 0 {
                nonFinite += replaced
                events.post(.nonFiniteInput, count: replaced, total: nonFinite, from: .capture)
            }
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
            } else if pushed < frames {
                // The consumer owns the oldest frames, so the producer drops the newest.
                overrun += frames - pushed
                events.post(.captureOverrun, count: frames - pushed, total: overrun, from: .capture)
            }
            inputReady.ring()
            if pcm.xruns != xruns {
                xruns = pcm.xruns
                events.post(.captureXrun, count: 1, total: xruns, from: .capture)
            }
            status.capturedFrames.store(captured, ordering: .relaxed)
            status.nonFiniteInputSamples.store(nonFinite, ordering: .relaxed)
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
        let M = configuration.captureChannels
        let P = configuration.resolvedPlaybackChannels
        let freewheel = configuration.pacing == .freewheel
        let learnsSeparately = separator.learnsSeparately
        var processed = 0, dropped = 0, longest = 0, skipped = 0
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
            let elapsed: Int
            if learnsSeparately {
                // The FIR stage renders the period at once; the estimator learns from it on its
                // own thread, which also takes the engine commands.
                elapsed = ThreadCPUClock.measure { separator.render(block: engineInput, into: engineOutput) }
                var pushed = learnRing.push(engineInput, count: hop)
                if freewheel {
                    while pushed < hop, controlState != .abort {
                        learnReady.ring()
                        learnSpace.wait(milliseconds: Self.waitMilliseconds)
                        pushed += learnRing.push(engineInput + pushed * M, count: hop - pushed)
                    }
                } else if pushed < hop {
                    skipped += hop - pushed
                    status.learnerSkippedFrames.store(skipped, ordering: .relaxed)
                }
                learnReady.ring()
            } else {
                commands.receive(into: separator)
                elapsed = ThreadCPUClock.measure { separator.process(input: engineInput, output: engineOutput) }
            }
            renderer.render(input: engineInput, separated: engineOutput, into: renderedOutput, settings: output)
            status.blockTimes.record(nanoseconds: elapsed)
            PipelineStatus.publishLevels(engineOutput, frames: hop, channels: K, into: status.sourceLevels)
            PipelineStatus.publishLevels(engineInput, frames: hop, channels: M, into: status.inputLevels)
            var pushed = outputRing.push(renderedOutput, count: hop)
            if freewheel {
                while pushed < hop, controlState != .abort {
                    outputSpace.wait(milliseconds: Self.waitMilliseconds)
                    pushed += outputRing.push(renderedOutput + pushed * P, count: hop - pushed)
                }
            } else if pushed < hop {
                dropped += hop - pushed
                events.post(.outputOverrun, count: hop - pushed, total: dropped, from: .processing)
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
        learnReady.ring()
    }

    // MARK: - Learning (FIR stage)

    /// The estimator, a hop at a time, behind the processing thread's rendering: it learns the
    /// filters the FIR stage renders, and applies the control plane's engine commands between hops.
    func learningLoop() {
        let hop = configuration.engine.hop
        let freewheel = configuration.pacing == .freewheel
        var longest = 0
        var counter = ThreadAllocations()
        while controlState != .abort {
            guard learnRing.availableToRead >= hop else {
                if processingDone.load(ordering: .acquiring) {
                    if learnRing.availableToRead >= hop { continue }
                    break
                }
                learnReady.wait(milliseconds: Self.waitMilliseconds)
                continue
            }
            learnRing.pop(into: learnInput, count: hop)
            if freewheel { learnSpace.ring() }
            commands.receive(into: separator)
            let elapsed = ThreadCPUClock.measure { separator.learn(hop: learnInput) }
            longest = max(longest, elapsed)
            status.maxLearnNanoseconds.store(longest, ordering: .relaxed)
            counter.step(publishingTo: status.learnerAllocations)
        }
        counter.finish()
    }

    // MARK: - Playback

    func playbackLoop(_ pcm: ALSAPCM) {
        let period = playbackParameters.periodFrames
        let P = configuration.resolvedPlaybackChannels
        let freewheel = configuration.pacing == .freewheel
        let bypass = configuration.lateFallback == .bypass
        var played = 0, late = 0, resync = 0, xruns = 0
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
                    // The write below starts the device (its start threshold is the prefill and
                    // one period): from here the two clocks are that many captured frames apart.
                    status.capturedAtPlaybackStart.store(status.capturedFrames.load(ordering: .relaxed), ordering: .relaxed)
                } else {
                    outputReady.wait(milliseconds: Self.waitMilliseconds)
                    continue
                }
            }
            if available >= period {
                // Only what exceeds a hop and a period is surplus latency. Frames capture lost in
                // an overrun already took back what the fallback added; the ring running short
                // before each hop is normal, so cutting into it would only make the next one late.
                let keep = hop + period
                if debt > 0, available > keep {
                    let discarded = outputRing.discard(count: min(debt, available - keep))
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
            } else if ((try? pcm.delay) ?? 0) >= period {
                // Not late yet: the device still holds a period, time for the next hop to land.
                // (A hop is several periods, so the ring runs short before every hop by design.)
                outputReady.wait(milliseconds: 1)
                continue
            } else {
                // Late: what there is, then the fallback.
                outputRing.pop(into: playbackBuffer, count: available)
                played += available
                fillFallback(from: available, to: period, channels: P, bypass: bypass)
                late += 1
                debt += period - available
                events.post(.lateBlock, count: period - available, total: late, from: .playback)
            }
            // The input is finite and so is the engine's output; this makes it certain for the
            // listener's ears whatever an engine, a gain or a future output stage computes.
            Self.replaceNonFinite(playbackBuffer, count: frames * P)
            do {
                _ = try pcm.writeFrames(playbackBuffer, frames: frames)
            } catch {
                fail(error, state: status.playbackState)
                break
            }
            if freewheel { outputSpace.ring() }
            if pcm.xruns != xruns {
                xruns = pcm.xruns
                events.post(.playbackXrun, count: 1, total: xruns, from: .playback)
            }
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

    /// Replaces NaN and ±Inf by silence; returns how many it replaced. Allocation-free.
    @discardableResult
    static func replaceNonFinite(_ samples: UnsafeMutablePointer<Float>, count: Int) -> Int {
        var replaced = 0
        for i in 0..<count where !samples[i].isFinite {
            samples[i] = 0
            replaced += 1
        }
        return replaced
    }

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
