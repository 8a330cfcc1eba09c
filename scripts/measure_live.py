#!/usr/bin/env python3
"""Signal and analysis halves of scripts/measure-live.sh (the live daemon on the paced ALSA rig).

    measure_live.py make OUT.wav CHANNELS SECONDS RATE   # a reverberant M-talker mixture, M mics
    measure_live.py latency TAP.wav CHANNELS             # input -> output delay on the tap, ms

The mixture is synthetic (harmonic "syllables" with gliding pitch, noise bursts, pauses; each
source its own pitch and rhythm; random decaying room responses), so no corpus is needed. The
latency is the lag of the best normalised cross-correlation between the sum of the outputs and
the reference microphone: projection back makes the separated outputs add up to that microphone.
"""
import sys
import wave

import numpy as np


def speech_like(frames, rate, index, rng):
    out = np.zeros(frames)
    f0_base = [110.0, 210.0, 150.0, 260.0, 130.0, 180.0][index % 6]
    t = int(rng.uniform(0, 0.2) * rate)
    while t < frames:
        n = int(rng.uniform(0.12, 0.37) * rate)
        pause = int(rng.uniform(0.03, 0.28) * rate)
        x = np.arange(min(n, frames - t)) / n
        envelope = rng.uniform(0.05, 0.15) * np.sin(np.pi * x) ** 2
        if rng.uniform() < 0.8:
            f0 = f0_base * rng.uniform(0.85, 1.15) * (1 + rng.uniform(-0.2, 0.2) * x)
            phase = 2 * np.pi * np.cumsum(f0) / rate
            tilt = rng.uniform(0.6, 0.95)
            harmonics = int(3800 / f0.max())
            segment = sum(tilt ** h * np.sin((h + 1) * phase) for h in range(harmonics))
        else:
            segment = 0.5 * rng.uniform(-1, 1, len(x))
        out[t:t + len(x)] = envelope * segment
        t += n + pause
    return out


def room_response(rng, rate, mic, azimuth):
    length = int(0.15 * rate)
    h = np.zeros(length + 64)
    delay = 8 + mic * 0.05 * np.sin(np.radians(azimuth)) / 343 * rate
    h[int(round(delay))] = 1.0
    for _ in range(60):
        d = int(24 + rng.uniform() * (length - 24))
        h[d] += rng.choice([-1, 1]) * 0.6 * np.exp(-6.9 * d / length) * rng.uniform()
    return h


def fft_convolve(x, h):
    n = 1 << int(np.ceil(np.log2(len(x) + len(h))))
    return np.fft.irfft(np.fft.rfft(x, n) * np.fft.rfft(h, n), n)[:len(x)]


def make(path, channels, seconds, rate):
    rng = np.random.default_rng(7)
    frames = int(seconds * rate)
    mixture = np.zeros((frames, channels))
    for k in range(channels):
        dry = speech_like(frames, rate, k, rng)
        azimuth = -60 + 120 * k / max(channels - 1, 1)
        for m in range(channels):
            mixture[:, m] += fft_convolve(dry, room_response(rng, rate, m, azimuth))
    mixture *= 0.5 / np.abs(mixture).max()
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((mixture * 32767).astype("<i2").tobytes())


def read_tap(path):
    """arecord -f FLOAT_LE writes WAVE_FORMAT_IEEE_FLOAT, which Python's wave module refuses."""
    data = open(path, "rb").read()
    at, channels, rate, bits = 12, None, None, None
    while at < len(data):
        tag, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if tag == b"fmt ":
            channels = int.from_bytes(data[at + 10:at + 12], "little")
            rate = int.from_bytes(data[at + 12:at + 16], "little")
            bits = int.from_bytes(data[at + 22:at + 24], "little")
        elif tag == b"data":
            assert bits == 32, "expected FLOAT_LE"
            body = data[at + 8:at + 8 + size] if size < 0xFFFFFFF0 else data[at + 8:]
            return np.frombuffer(body[: len(body) // (4 * channels) * 4 * channels], "<f4").reshape(-1, channels), rate
        at += 8 + size + (size & 1)
    raise ValueError(f"{path}: no data chunk")


def latency(path, channels):
    tap, rate = read_tap(path)
    x, y = tap[:, 0].astype(float), tap[:, channels:].sum(axis=1).astype(float)
    start = np.flatnonzero(x)[0]
    middle = start + (len(x) - start) // 2
    best, best_score = 0, -np.inf
    seg = slice(middle, min(middle + 4 * rate, len(x)))
    for lag in range(0, 16000):
        ref = x[seg.start - lag:seg.stop - lag]
        score = np.dot(y[seg], ref) / max(np.linalg.norm(ref), 1e-30)
        if score > best_score:
            best, best_score = lag, score
    print(f"{best} frames = {best * 1000 / rate:.1f} ms")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "make" and len(sys.argv) == 6:
        make(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    elif command == "latency" and len(sys.argv) == 4:
        latency(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
