"""Summarises `bench/run.sh versus` (issue 14): reads versus.csv, writes versus.md.

For every thread count and batch size: each contender's min and median epoch time over all rounds (epoch 1 of
every run apart, as its own column), the trainer / PyTorch ratio of the mins and of the medians, the median of
the per-round ratios (each round runs both contenders back to back), and every round with its load average.
"""
import csv
import statistics
import sys
from collections import defaultdict


def main(csv_path, md_path, header_path):
    rows = list(csv.DictReader(open(csv_path)))
    runs = defaultdict(list)  # (threads, batch, round, contender) -> [(epoch, seconds)]
    loads = {}
    for r in rows:
        key = (int(r["threads"]), int(r["batch"]), int(r["round"]), r["contender"])
        runs[key].append((int(r["epoch"]), float(r["seconds"])))
        loads[key] = (r["load1"], r["load5"])
    out = [open(header_path).read().rstrip(), ""]
    out.append("Epoch times in seconds. \"Later\" is epochs 2.. of every run; epoch 1 is shown apart. Ratios are "
               "MLNetDeep / PyTorch (below 1: MLNetDeep is faster).")
    out.append("")
    out.append("| threads | batch | rounds | MLNetDeep later min / median | PyTorch later min / median | **ratio of mins** | "
               "**ratio of medians** | median of per-round ratios | MLNetDeep epoch 1 / later median | PyTorch epoch 1 / later median | load (1 min) |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    detail = []
    for threads, batch in sorted({(k[0], k[1]) for k in runs}):
        rounds = sorted({k[2] for k in runs if k[0] == threads and k[1] == batch})
        later, first, per_round = defaultdict(list), defaultdict(list), []
        for rnd in rounds:
            medians = {}
            for c in ("mlnetdeep", "pytorch"):
                epochs = runs.get((threads, batch, rnd, c), [])
                later[c] += [s for e, s in epochs if e >= 2]
                first[c] += [s for e, s in epochs if e == 1]
                medians[c] = statistics.median([s for e, s in epochs if e >= 2]) if any(e >= 2 for e, _ in epochs) else float("nan")
            ratio = medians["mlnetdeep"] / medians["pytorch"]
            per_round.append(ratio)
            detail.append((threads, batch, rnd, runs.get((threads, batch, rnd, "mlnetdeep"), []), runs.get((threads, batch, rnd, "pytorch"), []),
                           ratio, loads.get((threads, batch, rnd, "mlnetdeep")), loads.get((threads, batch, rnd, "pytorch"))))
        m, p = later["mlnetdeep"], later["pytorch"]
        load_values = [float(loads[k][0]) for k in loads if k[0] == threads and k[1] == batch]
        out.append(f"| {threads} | {batch} | {len(rounds)} | {min(m):.3f} / {statistics.median(m):.3f} | {min(p):.3f} / {statistics.median(p):.3f} | "
                   f"**{min(m) / min(p):.2f}** | **{statistics.median(m) / statistics.median(p):.2f}** | {statistics.median(per_round):.2f} | "
                   f"{statistics.median(first['mlnetdeep']) / statistics.median(m):.2f} | {statistics.median(first['pytorch']) / statistics.median(p):.2f} | "
                   f"{min(load_values):.1f}–{max(load_values):.1f} |")
    out.append("")
    out.append("Every round (epoch times in run order; load average over 1 and 5 minutes when each process started):")
    out.append("")
    out.append("| threads | batch | round | MLNetDeep epochs | PyTorch epochs | ratio of later medians | load MLNetDeep | load PyTorch |")
    out.append("|---:|---:|---:|---|---|---:|---|---|")
    for threads, batch, rnd, m, p, ratio, lm, lp in detail:
        fmt = lambda epochs: " ".join(f"{s:.2f}" for _, s in sorted(epochs))
        out.append(f"| {threads} | {batch} | {rnd} | {fmt(m)} | {fmt(p)} | {ratio:.2f} | {'/'.join(lm) if lm else ''} | {'/'.join(lp) if lp else ''} |")
    text = "\n".join(out) + "\n"
    open(md_path, "w").write(text)
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:4])
