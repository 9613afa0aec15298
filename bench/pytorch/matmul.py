"""PyTorch side of bench ceiling: seconds per fp32 matmul at the batch step's shapes and two squares (JSON lines)."""
import argparse
import json
import time

import torch


def shapes(b):
    # (name, m, k, n, transpose A, transpose B) — the same list as Ceiling.StepShapes in the C# bench.
    return [
        ("fwd1 X·W1ᵀ", b, 784, 300, False, True),
        ("fwd2 H1·W2ᵀ", b, 300, 100, False, True),
        ("fwd3 H2·W3ᵀ", b, 100, 10, False, True),
        ("dW3 G3ᵀ·H2", 10, b, 100, True, False),
        ("dH2 G3·W3", b, 10, 100, False, False),
        ("dW2 G2ᵀ·H1", 100, b, 300, True, False),
        ("dH1 G2·W2", b, 100, 300, False, False),
        ("dW1 G1ᵀ·X", 300, b, 784, True, False),
        ("square 1024", 1024, 1024, 1024, False, False),
        ("square 2048", 2048, 2048, 2048, False, False),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--min-seconds", type=float, default=0.3)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for name, m, k, n, ta, tb in shapes(a.batch):
        x = torch.randn(k, m).t() if ta else torch.randn(m, k)
        y = torch.randn(n, k).t() if tb else torch.randn(k, n)
        for _ in range(3):
            x.matmul(y)
        reps = 0
        start = time.perf_counter()
        while time.perf_counter() - start < a.min_seconds or reps < 5:
            x.matmul(y)
            reps += 1
        print(json.dumps({"name": name, "seconds": (time.perf_counter() - start) / reps}), flush=True)


if __name__ == "__main__":
    main()
