"""Turns bench/run's JSON lines into BENCHMARKS.md (kiln vs Faiss ratios)."""
import datetime
import glob
import json
import os
import platform
import subprocess
import sys


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}"


def main(results_path, out_path):
    rows = [json.loads(l) for l in open(results_path) if l.strip().startswith("{")]
    by = {}
    for r in rows:
        key = (r["bench"], r.get("k"), r.get("factory"), r.get("name"), r["n"], r["d"])
        by.setdefault(key, {})[r["tool"]] = r
    threads = rows[0]["threads"] if rows else "?"
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}; {threads} threads for both tools,",
        "one run of `bench/run` (kiln and Debian's libfaiss 1.7.3 as separate processes on the same data).",
        "These machines are noisy: compare the ratios, not absolute times.",
        f"OpenBLAS kernels for Faiss: OPENBLAS_CORETYPE={os.environ.get('KILN_BENCH_BLAS_CORE', 'auto')} "
        "(0.3.21 misdetects this CPU as Prescott otherwise; kiln makes the same choice itself).",
        "",
        "## k-means",
        "",
        "Effective GFLOP/s = 2·n_train·k·d·niter / seconds (work kiln skips by exact bounds still counts).",
        "",
        "| data | k | niter | Faiss s | kiln s | Faiss GFLOP/s | kiln GFLOP/s | kiln / Faiss | objective Faiss | objective kiln |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, t in by.items():
        if key[0] != "kmeans" or "faiss" not in t or "kiln" not in t:
            continue
        f, k = t["faiss"], t["kiln"]
        lines.append(
            f"| {f['n']}×{f['d']} clustered | {f['k']} | {f['niter']} | {f['seconds']:.2f} | {k['seconds']:.2f} | "
            f"{f['gflops']:.0f} | {k['gflops']:.0f} | **{k['gflops'] / f['gflops']:.2f}×** | "
            f"{f['objective']:.5g} | {k['objective']:.5g} |")
    lines += [
        "",
        "## Index builds (train + add, peak RSS, then recall@10 and QPS per nprobe)",
        "",
        "| data | factory | Faiss train+add s | kiln train+add s | speed-up | peak RSS Faiss / kiln MB | nprobe | recall Faiss | recall kiln | QPS Faiss | QPS kiln |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, t in by.items():
        if key[0] != "index" or "faiss" not in t or "kiln" not in t:
            continue
        f, k = t["faiss"], t["kiln"]
        ft = f["train_seconds"] + f["add_seconds"]
        kt = k["train_seconds"] + k["add_seconds"]
        for i, (fs, ks) in enumerate(zip(f["search"], k["search"])):
            head = (f"| {f['name']} {f['n']}×{f['d']} | {f['factory']} | {ft:.2f} | {kt:.2f} | **{ft / kt:.2f}×** "
                    f"| {f['peak_rss_mb']:.0f} / {k['peak_rss_mb']:.0f} "
                    if i == 0 else "| | | | | | ")
            lines.append(head + f"| {fs['nprobe']} | {fs['recall']:.4f} | {ks['recall']:.4f} | {fs['qps']:.0f} | {ks['qps']:.0f} |")
    solo = [t["kiln"] for key, t in by.items() if key[0] == "index" and "faiss" not in t and "kiln" in t]
    if solo:
        lines += ["", "## kiln alone at scale", "",
                  "| data | factory | train s | add s | train+add s | peak RSS MB | recall@10 per nprobe |",
                  "|---|---|---|---|---|---|---|"]
        for k in solo:
            rec = ", ".join(f"{s['nprobe']}: {s['recall']:.4f}" for s in k["search"])
            lines.append(f"| {k['name']} {k['n']}×{k['d']} | {k['factory']} | {k['train_seconds']:.2f} | "
                         f"{k['add_seconds']:.2f} | {k['train_seconds'] + k['add_seconds']:.2f} | "
                         f"{k['peak_rss_mb']:.0f} | {rec} |")
    lines += ["", "Reproduce: `bench/run` (about 7 minutes; `KILN_BENCH_THREADS=1 bench/run` for one thread, "
              "`KILN_BENCH_ONLY=IVF256,SQ8 bench/run` for one factory, `KILN_BENCH_LARGE=0` to skip the 1M set).",
              "Raw JSON lines: `bench/out/results.jsonl` (not committed), one object per tool and benchmark.",
              "Targets: k-means ≥ 3× Faiss's effective GFLOP/s; IVF-Flat recall@10 within 0.5 points of Faiss at the",
              "same nlist/nprobe and train+add at least as fast (issue 2); PQ16np and IVF256,PQ56np ≥ 5×, IVF256,SQ8/SQ4",
              "≥ 3× with recall@10 within 1 point; 1M×128 IVF4096,PQ32 train+add < 30 s; build peak RSS ≤ 1.3× of",
              "vectors + codes + centroids, ≈ 710 MB for the 1M build (issue 3).",
              "Coarse k-means and IVF list assignment run on AMX-BF16 tiles with exact FP32 re-scoring where the",
              "CPU has AMX (`KILN_AMX=0` turns it off to compare).", ""]
    # Other suites (HNSW, partitioning, the service) write their own measured
    # sections to bench/sections/*.md with their own run scripts; they are
    # appended here in name order so BENCHMARKS.md stays one document.
    sections = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "sections", "*.md")))
    for sec in sections:
        lines += ["", open(sec).read().rstrip(), ""]
    open(out_path, "w").write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
