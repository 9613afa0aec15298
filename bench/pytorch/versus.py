"""The PyTorch side of `bench/run.sh versus` (issue 14): the network, data, optimizer and per-step work of the
MLNetDeep trainer in bench/Versus, written as a PyTorch user would.

784 → BatchNorm1d(784) → [Linear(no bias) → BatchNorm1d → ReLU → Dropout(0.2)] × (300, 100) → Linear(100, 10),
He-normal hidden weights and Glorot-uniform output weights (the trainer's defaults for ReLU), softmax cross-entropy,
Adam (lr 1e-3, betas 0.9/0.999, eps 1e-7), reshuffled every epoch (randperm + index_select), loss.item() and the
accuracy every step (the trainer reports both per epoch). Prints one JSON line per epoch.
Run with Debian's /usr/bin/python3 (python3-torch 1.13, OpenBLAS-OpenMP).
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn

from fashion_mnist import load


def network(inputs, hidden, outputs, dropout):
    layers = [nn.BatchNorm1d(inputs)]
    width = inputs
    for units in hidden:
        linear = nn.Linear(width, units, bias=False)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        layers += [linear, nn.BatchNorm1d(units), nn.ReLU(), nn.Dropout(dropout)]
        width = units
    output = nn.Linear(width, outputs)
    nn.init.xavier_uniform_(output.weight)
    nn.init.zeros_(output.bias)
    layers.append(output)
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rows", type=int, default=55000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--phases", action="store_true", help="also time each phase of every step (CPU ops are synchronous) and print each phase's median step x steps")
    a = p.parse_args()

    started = time.perf_counter()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xs, ys = load(a.data, a.rows)
    x = torch.from_numpy(xs)
    y = torch.from_numpy(ys)
    model = network(x.shape[1], [300, 100], 10, a.dropout)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    generator = torch.Generator().manual_seed(a.seed)
    rows = x.shape[0]
    for epoch in range(1, a.epochs + 1):
        start_time = time.perf_counter()
        model.train()
        order = torch.randperm(rows, generator=generator)
        correct = 0
        loss_sum = 0.0
        # Per-step durations; the report is each phase's median step × steps, as the bench's interleave step reports
        # the trainer's, so a descheduled moment stalls one sample instead of the sum.
        phases = {name: [] for name in ("gather", "zero_grad", "forward", "loss", "backward", "optimizer", "stats")}
        clock = time.perf_counter
        for start in range(0, rows, a.batch):
            t0 = clock()
            index = order[start:start + a.batch]
            if len(index) == 1:
                break
            xb = x.index_select(0, index)
            yb = y.index_select(0, index)
            t1 = clock()
            opt.zero_grad(set_to_none=True)
            t2 = clock()
            out = model(xb)
            t3 = clock()
            loss = nn.functional.cross_entropy(out, yb)
            loss_value = loss.item()
            t4 = clock()
            loss.backward()
            t5 = clock()
            opt.step()
            t6 = clock()
            loss_sum += loss_value * len(index)
            correct += (out.detach().argmax(1) == yb).sum().item()
            if a.phases:
                t7 = clock()
                for name, (begin, end) in zip(phases, ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6), (t6, t7))):
                    phases[name].append(end - begin)
        seconds = time.perf_counter() - start_time
        if a.phases:
            steps = len(phases["gather"])
            print(json.dumps({"contender": "pytorch", "epoch": epoch, "steps": steps,
                              "phase_median_step_x_steps": {n: statistics.median(v) * steps for n, v in phases.items()}}), flush=True)
        print(json.dumps({"contender": "pytorch", "epoch": epoch, "seconds": seconds, "loss": loss_sum / rows,
                          "accuracy": correct / rows, "torch": torch.__version__, "threads": torch.get_num_threads()}),
              flush=True)
    print(json.dumps({"contender": "pytorch", "process_seconds": time.perf_counter() - started}), flush=True)


if __name__ == "__main__":
    main()
