#!/bin/bash
# Test accuracy over seeds: the input batch norm folded in the training step (fold) against main without it.
# Run from a folder holding two worktrees, fold/ (with the fold) and main/ (without it), each with bench/Versus built in Release.
export OMP_WAIT_POLICY=PASSIVE
for b in 256 32; do for s in 1 2 3 4 5; do
  a=$(dotnet fold/bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll --data /work/shared/datasets/fashion-mnist --epochs 5 --threads 1 --batch $b --seed $s | grep -o '"test_accuracy":[0-9.]*' | cut -d: -f2)
  o=$(dotnet main/bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll --data /work/shared/datasets/fashion-mnist --epochs 5 --threads 1 --batch $b --seed $s | grep -o '"test_accuracy":[0-9.]*' | cut -d: -f2)
  echo "$b,$s,$a,$o,$(cut -d' ' -f1 /proc/loadavg)"
done; done
