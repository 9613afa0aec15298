"""PyTorch baseline for bench throughput: the same MLP, optimizer, shuffling and threads as the bare TorchSharp loop.

Prints one JSON line per epoch: {"epoch": n, "seconds": s}. Run with Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import argparse
import json
import time

import torch
from torch import nn

from fashion_mnist import load


def mlp(inputs, hidden, outputs):
    layers = []
    width = inputs
    for units in hidden:
        # No bias before BN, as the trainer builds it (BN's shift makes the bias dead weight).
        layers += [nn.Linear(width, units, bias=False), nn.BatchNorm1d(units), nn.ReLU()]
        width = units
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--hidden", default="300,100")
    p.add_argument("--rows", type=int, default=55000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stats", action="store_true", help="also loss.item() and accuracy every step, as the trainer does")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xs, ys = load(a.data, a.rows)
    x = torch.from_numpy(xs)
    y = torch.from_numpy(ys)
    model = mlp(x.shape[1], [int(h) for h in a.hidden.split(",")], 10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.functional.cross_entropy
    generator = torch.Generator().manual_seed(a.seed)
    rows = x.shape[0]
    for epoch in range(1, a.epochs + 1):
        start_time = time.perf_counter()
        model.train()
        order = torch.randperm(rows, generator=generator)
        correct = 0
        loss_sum = 0.0
        for start in range(0, rows, a.batch):
            index = order[start:start + a.batch]
            if len(index) == 1:
                break
            xb = x.index_select(0, index)
            yb = y.index_select(0, index)
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            if a.stats:
                loss_sum += loss.item() * len(index)
                correct += (out.detach().argmax(1) == yb).sum().item()
        seconds = time.perf_counter() - start_time
        print(json.dumps({"epoch": epoch, "seconds": seconds, "torch": torch.__version__,
                          "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
