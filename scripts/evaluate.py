#!/usr/bin/env python3
"""Evaluate bssd's separation quality and speed on a corpus of simulated mixtures.

For every case folder of the corpus the script runs

    bssd separate CASE/mix.wav -o OUTDIR/CASE.wav --sources K [EXTRA ARGS]

(in parallel, timing each run), then scores the K output channels against the
reverberant image of each source at the reference microphone (mic 0).  The
reference keeps the room's reverberation, so bssd is judged on separation
only, not on dereverberation.

What is measured, and why
-------------------------
* BSS Eval v3 SDR / SIR / SAR (fast_bss_eval, 512-tap distortion filter): the
  filter forgives short linear distortions and small delays, SIR measures how
  much of the other sources leaks into an output, SAR everything else
  (musical noise, diffuse noise).  Diffuse noise (refs/noise.wav) is not a
  reference, so it counts as artefact.  The output-to-source permutation is the
  one maximising the total SIR (Hungarian algorithm on the pairwise SIR matrix).
* SDRi / SIRi: improvement over the unprocessed mixture, i.e. mic 0 of mix.wav
  used as the estimate of every source.  Improvements are comparable across
  cases whose input SIR differs.
* "> 3 s": the same figures on the part after the first 3 s, with the
  whole-file permutation.  An online algorithm needs a few seconds to converge;
  this is the headline figure (target over the determined cases, M == K:
  mean SDRi >= 7 dB and SIRi >= 13 dB).
* Convergence: SDRi in consecutive 2 s windows (whole-file permutation).  A
  source whose reference power in a window is more than 40 dB below its
  whole-file mean power is left out of that window; a window with no source
  left is null.  Where the mixture's SIR for a source already exceeds 30 dB
  (e.g. it is the only active source) its SDRi is left out too: nothing is to
  be separated there, and the mixture itself is then a near-perfect estimate.
  A trailing part shorter than 2 s is not scored.
* Events (from meta.json): after a source "jump", the SDRi over all sources
  0-3 s after it and from 3 s after it to the end (how fast bssd re-converges);
  after a late "onset", the SDRi of that source 0-3 s after it.
* RTF: wall time of the bssd run / audio duration (per case, and total wall
  time / total audio time for the summaries).

Outputs that are shorter or longer than mix.wav are zero-padded or trimmed,
non-finite samples are set to zero and missing channels are filled with
zeros; each of these is reported as a warning.  An all-zero output scores
about -100 dB.  A case whose bssd run or scoring fails is reported, left out
of the means, and makes the script exit with status 1.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

# Parallelism comes from --jobs processes; a multi-threaded BLAS in each of them
# only oversubscribes the cores (it doubles the scoring time on 2 cores).
# bssd runs with the environment as it was given.
BSSD_ENV = dict(os.environ)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the BLAS thread setting)
import soundfile as sf  # noqa: E402
from fast_bss_eval.numpy.metrics import square_cosine_metrics  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FS = 16000
FILTER_LENGTH = 512      # BSS Eval distortion filter taps
LOAD_DIAG = 1e-9         # keeps the filter equations solvable when a signal is zero
CLAMP_DB = 100.0         # metrics are clamped to +-100 dB (all-zero output -> -100 dB)
HEADLINE_START_S = 3.0   # "> 3 s" segment
WINDOW_S = 2.0           # convergence windows
EVENT_SPAN_S = 3.0       # "0-3 s after an event"
SILENCE_DB = -40.0       # window power relative to whole-file mean power
NOTHING_TO_SEPARATE_DB = 30.0  # no SDRi/SIRi where the mixture's SIR is above this
TARGET = {"sdri": 7.0, "siri": 13.0}  # product target, determined cases, > 3 s
DETERMINED = "determined (M == K)"
METRICS = ("sdr", "sir", "sar", "sdr_mix", "sir_mix", "sdri", "siri")


# ----------------------------------------------------------------------------
# metrics
# ----------------------------------------------------------------------------

def coherence_to_db(coh: np.ndarray) -> np.ndarray:
    """Square cosine c -> 10 log10(c / (1 - c)), clamped to +-CLAMP_DB."""
    eps = 1.0 / (1.0 + 10.0 ** (CLAMP_DB / 10.0))
    coh = np.clip(np.nan_to_num(coh, nan=0.0), eps, 1.0 - eps)
    return 10.0 * np.log10(coh / (1.0 - coh))


def bss_eval(refs: np.ndarray, ests: np.ndarray):
    """BSS Eval v3 SDR, SIR, SAR in dB of every estimate against every reference.

    refs (n_ref, T), ests (n_est, T) -> three (n_ref, n_est) arrays.  All
    references span the interference subspace of every pair.
    """
    coh_sdr, coh_sar = square_cosine_metrics(refs, ests, filter_length=FILTER_LENGTH,
                                             pairwise=True, load_diag=LOAD_DIAG)
    coh_sdr = np.nan_to_num(coh_sdr, nan=0.0)
    coh_sar = np.maximum(np.nan_to_num(coh_sar, nan=0.0), coh_sdr)
    coh_sir = np.divide(coh_sdr, coh_sar, out=np.zeros_like(coh_sdr), where=coh_sar > 0)
    return coherence_to_db(coh_sdr), coherence_to_db(coh_sir), coherence_to_db(coh_sar)


def mean_or_none(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 2) if values else None


def segment_scores(refs, matched, mix0, start: int, stop: int, ref_power) -> dict:
    """Scores of samples [start, stop) with a fixed pairing (matched[k] estimates refs[k]).

    Returns per-source lists of SDR/SIR/SAR of the output and of the mixture,
    SDRi and SIRi, and the means of SDRi and SIRi over sources.  A source left
    out as silent is None everywhere; its SDRi/SIRi are None too where the
    mixture alone already has an SIR above 30 dB for it (e.g. it is the only
    active source), as there is nothing to separate and the mixture is a
    near-perfect estimate.
    """
    n_src = refs.shape[0]
    seg = {"t_s": [round(start / FS, 2), round(stop / FS, 2)]}
    seg.update({key: [None] * n_src for key in METRICS})
    threshold = 10.0 ** (SILENCE_DB / 10.0)
    keep = [k for k in range(n_src)
            if np.mean(refs[k, start:stop] ** 2) > threshold * ref_power[k] > 0]
    if keep and stop - start >= 2 * FILTER_LENGTH:
        # one call for outputs and mixture (last column): they share the costly projection
        ests = np.vstack([matched[keep, start:stop], mix0[None, start:stop]])
        sdr, sir, sar = bss_eval(refs[keep, start:stop], ests)
        for i, k in enumerate(keep):
            values = {"sdr": sdr[i, i], "sir": sir[i, i], "sar": sar[i, i],
                      "sdr_mix": sdr[i, -1], "sir_mix": sir[i, -1]}
            if sir[i, -1] <= NOTHING_TO_SEPARATE_DB:
                values.update(sdri=sdr[i, i] - sdr[i, -1], siri=sir[i, i] - sir[i, -1])
            for key, v in values.items():
                seg[key][k] = round(float(v), 2)
    seg["mean_sdri"] = mean_or_none(seg["sdri"])
    seg["mean_siri"] = mean_or_none(seg["siri"])
    return seg


# ----------------------------------------------------------------------------
# case scoring
# ----------------------------------------------------------------------------

def read_wav(path: Path) -> np.ndarray:
    """-> (channels, samples) float64; the sample rate must be FS."""
    x, fs = sf.read(str(path), dtype="float64", always_2d=True)
    if fs != FS:
        raise ValueError(f"{path}: sample rate {fs} Hz, expected {FS} Hz")
    return x.T


def read_meta(case_dir: Path) -> dict:
    return json.loads((case_dir / "meta.json").read_text())


def load_case(case_dir: Path):
    """-> meta, mixture at the reference mic (T,), source images there (K, T)."""
    meta = read_meta(case_dir)
    mic = meta["reference_mic"]
    channel = meta["refs_mics"].index(mic)
    refs = np.stack([read_wav(case_dir / "refs" / f"src{k}.wav")[channel]
                     for k in range(meta["n_sources"])])
    return meta, read_wav(case_dir / "mix.wav")[mic], refs


def conform_output(est: np.ndarray, n_samples: int, n_sources: int):
    """Make the output scoreable: length of the mixture, finite, >= K channels.

    Returns the fixed output and a list of warnings describing what was fixed.
    """
    warnings = []
    if est.shape[1] != n_samples:
        warnings.append(f"output has {est.shape[1]} samples, mix has {n_samples}: "
                        "trimmed/zero-padded")
        est = np.pad(est[:, :n_samples], ((0, 0), (0, max(0, n_samples - est.shape[1]))))
    if not np.all(np.isfinite(est)):
        bad = sorted({int(c) for c in np.nonzero(~np.isfinite(est))[0]})
        warnings.append(f"non-finite samples in channel(s) {bad}: set to 0")
        est = np.nan_to_num(est, nan=0.0, posinf=0.0, neginf=0.0)
    if est.shape[0] != n_sources:
        warnings.append(f"output has {est.shape[0]} channels, expected {n_sources}"
                        + (": missing ones are zeros" if est.shape[0] < n_sources
                           else ": the best-matching ones are scored"))
        est = np.pad(est, ((0, max(0, n_sources - est.shape[0])), (0, 0)))
    silent = [c for c in range(est.shape[0]) if not np.any(est[c])]
    if silent:
        warnings.append(f"channel(s) {silent} all zeros: scored about -{CLAMP_DB:.0f} dB")
    return est, warnings


def event_scores(event: dict, refs, matched, mix0, ref_power) -> dict:
    """SDRi 0-3 s after a jump / onset (and > 3 s after a jump)."""
    n = refs.shape[1]
    t = int(round(event["time_s"] * FS))
    t_end = min(n, t + int(EVENT_SPAN_S * FS))
    result = dict(type=event["type"], source=event["source"], time_s=event["time_s"])
    result["after_0_3s"] = segment_scores(refs, matched, mix0, t, t_end, ref_power)
    if event["type"] == "jump":
        result["after_3s"] = segment_scores(refs, matched, mix0, t_end, n, ref_power)
        result["sdri_0_3s"] = result["after_0_3s"]["mean_sdri"]
        result["sdri_after_3s"] = result["after_3s"]["mean_sdri"]
    else:
        result["sdri_0_3s"] = result["after_0_3s"]["sdri"][event["source"]]
    return result


def score_case(case_dir: Path, output: Path) -> dict:
    """All metrics of one case (see the module docstring)."""
    meta, mix0, refs = load_case(case_dir)
    n_src, n = refs.shape
    est, warnings = conform_output(read_wav(output), n, n_src)
    sir = bss_eval(refs, est)[1]
    _, perm = linear_sum_assignment(sir, maximize=True)
    matched = est[perm]
    ref_power = np.mean(refs ** 2, axis=1)
    window = int(WINDOW_S * FS)
    return dict(
        warnings=warnings,
        permutation=[int(p) for p in perm],
        whole=segment_scores(refs, matched, mix0, 0, n, ref_power),
        after_3s=segment_scores(refs, matched, mix0, int(HEADLINE_START_S * FS), n, ref_power),
        windows=[segment_scores(refs, matched, mix0, a, a + window, ref_power)
                 for a in range(0, n - window + 1, window)],
        events=[event_scores(ev, refs, matched, mix0, ref_power) for ev in meta.get("events", [])],
    )


# ----------------------------------------------------------------------------
# running bssd and scoring the corpus
# ----------------------------------------------------------------------------

def find_cases(corpus: Path, pattern: str) -> list[Path]:
    return sorted(p.parent for p in corpus.glob("*/meta.json")
                  if fnmatch.fnmatch(p.parent.name, pattern))


def new_record(case_dir: Path, out_dir: Path) -> dict:
    meta = read_meta(case_dir)
    return dict(case=case_dir.name, group=meta["group"], n_mics=meta["n_mics"],
                n_sources=meta["n_sources"],
                duration_s=sf.info(str(case_dir / "mix.wav")).frames / FS,
                case_dir=str(case_dir), output=str(out_dir / f"{case_dir.name}.wav"),
                wall_s=None, rtf=None, error=None)


def run_bssd(bssd: Path, record: dict, extra: list[str], timeout: float) -> None:
    """Run one separation; sets the record's wall_s / rtf, or its error."""
    output = Path(record["output"])
    output.unlink(missing_ok=True)  # never score a stale file
    cmd = [str(bssd), "separate", str(Path(record["case_dir"]) / "mix.wav"), "-o", str(output),
           "--sources", str(record["n_sources"]), *extra]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=BSSD_ENV)
    except subprocess.TimeoutExpired:
        record["error"] = f"bssd timed out after {timeout:g} s"
        return
    record["wall_s"] = round(time.perf_counter() - start, 3)
    record["rtf"] = round(record["wall_s"] / record["duration_s"], 4)
    if proc.returncode != 0:
        record["error"] = f"bssd exited with status {proc.returncode}"
        print(f"--- {record['case']}: {record['error']}; its stderr:\n{proc.stderr.rstrip()}\n---",
              file=sys.stderr, flush=True)
    elif not output.exists():
        record["error"] = "bssd exited with status 0 but wrote no output"


def separate_all(records: list[dict], bssd: Path, extra: list[str], jobs: int, timeout: float):
    def one(record):
        run_bssd(bssd, record, extra, timeout)
        state = record["error"] or f"{record['wall_s']:.2f} s, RTF {record['rtf']:.3f}"
        progress(f"separated {record['case']}: {state}")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, records))


def score_all(records: list[dict], jobs: int) -> None:
    """Score every record without an error (in parallel); merges the scores in."""
    todo = [r for r in records if r["error"] is None]
    for r in todo:
        if not Path(r["output"]).exists():
            r["error"] = f"no output file {r['output']}"
    todo = [r for r in todo if r["error"] is None]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(score_case, Path(r["case_dir"]), Path(r["output"])): r for r in todo}
        for future, r in futures.items():
            try:
                r.update(future.result())
            except Exception as exc:  # a broken output must not stop the evaluation
                r["error"] = f"scoring failed: {type(exc).__name__}: {exc}"
            progress(f"scored {r['case']}" + (f": {r['error']}" if r["error"] else ""))


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------
# summaries and tables
# ----------------------------------------------------------------------------

def summarize(name: str, records: list[dict]) -> dict:
    """Means over the scored cases of a selection (each case weighs the same)."""
    ok = [r for r in records if r["error"] is None]
    timed = [r for r in ok if r["wall_s"] is not None]
    n_windows = max((len(r["windows"]) for r in ok), default=0)
    rtf = (sum(r["wall_s"] for r in timed) / sum(r["duration_s"] for r in timed)) if timed else None
    return dict(
        name=name, n=len(ok), n_failed=len(records) - len(ok),
        sdri=mean_or_none([r["whole"]["mean_sdri"] for r in ok]),
        siri=mean_or_none([r["whole"]["mean_siri"] for r in ok]),
        sdri_after_3s=mean_or_none([r["after_3s"]["mean_sdri"] for r in ok]),
        siri_after_3s=mean_or_none([r["after_3s"]["mean_siri"] for r in ok]),
        rtf=None if rtf is None else round(rtf, 4),
        window_sdri=[mean_or_none([r["windows"][i]["mean_sdri"] for r in ok if i < len(r["windows"])])
                     for i in range(n_windows)],
        window_n=[sum(i < len(r["windows"]) for r in ok) for i in range(n_windows)],
    )


def summaries(records: list[dict]) -> list[dict]:
    groups = sorted({r["group"] for r in records})
    return ([summarize(g, [r for r in records if r["group"] == g]) for g in groups]
            + [summarize(DETERMINED, [r for r in records if r["n_mics"] == r["n_sources"]]),
               summarize("ALL", records)])


def target_check(determined: dict) -> dict:
    got = {"sdri": determined["sdri_after_3s"], "siri": determined["siri_after_3s"]}
    met = all(got[k] is not None and got[k] >= TARGET[k] for k in TARGET)
    return dict(target=TARGET, achieved=got, met=met)


def fmt(value, spec: str = "+.2f") -> str:
    return "n/a" if value is None else format(value, spec)


def event_cell(record: dict) -> str:
    cells = []
    for ev in record["events"]:
        if ev["type"] == "jump":
            cells.append(f"jump {fmt(ev['sdri_0_3s'])} / {fmt(ev['sdri_after_3s'])}")
        else:
            cells.append(f"onset {fmt(ev['sdri_0_3s'])}")
    return "; ".join(cells)


def case_table(records: list[dict]):
    header = ["case", "group", "M", "K", "SDRi", "SIRi", "SDRi >3s", "SIRi >3s",
              "event SDRi (0-3s / >3s)", "RTF"]
    rows = []
    for r in records:
        flag = " (!)" if r.get("warnings") else ""
        head = [r["case"] + flag, r["group"], str(r["n_mics"]), str(r["n_sources"])]
        if r["error"] is not None:
            rows.append(head + ["FAILED"] + [""] * 4 + [fmt(r["rtf"], ".3f")])
            continue
        rows.append(head + [fmt(r["whole"]["mean_sdri"]), fmt(r["whole"]["mean_siri"]),
                            fmt(r["after_3s"]["mean_sdri"]), fmt(r["after_3s"]["mean_siri"]),
                            event_cell(r), fmt(r["rtf"], ".3f")])
    return "Per case (dB; means over sources; (!) = see the warnings below)", header, rows, 2


def summary_table(sums: list[dict]):
    header = ["cases", "n", "SDRi", "SIRi", "SDRi >3s", "SIRi >3s", "RTF"]
    rows = [[s["name"], str(s["n"]) + (f" ({s['n_failed']} failed)" if s["n_failed"] else ""),
             fmt(s["sdri"]), fmt(s["siri"]), fmt(s["sdri_after_3s"]), fmt(s["siri_after_3s"]),
             fmt(s["rtf"], ".3f")] for s in sums]
    return "Means over cases (dB)", header, rows, 1


def convergence_table(sums: list[dict]):
    n_windows = max(len(s["window_sdri"]) for s in sums)
    step = WINDOW_S
    header = ["cases"] + [f"{i * step:g}-{(i + 1) * step:g} s" for i in range(n_windows)]
    rows = [[s["name"]] + [fmt(s["window_sdri"][i]) if i < len(s["window_sdri"]) else ""
                           for i in range(n_windows)] for s in sums]
    title = (f"Convergence: mean SDRi (dB) in {step:g} s windows "
             "(late windows cover only the longer cases)")
    return title, header, rows, 1


def notes(records: list[dict], target: dict) -> list[str]:
    got = target["achieved"]
    lines = [f"Target (determined cases, > 3 s): SDRi {fmt(got['sdri'])} dB (>= {TARGET['sdri']:g}), "
             f"SIRi {fmt(got['siri'])} dB (>= {TARGET['siri']:g}): "
             + ("met" if target["met"] else "NOT met")]
    lines += [f"warning: {r['case']}: {w}" for r in records for w in r.get("warnings", [])]
    lines += [f"FAILED: {r['case']}: {r['error']}" for r in records if r["error"] is not None]
    return lines


def render_text(tables, note_lines) -> str:
    out = []
    for title, header, rows, n_left in tables:
        widths = [max(len(c) for c in col) for col in zip(header, *rows)]
        out.append(title)
        for cells in [header] + rows:
            out.append("  ".join(c.ljust(w) if i < n_left else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))).rstrip())
        out.append("")
    return "\n".join(out + note_lines) + "\n"


def render_markdown(tables, note_lines) -> str:
    out = []
    for title, header, rows, n_left in tables:
        out += [f"**{title}**", "", "| " + " | ".join(header) + " |",
                "|" + "|".join("---" if i < n_left else "---:" for i in range(len(header))) + "|"]
        out += ["| " + " | ".join(cells) + " |" for cells in rows]
        out.append("")
    return "\n".join(out + [f"- {line}" for line in note_lines]) + "\n"


# ----------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------

EXAMPLES = """\
examples:
  python3 scripts/evaluate.py --corpus CORPUS
  python3 scripts/evaluate.py --corpus CORPUS --jobs 4 --md eval.md --json eval.json
  python3 scripts/evaluate.py --corpus CORPUS --cases 'dev1*' -- OPTION VALUE
      (everything after -- is passed to every bssd run unchanged)
  python3 scripts/evaluate.py --corpus CORPUS --out out/run1 --skip-separation

progress and bssd's stderr go to stderr, the tables to stdout.
exit status: 0 when every case was separated and scored, 1 otherwise, 2 on usage errors.
"""


def parse_args(argv: list[str]):
    """-> (options, extra bssd arguments given after "--")."""
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(
        usage="%(prog)s --corpus DIR [options] [-- EXTRA BSSD ARGS ...]",
        description=__doc__, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, type=Path, metavar="DIR",
                        help="corpus folder: one sub-folder per case holding mix.wav, "
                             "refs/src0.wav ... and meta.json")
    parser.add_argument("--bssd", type=Path, default=REPO / ".build/release/bssd", metavar="PATH",
                        help="bssd executable (default: .build/release/bssd of this repository)")
    parser.add_argument("--out", type=Path, default=REPO / "out/eval", metavar="OUTDIR",
                        help="folder for the separated outputs OUTDIR/CASE.wav "
                             "(default: out/eval of this repository)")
    parser.add_argument("--jobs", type=int, default=2, metavar="N",
                        help="parallel bssd runs, and parallel scoring processes (default: 2)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="write every figure (per source, segment, window, event) as JSON")
    parser.add_argument("--md", type=Path, metavar="FILE",
                        help="write the tables as Markdown")
    parser.add_argument("--cases", default="*", metavar="GLOB",
                        help="only the case folders whose name matches GLOB (default: all)")
    parser.add_argument("--skip-separation", action="store_true",
                        help="do not run bssd; score the existing OUTDIR/CASE.wav files (RTF n/a)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SEC",
                        help="a bssd run taking longer fails (default: 600)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if not (args.corpus / ".").is_dir():
        parser.error(f"corpus folder {args.corpus} not found")
    if not args.skip_separation and not args.bssd.is_file():
        parser.error(f"bssd not found at {args.bssd} (build it with `swift build -c release`, "
                     "give --bssd PATH, or use --skip-separation)")
    if args.skip_separation and extra:
        parser.error("extra bssd arguments make no sense with --skip-separation")
    return args, extra


def main(argv: list[str]) -> int:
    args, extra = parse_args(argv)
    cases = find_cases(args.corpus, args.cases)
    if not cases:
        print(f"no case folder matching {args.cases!r} in {args.corpus}", file=sys.stderr)
        return 1
    records = [new_record(c, args.out) for c in cases]
    started = time.perf_counter()
    if not args.skip_separation:
        args.out.mkdir(parents=True, exist_ok=True)
        separate_all(records, args.bssd.resolve(), extra, args.jobs, args.timeout)
    score_all(records, args.jobs)
    progress(f"{len(records)} cases done in {time.perf_counter() - started:.1f} s")

    sums = summaries(records)
    target = target_check(next(s for s in sums if s["name"] == DETERMINED))
    tables = [case_table(records), summary_table(sums)]
    if any(s["window_sdri"] for s in sums):
        tables.append(convergence_table(sums))
    note_lines = notes(records, target)
    print(render_text(tables, note_lines), end="", flush=True)
    if args.md:
        args.md.write_text(render_markdown(tables, note_lines))
    if args.json:
        config = dict(corpus=str(args.corpus), bssd=None if args.skip_separation else str(args.bssd),
                      extra_args=extra, out=str(args.out), jobs=args.jobs,
                      filter_length=FILTER_LENGTH, headline_start_s=HEADLINE_START_S,
                      window_s=WINDOW_S, event_span_s=EVENT_SPAN_S, silence_db=SILENCE_DB,
                      clamp_db=CLAMP_DB)
        args.json.write_text(json.dumps(dict(config=config, target=target, summaries=sums,
                                             cases=records), indent=1) + "\n")
    return 1 if any(r["error"] is not None for r in records) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
