#!/bin/bash
# Test accuracy over seeds, with MKL's vendor check answered (default) and left to MKL (MKL_ENABLE_INSTRUCTIONS=AVX512).
cd "$(dirname "$0")/../../.."
export OMP_WAIT_POLICY=PASSIVE
V="dotnet bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll --data ../shared/datasets/fashion-mnist --epochs 5 --threads 2"
for b in 256 32; do for s in 1 2 3 4 5; do
  a=$($V --batch $b --seed $s | grep -o '"test_accuracy":[0-9.]*' | cut -d: -f2)
  o=$(MKL_ENABLE_INSTRUCTIONS=AVX512 $V --batch $b --seed $s | grep -o '"test_accuracy":[0-9.]*' | cut -d: -f2)
  echo "$b,$s,$a,$o,$(cut -d' ' -f1 /proc/loadavg)"
done; done
