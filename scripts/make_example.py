#!/usr/bin/env python3
"""Generate a small example mixture for bssd: two synthetic talkers in a reverberant room.

The case folder has the same layout as the team's evaluation corpus, so that
``bssd separate`` and ``scripts/evaluate.py`` can be tried on a fresh machine
without downloading any audio:

    OUT/mix.wav          2 channels, 16 kHz, 16-bit PCM (the input of bssd)
    OUT/refs/src0.wav    reverberant image of talker 0 at mic 0 (1 channel, 16-bit)
    OUT/refs/src1.wav    reverberant image of talker 1 at mic 0
    OUT/meta.json        geometry, room, texts (meta.json is written last)

mix = src0 + src1 sample by sample (at mic 0; up to 16-bit rounding).

How it is made
--------------
* Speech: English sentences spoken by espeak-ng (Debian package ``espeak-ng``),
  two different voices, pitches and speeds, resampled 22.05 -> 16 kHz.  Each
  talker's sentences are concatenated with short pauses; the second talker
  starts half a second later, so the talkers overlap most of the time.
* Room: a 5 x 4 x 3 m shoebox simulated with the image-source method
  (Allen & Berkley), frequency-independent wall absorption from Sabine's
  formula for the target RT60 (as pyroomacoustics' ``inverse_sabine``), every
  image whose path is shorter than c * RT60, fractional delays by an 81-tap
  Hann-windowed sinc.  No late-tail model is needed: the images cover the whole
  60 dB decay.
* Array: 2 omnidirectional mics 5 cm apart; talkers at about -40 and +35
  degrees azimuth (relative to the array's broadside look direction,
  counter-clockwise positive, mic 0 at +90 degrees), 1-1.5 m away.
* Levels: equal active power of the two images at mic 0 (input SIR ~ 0 dB),
  then one common gain so that the mixture peaks at -3 dBFS.

The output is deterministic for a given --seed (and espeak-ng version).

Usage:  python3 scripts/make_example.py [--out DIR] [--seconds S] [--seed N]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import numpy as np
    import soundfile as sf
    from scipy.signal import fftconvolve, resample_poly
except ModuleNotFoundError as exc:  # pragma: no cover - message for newcomers
    sys.exit(f"make_example.py: missing Python package '{exc.name}'; "
             "install them with: pip install -r scripts/requirements.txt")

REPO = Path(__file__).resolve().parent.parent
CASE = "example01_2mic_speech"
FS = 16000
C_SOUND = 343.0
SINC_TAPS = 81  # fractional-delay filter length (odd)

ROOM_DIMS = (5.0, 4.0, 3.0)
RT60 = 0.2
MIC_SPACING = 0.05
AZIMUTHS_DEG = (-40.0, 35.0)
PEAK_DBFS = -3.0

# Two talkers, different voices / pitch (-p, 0-99) / speed (-s, words per minute).
TALKERS = [
    {
        "label": "espeak_en_us_m3",
        "voice": "en-us+m3", "pitch": 35, "speed": 150,
        "start_s": 0.1,
        "sentences": [
            "The old lighthouse keeper painted the railing green every spring.",
            "Please bring the blue folder to the meeting on Thursday morning.",
            "A cold wind swept across the harbour and rattled the windows.",
            "We counted forty seven boats waiting outside the narrow canal.",
            "My brother fixed the bicycle with a spoon and a piece of wire.",
            "The library closes early on public holidays, so come before noon.",
            "Heavy clouds rolled over the hills long before the rain began.",
        ],
    },
    {
        "label": "espeak_en_gb_f2",
        "voice": "en-gb+f2", "pitch": 70, "speed": 170,
        "start_s": 0.6,
        "sentences": [
            "Fresh bread from the corner bakery sells out within an hour.",
            "She tuned the violin twice before the concert could start.",
            "Turn left at the second roundabout and follow the signs to the station.",
            "The children built a tall tower out of wooden blocks and paper cups.",
            "Nobody expected the quiet student to win the chess tournament.",
            "Our garden needs more sunlight, so we cut back the apple tree.",
            "Seven small ducks crossed the road while the traffic waited.",
        ],
    },
]


# --------------------------------------------------------------------------- speech

def tts(text: str, talker: dict, workdir: Path, idx: int) -> np.ndarray:
    """One sentence from espeak-ng, resampled to FS, leading/trailing silence trimmed."""
    wav = workdir / f"{talker['label']}_{idx}.wav"
    cmd = ["espeak-ng", "-v", talker["voice"], "-p", str(talker["pitch"]),
           "-s", str(talker["speed"]), "-w", str(wav), text]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 or not wav.exists():
        sys.exit(f"make_example.py: espeak-ng failed ({' '.join(cmd)}): {res.stderr.strip()}")
    x, fs = sf.read(wav, dtype="float64", always_2d=True)
    x = x[:, 0]
    if fs != FS:
        g = np.gcd(int(fs), FS)
        x = resample_poly(x, FS // g, int(fs) // g)
    thr = 10 ** (-50 / 20) * np.max(np.abs(x))
    nz = np.flatnonzero(np.abs(x) > thr)
    return x[nz[0]:nz[-1] + 1] if nz.size else x


def build_track(talker: dict, n: int, rng: np.random.Generator, workdir: Path):
    """Concatenate the talker's sentences (shuffled) with 0.25-0.6 s pauses into n samples."""
    order = rng.permutation(len(talker["sentences"]))
    track = np.zeros(n)
    utterances = []
    pos = int(round(talker["start_s"] * FS))
    k = 0
    fade = int(0.05 * FS)
    while pos < n - int(1.0 * FS):  # no sentence starting in the last second
        si = int(order[k % len(order)])
        text = talker["sentences"][si]
        x = tts(text, talker, workdir, si)
        x = x / (np.sqrt(np.mean(x ** 2)) + 1e-12)
        seg = x[: n - pos].copy()
        truncated = seg.size < x.size
        if truncated:  # the last sentence runs past the end: fade it out
            m = min(fade, seg.size)
            seg[-m:] *= np.linspace(1.0, 0.0, m)
        track[pos:pos + seg.size] = seg
        utterances.append({
            "start_s": round(pos / FS, 4),
            "end_s": round((pos + seg.size) / FS, 4),
            "text": text,
            "truncated": bool(truncated),
            "repeat": k >= len(order),
        })
        pos += seg.size + int(round(rng.uniform(0.25, 0.6) * FS))
        k += 1
    return track, utterances


# --------------------------------------------------------------------------- room

def sabine_absorption(dims, rt60: float) -> float:
    """Energy absorption coefficient of all walls for the target RT60 (Sabine)."""
    lx, ly, lz = dims
    volume = lx * ly * lz
    surface = 2 * (lx * ly + lx * lz + ly * lz)
    alpha = 24 * np.log(10) / C_SOUND * volume / (surface * rt60)
    if not 0 < alpha < 1:
        raise ValueError(f"RT60 {rt60} s is not reachable in a {dims} m room")
    return float(alpha)


def image_source_rir(src, mic, dims, alpha: float, t_max: float):
    """Shoebox room impulse response from src to mic by the image-source method.

    All images with a path shorter than c * t_max; amplitude beta^reflections / (4 pi r)
    with beta = sqrt(1 - alpha); each image is a Hann-windowed sinc at its exact delay.
    Returns (rir, highest reflection order used).
    """
    src, mic, dims = (np.asarray(v, float) for v in (src, mic, dims))
    beta = np.sqrt(1.0 - alpha)
    r_max = C_SOUND * t_max
    pos_axes, refl_axes = [], []
    for a in range(3):  # image coordinates and reflection counts along each axis
        nmax = int(np.ceil(r_max / (2 * dims[a]))) + 1
        n = np.arange(-nmax, nmax + 1)
        coord = np.concatenate([2 * n * dims[a] + src[a], 2 * n * dims[a] - src[a]])
        refl = np.concatenate([np.abs(2 * n), np.abs(2 * n - 1)])  # |n-p| + |n|, p = 0 / 1
        pos_axes.append(coord - mic[a])
        refl_axes.append(refl)
    dx, dy, dz = np.meshgrid(*pos_axes, indexing="ij")
    rx, ry, rz = np.meshgrid(*refl_axes, indexing="ij")
    dist = np.sqrt(dx ** 2 + dy ** 2 + dz ** 2).ravel()
    order = (rx + ry + rz).ravel()
    keep = dist <= r_max
    dist, order = dist[keep], order[keep]
    amp = beta ** order / (4 * np.pi * dist)

    delay = dist / C_SOUND * FS
    half = SINC_TAPS // 2
    length = int(np.ceil(t_max * FS)) + SINC_TAPS + 1
    n0 = np.floor(delay).astype(int)
    frac = delay - n0
    k = np.arange(-half, half + 1)
    taps = np.sinc(k[None, :] - frac[:, None]) * (0.5 + 0.5 * np.cos(np.pi * (k[None, :] - frac[:, None]) / (half + 1)))
    idx = n0[:, None] + k[None, :]
    ok = (idx >= 0) & (idx < length)
    rir = np.zeros(length)
    np.add.at(rir, idx[ok], (amp[:, None] * taps)[ok])
    return rir, int(order.max())


def measured_rt60(rir: np.ndarray) -> float:
    """RT60 from the Schroeder decay curve (T20: -5 to -25 dB, extrapolated)."""
    edc = np.cumsum(rir[::-1] ** 2)[::-1]
    edc_db = 10 * np.log10(edc / edc[0] + 1e-300)
    i5 = np.argmax(edc_db <= -5)
    i25 = np.argmax(edc_db <= -25)
    t = np.arange(i5, i25 + 1) / FS
    slope = np.polyfit(t, edc_db[i5:i25 + 1], 1)[0]
    return float(-60 / slope)


def active_power(x: np.ndarray) -> float:
    """Mean power over 32 ms frames within 40 dB of the loudest frame."""
    frame = 512
    m = x.size // frame
    p = np.mean(x[: m * frame].reshape(m, frame) ** 2, axis=1)
    return float(np.mean(p[p > p.max() * 1e-4]))


# --------------------------------------------------------------------------- geometry

def place(rng: np.random.Generator):
    """Array centre / yaw and talker positions, at least 0.5 m from every wall."""
    dims = np.array(ROOM_DIMS)
    for _ in range(1000):
        center = np.array([rng.uniform(1.8, 2.6), rng.uniform(1.5, 2.3), rng.uniform(1.0, 1.2)])
        yaw = rng.uniform(-20, 20)
        dists = rng.uniform(1.0, 1.5, size=2)
        heights = rng.uniform(1.2, 1.6, size=2)
        srcs = []
        for az, d, h in zip(AZIMUTHS_DEG, dists, heights):
            ang = np.deg2rad(yaw + az)
            srcs.append(np.array([center[0] + d * np.cos(ang), center[1] + d * np.sin(ang), h]))
        if all(np.all(s > 0.5) and np.all(s < dims - 0.5) for s in srcs):
            break
    else:  # pragma: no cover
        raise RuntimeError("could not place the sources in the room")
    axis = np.array([np.cos(np.deg2rad(yaw + 90)), np.sin(np.deg2rad(yaw + 90)), 0.0])
    mics = [center + MIC_SPACING / 2 * axis, center - MIC_SPACING / 2 * axis]  # mic 0 at +90 deg
    return center, yaw, mics, srcs, dists


def rnd(v, nd=4):
    return [round(float(a), nd) for a in v]


# --------------------------------------------------------------------------- main

def to_pcm16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "out/example" / CASE, metavar="DIR",
                    help=f"case folder to write (default: out/example/{CASE})")
    ap.add_argument("--seconds", type=float, default=12.0, help="duration (default 12, 4-120)")
    ap.add_argument("--seed", type=int, default=1, help="random seed: pauses, sentence order, geometry")
    args = ap.parse_args()
    if not 4 <= args.seconds <= 120:
        ap.error("--seconds must be between 4 and 120")
    if shutil.which("espeak-ng") is None:
        sys.exit("make_example.py: the speech synthesiser espeak-ng was not found; "
                 "install it with apt-get install espeak-ng")

    # independent streams: the geometry does not change with --seconds
    rng_speech = np.random.default_rng([args.seed, 0])
    rng_room = np.random.default_rng([args.seed, 1])
    n = int(round(args.seconds * FS))

    # dry speech
    with tempfile.TemporaryDirectory(prefix="bssd-example-") as tmp:
        tracks, utts = [], []
        for talker in TALKERS:
            x, u = build_track(talker, n, rng_speech, Path(tmp))
            tracks.append(x)
            utts.append(u)

    # room impulse responses and reverberant images at both mics
    center, yaw, mics, srcs, dists = place(rng_room)
    alpha = sabine_absorption(ROOM_DIMS, RT60)
    images, rt60s, max_order = [], [], 0
    for s, x in zip(srcs, tracks):
        img = []
        for m in mics:
            rir, order = image_source_rir(s, m, ROOM_DIMS, alpha, t_max=RT60)
            max_order = max(max_order, order)
            rt60s.append(measured_rt60(rir))
            img.append(fftconvolve(x, rir)[:n])
        images.append(np.stack(img, axis=1))  # (n, 2)

    # equal active power at mic 0, then one gain for a -3 dBFS mixture peak
    images = [im / np.sqrt(active_power(im[:, 0])) for im in images]
    mix = images[0] + images[1]
    scale = 10 ** (PEAK_DBFS / 20) / np.max(np.abs(mix))
    images = [im * scale for im in images]
    mix = images[0] + images[1]

    p0 = [np.mean(im[:, 0] ** 2) for im in images]
    sir = [10 * np.log10(p0[k] / p0[1 - k]) for k in range(2)]

    out: Path = args.out
    (out / "refs").mkdir(parents=True, exist_ok=True)
    meta_path = out / "meta.json"
    if meta_path.exists():
        meta_path.unlink()  # meta.json marks a complete case: remove it while rewriting
    sf.write(out / "mix.wav", to_pcm16(mix), FS, subtype="PCM_16")
    for k, im in enumerate(images):
        sf.write(out / "refs" / f"src{k}.wav", to_pcm16(im[:, 0]), FS, subtype="PCM_16")

    sources = []
    for k, talker in enumerate(TALKERS):
        full = [u["text"] for u in utts[k] if not u["truncated"]]
        sources.append({
            "index": k,
            "kind": "speech",
            "label": talker["label"],
            "language": "en",
            "synthetic": True,
            "tts": {"engine": "espeak-ng", "voice": talker["voice"],
                    "pitch": talker["pitch"], "speed_wpm": talker["speed"]},
            "text": " ".join(u["text"] for u in utts[k]),
            "utterances": utts[k],
            "transcript": " ".join(full),
            "position": rnd(srcs[k], 3),
            "azimuth_deg": AZIMUTHS_DEG[k],
            "distance_m": round(float(dists[k]), 3),
            "input_sir_db_mic0": round(float(sir[k]), 2),
            "ref_file": f"refs/src{k}.wav",
        })
    meta = {
        "case": out.name,
        "split": "example",
        "group": "2mic-2src",
        "conditions": ["2mic", "d5cm", "speech+speech", "rt200", "synthetic-speech"],
        "fs": FS,
        "duration_s": round(n / FS, 4),
        "n_samples": n,
        "n_mics": 2,
        "n_sources": 2,
        "reference_mic": 0,
        "refs_mics": [0],
        "room": {
            "dims_m": list(ROOM_DIMS),
            "rt60_target_s": RT60,
            "rt60_measured_s": round(float(np.mean(rt60s)), 3),
            "e_absorption": alpha,
            "max_order": max_order,
            "simulator": "scripts/make_example.py image-source method (numpy, Sabine absorption)",
        },
        "array": {
            "type": "linear",
            "M": 2,
            "spacing": MIC_SPACING,
            "center": rnd(center),
            "yaw_deg": round(float(yaw), 1),
            "mic_positions": [rnd(m) for m in mics],
            "azimuth_convention": "degrees from the broadside look direction (yaw_deg), "
                                  "counter-clockwise; mic 0 at +90",
        },
        "sources": sources,
        "events": [],
        "noise": None,
        "scale": float(scale),
        "generator_seed": args.seed,
        "note": "mix = sum(refs/src*.wav) at mic 0 (up to 16-bit rounding); refs are the "
                "reverberant images of the talkers at mic 0; speech synthesised with espeak-ng",
    }
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")

    print(f"wrote {out}/ (mix.wav 2 ch, {n / FS:.1f} s, {FS} Hz; refs/src0.wav, refs/src1.wav; "
          f"meta.json; RT60 measured {np.mean(rt60s):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
