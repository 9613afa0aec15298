#!/bin/bash
# Test accuracy over seeds: dropout masks from Philox (philox) against the commit before it, with libtorch's
# bernoulli_ (before). Run from a folder holding two worktrees, philox/ and before/, each with bench/Versus built in
# Release. Output: batch,seed,philox accuracy,before accuracy,load.
export OMP_WAIT_POLICY=PASSIVE
for b in 256 32; do for s in 1 2 3 4 5; do
  a=$(dotnet philox/bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll --data /work/shared/datasets/fashion-mnist --epochs 5 --threads 1 --batch $b --seed $s | grep -o '"test_accuracy":[0-9.]*' | cut -d: -f2)
  o=$(dotnet before/bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll --data /work/shared/datasets/fashion-mnist --epochs 5 --threads 1 --batch $b --seed $s | grep -o '"test_accuracy":[0-9.]*' | cut -d: -f2)
  echo "$b,$s,$a,$o,$(cut -d' ' -f1 /proc/loadavg)"
done; done
