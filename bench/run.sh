#!/usr/bin/env bash
# Runs every MLNetDeep benchmark in order and writes bench/results/*.csv|md (see BENCHMARKS.md).
#
#   bench/run.sh            full run (about 1.5 h on 2 cores; longer on a loaded machine)
#   bench/run.sh --quick    a few minutes: fewer rows, rounds and epochs; checks that everything runs (bench/results/quick/)
#   bench/run.sh throughput ceiling ...   only the named steps (with or without --quick)
#   bench/run.sh tabular    the tabular benchmark alone (6 real tables from Debian packages, 5-fold CV; see BENCHMARKS.md)
#   bench/run.sh images     the image estimator on flowers-small with ResNet18 (section 9 of BENCHMARKS.md): feature
#                           extraction, peak memory of Fit, cold start and latency of the saved zip, phase-2 steps vs PyTorch
#   bench/run.sh versus     MLNetDeep (a plain app, public API) against PyTorch, alternated (BENCHMARKS.md section 10):
#                           VERSUS_ROUNDS (5), VERSUS_EPOCHS (3), VERSUS_BATCHES ("32 256"), VERSUS_THREADS ("1 2")
#   bench/run.sh firstepoch first epoch against the later ones, in fresh processes: the bench's first Fit (batch 32,
#                           1 thread) and the sample as a user runs it (--epochs 5); FIRSTEPOCH_RUNS (5)
#
# Environment: DATA (Fashion-MNIST folder; default: the loader's search, e.g. shared/datasets/fashion-mnist),
# FLOWERS (flowers-small folder for the images step; default: found above the repository, ../shared/datasets/flowers-small),
# THREADS (default 2), OMP_WAIT_POLICY (default PASSIVE, see BENCHMARKS.md "Threads on a shared machine").
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
steps=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    *) steps+=("$a") ;;
  esac
done
[ ${#steps[@]} -eq 0 ] && steps=(waitpolicy throughput ablation ceiling accuracy fitparts inference memory search scale images)

threads="${THREADS:-2}"
# libgomp's default spin-waiting turns every parallel region into a scheduler wait when other processes share the
# cores; PASSIVE applies to libtorch (TorchSharp) and to PyTorch alike. Set OMP_WAIT_POLICY= to measure the default.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY-PASSIVE}"
python=/usr/bin/python3

needs_torch=0
for s in "${steps[@]}"; do [ "$s" != tabular ] && needs_torch=1; done
if [ $needs_torch -eq 1 ] && ! "$python" -c 'import torch' 2>/dev/null; then
  echo "Installing Debian's python3-torch (PyTorch 1.13) and OpenBLAS (OpenMP) for the PyTorch baseline…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null
fi
needs_onnx=0
for s in "${steps[@]}"; do [ "$s" = images ] && needs_onnx=1; done
if [ $needs_onnx -eq 1 ] && ! "$python" -c 'import onnx' 2>/dev/null; then
  echo "Installing Debian's python3-onnx (reads the backbone graph for the PyTorch baseline of the images step)…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-onnx >/dev/null
fi

dotnet build bench/MLNetDeep.Bench -c Release -v q -nologo
# The images step serves its saved zip from a process that references no TorchSharp, as a user's app would.
[ $needs_onnx -eq 1 ] && dotnet build bench/ImageServing -c Release -v q -nologo
bench=(dotnet bench/MLNetDeep.Bench/bin/Release/net10.0/linux-x64/MLNetDeep.Bench.dll)
data=()
[ -n "${DATA:-}" ] && data=(--data "$DATA")
# A quick run checks that everything works; it writes beside the full results, not over them.
out=bench/results
[ $quick -eq 1 ] && out=bench/results/quick
mkdir -p "$out"
# The tabular step alone keeps its own machine notes beside the other steps' ones.
machine_file=machine.md
[ "${steps[*]}" = tabular ] && machine_file=tabular-machine.md
[ "${steps[*]}" = images ] && machine_file=images-machine.md

{
  echo "# Machine"
  echo
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p') (family $(lscpu | sed -n 's/^CPU family: *//p'), model $(lscpu | sed -n 's/^Model: *//p'); AVX-512: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)), $(nproc) cores ($(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core), $(grep -q hypervisor /proc/cpuinfo && echo "virtual machine" || echo "bare metal")"
  echo "- RAM: $(free -g | awk '/^Mem:/ {print $2}') GiB; OS: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- .NET SDK $(dotnet --version); PyTorch $("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo none); scikit-learn $("$python" -c 'import sklearn; print(sklearn.__version__)' 2>/dev/null || echo none); onnx (Python) $("$python" -c 'import onnx; print(onnx.__version__)' 2>/dev/null || echo none); OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}; threads $threads"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- run: bench/run.sh $*, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
} > "$out/$machine_file"
cat "$out/$machine_file"

if [ $quick -eq 1 ]; then
  q_tp=(--rows 11000 --rounds 1 --epochs 2)
  q_ab=(--rows 11000 --rounds 1)
  q_ce=(--rounds 1 --min-ms 100)
  q_acc=(--max-train 11000 --dnn-epochs 3)
  q_inf=(--rounds 1 --rows-per-round 300 --transform-rows 2000)
  q_mem=(--epochs 3 --batch 256)
  q_search=(--epochs 2 --configs "300-100 bn adam b128")
  q_scale=(--rows 20000); wp_rounds=1
  q_img=(--images 8 --rounds 1 --memory-runs 1 --serving-rounds 1 --predictions 10 --step-rounds 1 --steps 1)
  vs_rounds=1; vs_epochs=2; vs_rows=(--rows 5500)
  tab_sets=breast-cancer,diabetes,digits
else
  q_tp=(); q_ab=(); q_ce=(); q_acc=(); q_inf=(); q_mem=(); q_search=(); q_scale=(); q_img=(); wp_rounds=3
  vs_rounds=${VERSUS_ROUNDS:-5}; vs_epochs=${VERSUS_EPOCHS:-3}; vs_rows=()
  tab_sets=${TABULAR_DATASETS:-breast-cancer,hmda,digits,letter,diabetes,diamonds}
fi

for step in "${steps[@]}"; do
  echo "== $step"
  case "$step" in
    waitpolicy)
      # The bare loop (5,000 rows, batch 32, 2 threads) under libgomp's default wait policy and under PASSIVE,
      # alternated; epoch 2 of each run is recorded.
      echo "round,omp_wait_policy,threads,epoch2_seconds" > "$out/waitpolicy.csv"
      for r in $(seq 1 "$wp_rounds"); do
        for policy in default PASSIVE; do
          for t in "$threads" 1; do
            if [ "$policy" = default ]; then env=(env -u OMP_WAIT_POLICY); else env=(env OMP_WAIT_POLICY=PASSIVE); fi
            s=$("${env[@]}" timeout 300 "${bench[@]}" throughput --contenders bare --rows 5000 --batches 32 --rounds 1 --epochs 2 \
                  --threads "$t" --out "$out/tmp" "${data[@]}" | sed -n 's/.*epoch 2: \([0-9.]*\) s/\1/p' || true)
            echo "$r,$policy,$t,${s:-timeout}" | tee -a "$out/waitpolicy.csv"
          done
        done
      done
      rm -rf "$out/tmp" ;;
    throughput) "${bench[@]}" throughput --threads "$threads" --out "$out" "${data[@]}" "${q_tp[@]}" ;;
    ablation)   "${bench[@]}" ablation --threads "$threads" --out "$out" "${data[@]}" "${q_ab[@]}" ;;
    ceiling)    "${bench[@]}" ceiling --threads "$threads" --out "$out" "${q_ce[@]}" ;;
    accuracy)   "${bench[@]}" accuracy --threads "$threads" --out "$out" "${data[@]}" "${q_acc[@]}" ;;
    fitparts)   "${bench[@]}" fitparts --out "$out" "${data[@]}" ;;
    inference)  "${bench[@]}" inference --out "$out" "${data[@]}" "${q_inf[@]}" ;;
    memory)     "${bench[@]}" memory --threads "$threads" --out "$out" "${data[@]}" "${q_mem[@]}" ;;
    search)     "${bench[@]}" search --threads "$threads" --out "$out" "${data[@]}" "${q_search[@]}" ;;
    scale)      "${bench[@]}" scale --threads "$threads" --out "$out" "${q_scale[@]}" ;;
    images)
      # Threads 1 and 2 for extraction and the PyTorch comparison (THREADS does not apply: both counts are the figure).
      flowers=()
      [ -n "${FLOWERS:-}" ] && flowers=(--flowers "$FLOWERS")
      "${bench[@]}" images --out "$out" "${flowers[@]}" "${q_img[@]}" ;;
    tabular)
      # Real tables shipped by Debian packages (scikit-learn's bundled files; R's ggplot2, mlbench and AER), exported
      # at bench time into an ignored folder; nothing is downloaded from elsewhere and no data is committed.
      if ! "$python" -c 'import sklearn, pandas' 2>/dev/null || ! command -v Rscript >/dev/null \
         || ! Rscript -e 'library(ggplot2); library(mlbench); library(AER)' >/dev/null 2>&1; then
        echo "Installing Debian's python3-sklearn, R and the R data packages (ggplot2, mlbench, AER)…"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn python3-pandas r-base-core r-cran-ggplot2 r-cran-mlbench r-cran-aer >/dev/null
      fi
      tdata=bench/data/tabular
      "$python" bench/tabular/export.py "$tdata"
      OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$python" bench/tabular/sklearn_mlp.py "$tdata" "$out/sklearn-mlp.csv" "$tab_sets"
      "${bench[@]}" tabular --data "$tdata" --out "$out" --datasets "$tab_sets" ;;
    versus)
      # Fresh processes, alternated within each round (the order flips every round): the trainer through the public
      # API in a plain app (bench/Versus) and the same network in PyTorch (bench/pytorch/versus.py). Each process is
      # one Fit, so every MLNetDeep run is the first Fit of its process; the load average is kept for every run.
      dotnet build bench/Versus -c Release -v q -nologo
      versus=(dotnet bench/Versus/bin/Release/net10.0/linux-x64/Versus.dll)
      vdata="${DATA:-}"
      if [ -z "$vdata" ]; then
        for d in ../shared/datasets/fashion-mnist shared/datasets/fashion-mnist; do [ -d "$d" ] && vdata="$d" && break; done
      fi
      [ -n "$vdata" ] || { echo "versus: set DATA to the Fashion-MNIST folder" >&2; exit 2; }
      vout="$out/versus"; mkdir -p "$vout"
      cp "$out/$machine_file" "$vout/machine.md"
      echo "threads,batch,round,contender,epoch,seconds,load1,load5" > "$vout/versus.csv"
      for t in ${VERSUS_THREADS:-1 2}; do
        for b in ${VERSUS_BATCHES:-32 256}; do
          for r in $(seq 1 "$vs_rounds"); do
            order=(mlnetdeep pytorch); [ $((r % 2)) -eq 0 ] && order=(pytorch mlnetdeep)
            for c in "${order[@]}"; do
              load=$(cut -d' ' -f1,2 /proc/loadavg | tr ' ' ',')
              if [ "$c" = mlnetdeep ]; then
                cmd=("${versus[@]}" --data "$vdata" --batch "$b" --epochs "$vs_epochs" --threads "$t" "${vs_rows[@]}")
              else
                cmd=("$python" bench/pytorch/versus.py --data "$vdata" --batch "$b" --epochs "$vs_epochs" --threads "$t" "${vs_rows[@]}")
              fi
              timeout 1800 "${cmd[@]}" | "$python" -c '
import json, sys
t, b, r, c, load = sys.argv[1:6]
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if "epoch" in d and "seconds" in d:
        print(",".join([t, b, r, c, str(d["epoch"]), repr(d["seconds"]), load]))
' "$t" "$b" "$r" "$c" "$load" | tee -a "$vout/versus.csv"
            done
          done
        done
      done
      "$python" bench/versus_summary.py "$vout/versus.csv" "$vout/versus.md" "$vout/machine.md" ;;
    firstepoch)
      # Every run is a new process, so every epoch 1 here is the first one that process trains.
      dotnet build samples/FashionMnist -c Release -v q -nologo
      fout="$out/firstepoch"; mkdir -p "$fout"
      cp "$out/$machine_file" "$fout/machine.md"
      echo "run,program,epoch,seconds,load1,load5" > "$fout/firstepoch.csv"
      fe_rows=(); fe_epochs=3; [ $quick -eq 1 ] && fe_rows=(--rows 11000) && fe_epochs=2
      for r in $(seq 1 "${FIRSTEPOCH_RUNS:-5}"); do
        load=$(cut -d' ' -f1,2 /proc/loadavg | tr ' ' ',')
        "${bench[@]}" firstepoch --config bench --no-probe --batch 32 --threads 1 --epochs "$fe_epochs" "${fe_rows[@]}" "${data[@]}" \
          | sed -n 's/^fit 1: epochs \([0-9. ]*\) s;.*/\1/p' | tr ' ' '\n' | awk -v r="$r" -v l="$load" 'NF { printf "%s,bench,%d,%s,%s\n", r, NR, $1, l }' \
          | tee -a "$fout/firstepoch.csv"
        load=$(cut -d' ' -f1,2 /proc/loadavg | tr ' ' ',')
        sample_args=(--epochs 5 --output "$fout/sample-artifacts"); [ -n "${DATA:-}" ] && sample_args+=(--data "$DATA")
        dotnet samples/FashionMnist/bin/Release/net10.0/linux-x64/FashionMnist.dll "${sample_args[@]}" \
          | sed -n 's/^ *epoch *\([0-9]*\)\/[0-9]*:.*, \([0-9.]*\) s$/\1 \2/p' | awk -v r="$r" -v l="$load" '{ printf "%s,sample,%s,%s,%s\n", r, $1, $2, l }' \
          | tee -a "$fout/firstepoch.csv"
      done
      rm -rf "$fout/sample-artifacts"
      "$python" - "$fout/firstepoch.csv" "$fout/machine.md" > "$fout/firstepoch.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(open(sys.argv[2]).read().rstrip() + "\n")
print("| program | run | epoch 1 s | later epochs s | median of later | **epoch 1 / median of later** | load (1 / 5 min) |")
print("|---|---:|---:|---|---:|---:|---|")
for program in ("bench", "sample"):
    for run in sorted({int(r["run"]) for r in rows if r["program"] == program}):
        mine = sorted((int(r["epoch"]), float(r["seconds"]), r["load1"] + " / " + r["load5"]) for r in rows if r["program"] == program and int(r["run"]) == run)
        later = [s for e, s, _ in mine if e >= 2]
        print(f"| {program} | {run} | {mine[0][1]:.2f} | {' '.join(f'{s:.2f}' for s in later)} | {statistics.median(later):.2f} | **{mine[0][1] / statistics.median(later):.2f}** | {mine[0][2]} |")
PY
      cat "$fout/firstepoch.md" ;;
    *) echo "unknown step '$step'" >&2; exit 2 ;;
  esac
done
echo "Results in $out/"
