#!/usr/bin/env bash
# End-to-end check of the MLNetDeep packages as a user gets them: pack the solution to a temporary feed, build
# fresh console apps outside the repo against it, and run them with dotnet run and after dotnet publish
# (with and without -r linux-x64). Also checks that the build logic shipped in MLNetDeep.Trainers patches
# libLibTorchSharp.so in every output, leaves the NuGet cache alone, and warns (MLND001/MLND002) when an app
# forgets the native packages; that the packages ask for Microsoft.ML >= the repo's minimum; and that a serving
# app referencing only MLNetDeep.Transforms builds and scores without libtorch and without either warning; and that
# an image app referencing only MLNetDeep.Pretrained (and the natives) trains on ResNet18 and serves its zip.
#
# Usage: build/check-package.sh [MLNET_VERSION]   (KEEP=1 keeps the temporary folder for inspection)
#   MLNET_VERSION (argument, or the environment variable of that name): the Microsoft.ML (and OnnxTransformer)
#   version the apps reference; default MLNetLatestVersion in Directory.Packages.props. .ci/run runs the check
#   on the oldest and the newest supported version.
# Prints "check-package: PASS" or "check-package: FAIL: <reason>" last; the exit code says the same.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# A version no earlier run used, so a package cached by an earlier run can never stand in for this build.
version="0.1.0-check.$(date -u +%Y%m%d%H%M%S).$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/mlnetdeep-check.XXXXXX")
nuget_root=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
nuget_root=${nuget_root%/}
step="start"
started=$SECONDS

reason=""

fail() {
    reason="$*"
    exit 1
}

finish() {
    local rc=$?
    # This run's packages are useless to any later run (the version is unique), so do not let them pile up.
    rm -rf "$nuget_root"/mlnetdeep.*/"$version"
    rmdir "$nuget_root"/mlnetdeep.* 2>/dev/null || true
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "check-package: kept $work"
    else
        rm -rf "$work"
    fi
    if [[ $rc -ne 0 ]]; then
        echo "check-package: FAIL during '$step' (Microsoft.ML ${mlnet_version:-?}): ${reason:-a command exited with code $rc} ($((SECONDS - started)) s)" >&2
    else
        echo "check-package: PASS on Microsoft.ML $mlnet_version ($((SECONDS - started)) s)"
    fi
}
trap finish EXIT

case "$work/" in
    "$repo"/*) fail "the temporary folder $work is inside the repo; set TMPDIR to a folder outside $repo" ;;
esac
command -v dotnet >/dev/null || fail "dotnet was not found on PATH; install the .NET 10 SDK"

# The app references the same native versions as the repo, so there is one place to bump them.
package_version() {
    sed -n "s/.*<PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*/\1/p" "$repo/Directory.Packages.props"
}
props_property() {
    sed -n "s/.*<$1>\([^<]*\)<\/$1>.*/\1/p" "$repo/Directory.Packages.props" | head -n 1
}
libtorch_version=$(package_version libtorch-cpu-linux-x64)
ort_version=$(package_version Microsoft.ML.OnnxRuntime)
torchsharp_version=$(package_version TorchSharp)
mlnet_minimum=$(props_property MLNetMinimumVersion)
mlnet_version=${1:-${MLNET_VERSION:-$(props_property MLNetLatestVersion)}}
[[ -n "$libtorch_version" && -n "$ort_version" && -n "$torchsharp_version" && -n "$mlnet_minimum" && -n "$mlnet_version" ]] ||
    fail "could not read the libtorch-cpu-linux-x64, Microsoft.ML.OnnxRuntime and TorchSharp versions and MLNetMinimumVersion/MLNetLatestVersion from $repo/Directory.Packages.props"
[[ "$mlnet_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "MLNET_VERSION '$mlnet_version' is not a Microsoft.ML version such as 5.0.1"
echo "== checking against Microsoft.ML $mlnet_version (the packages require >= $mlnet_minimum)"
cache_so="$nuget_root/torchsharp/$torchsharp_version/runtimes/linux-x64/native/libLibTorchSharp.so"

# Prints WEAK, STRONG or ABSENT for the GLIBCXX_3.4.32 requirement of a library.
glibcxx_flag() {
    local line
    line=$(readelf -V "$1" | grep 'Name: GLIBCXX_3.4.32' || true)
    if [[ -z "$line" ]]; then echo ABSENT; elif [[ "$line" == *WEAK* ]]; then echo WEAK; else echo STRONG; fi
}

expect_weak() {
    [[ -f "$1" ]] || fail "expected $1 to exist"
    if ! command -v readelf >/dev/null; then
        echo "  (readelf not found: not checking the flag of $1)"
        return
    fi
    local flag
    flag=$(glibcxx_flag "$1")
    [[ "$flag" == WEAK ]] || fail "GLIBCXX_3.4.32 in $1 is $flag, expected WEAK: the MLNetDeep build logic did not patch it"
    echo "  $1: GLIBCXX_3.4.32 is WEAK"
}

run_app() {
    local log="$work/$1.log"
    shift
    local rc=0
    "$@" >"$log" 2>&1 || rc=$?
    cat "$log"
    [[ $rc -eq 0 ]] || fail "the app exited with code $rc under: $*"
    grep -q '^CHECK-APP OK$' "$log" || fail "the app exited 0 but did not print CHECK-APP OK under: $*"
}

step="pack"
echo "== dotnet pack (version $version)"
dotnet pack "$repo/MLNetDeep.sln" -c Release -o "$work/feed" -p:Version="$version" >"$work/pack.log" 2>&1 ||
    { cat "$work/pack.log"; fail "dotnet pack failed"; }
expected="MLNetDeep.Datasets.$version.nupkg MLNetDeep.Pretrained.$version.nupkg MLNetDeep.Trainers.$version.nupkg MLNetDeep.Transforms.$version.nupkg MLNetDeep.Transforms.Imaging.$version.nupkg"
actual=$(cd "$work/feed" && ls -1 | sort | tr '\n' ' ' | sed 's/ $//')
[[ "$actual" == "$expected" ]] || fail "dotnet pack produced [$actual], expected [$expected]"
trainers_nupkg="$work/feed/MLNetDeep.Trainers.$version.nupkg"
# Listed once into a variable: grep -q closing a pipe early would fail the pipeline under pipefail.
trainers_entries=$(unzip -Z1 "$trainers_nupkg")
for entry in build/MLNetDeep.Trainers.targets build/ElfVersionRequirementPatcher.cs \
    buildTransitive/MLNetDeep.Trainers.targets buildTransitive/ElfVersionRequirementPatcher.cs; do
    grep -qx "$entry" <<<"$trainers_entries" || fail "$trainers_nupkg lacks $entry"
done
transforms_nupkg="$work/feed/MLNetDeep.Transforms.$version.nupkg"
transforms_entries=$(unzip -Z1 "$transforms_nupkg")
for entry in build/MLNetDeep.Transforms.targets buildTransitive/MLNetDeep.Transforms.targets; do
    grep -qx "$entry" <<<"$transforms_entries" || fail "$transforms_nupkg lacks $entry"
done
# The serving package ships the ONNX Runtime check only: nothing that would speak of libtorch.
if unzip -p "$transforms_nupkg" build/MLNetDeep.Transforms.targets | grep -q 'MLND002\|TorchSharp'; then
    fail "$transforms_nupkg's build logic mentions TorchSharp or MLND002; serving needs no libtorch"
fi
for nupkg in "$work"/feed/*.nupkg; do
    echo "  $(basename "$nupkg"): $(stat -c %s "$nupkg") bytes"
    # Every package that uses ML.NET asks for the oldest supported version and nothing above it, so apps on
    # either line (5.0.x, 6.0.x) restore it without a downgrade or a forced upgrade.
    nuspec=$(unzip -p "$nupkg" '*.nuspec')
    dependency=$(grep -o '<dependency id="Microsoft.ML" version="[^"]*"' <<<"$nuspec" || true)
    [[ -n "$dependency" ]] || fail "$(basename "$nupkg") has no Microsoft.ML dependency"
    [[ "$dependency" == *"version=\"$mlnet_minimum\""* ]] ||
        fail "$(basename "$nupkg") asks for $dependency; expected version=\"$mlnet_minimum\" (>= the minimum, no upper bound)"
done
echo "  every package depends on Microsoft.ML >= $mlnet_minimum"

step="create app"
echo "== creating a console app in $work/app"
cd "$work"
dotnet new nugetconfig -o "$work" >/dev/null
dotnet nuget add source "$work/feed" --name mlnetdeep-check --configfile "$work/nuget.config" >/dev/null
dotnet new console -o "$work/app" -n CheckApp --framework net10.0 >/dev/null
cd "$work/app"
dotnet add package MLNetDeep.Trainers --version "$version" >/dev/null
dotnet add package libtorch-cpu-linux-x64 --version "$libtorch_version" >/dev/null
dotnet add package Microsoft.ML.OnnxRuntime --version "$ort_version" >/dev/null
# Naming the ML.NET version picks the line the app is on; above the packages' minimum it is an upgrade.
dotnet add package Microsoft.ML --version "$mlnet_version" >/dev/null
dotnet add package Microsoft.ML.OnnxTransformer --version "$mlnet_version" >/dev/null
cp "$repo/build/check-package/Program.cs" Program.cs
mkdir -p "$work/model"

step="dotnet build (no RuntimeIdentifier)"
echo "== dotnet build"
dotnet build >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "dotnet build of the app failed"; }
if grep -q 'MLND00[12]' "$work/build.log"; then
    grep 'MLND00[12]' "$work/build.log"
    fail "the app references both native packages, yet the build warned MLND001/MLND002"
fi
expect_weak "$work/app/bin/Debug/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so"

step="dotnet run"
echo "== dotnet run"
MLNETDEEP_CHECK_OUTPUT="$work/model" run_app run dotnet run --no-build
grep -q "^running on Microsoft.ML $mlnet_version\$" "$work/run.log" || fail "the app did not run on Microsoft.ML $mlnet_version"
[[ -f "$work/model/model.zip" && -f "$work/model/expected.txt" ]] || fail "the app left no model.zip and expected.txt in $work/model"

step="dotnet publish -r linux-x64"
echo "== dotnet publish -c Release -r linux-x64"
dotnet publish -c Release -r linux-x64 -o "$work/publish-rid" >"$work/publish-rid.log" 2>&1 ||
    { cat "$work/publish-rid.log"; fail "dotnet publish -r linux-x64 failed"; }
expect_weak "$work/publish-rid/libLibTorchSharp.so"
run_app publish-rid "$work/publish-rid/CheckApp"

step="dotnet publish (no RuntimeIdentifier)"
echo "== dotnet publish -c Release"
dotnet publish -c Release -o "$work/publish-portable" >"$work/publish-portable.log" 2>&1 ||
    { cat "$work/publish-portable.log"; fail "dotnet publish without a RuntimeIdentifier failed"; }
expect_weak "$work/publish-portable/runtimes/linux-x64/native/libLibTorchSharp.so"
run_app publish-portable dotnet "$work/publish-portable/CheckApp.dll"
echo "  publish sizes: -r linux-x64 $(du -sh "$work/publish-rid" | cut -f1), portable $(du -sh "$work/publish-portable" | cut -f1)"

step="NuGet cache untouched"
if command -v readelf >/dev/null; then
    [[ "$(glibcxx_flag "$cache_so")" == STRONG ]] ||
        fail "$cache_so has a $(glibcxx_flag "$cache_so") GLIBCXX_3.4.32 requirement: the NuGet cache copy was modified"
    echo "  $cache_so: GLIBCXX_3.4.32 still STRONG"
fi

# An app that reaches MLNetDeep.Trainers only through MLNetDeep.Pretrained and names no native package: the
# warnings prove both that buildTransitive flows through a dependency and that the checks fire.
step="native package warnings"
echo "== MLND001/MLND002 on an app without native packages"
dotnet new console -o "$work/bare" -n BareApp --framework net10.0 >/dev/null
cd "$work/bare"
dotnet add package MLNetDeep.Pretrained --version "$version" >/dev/null
dotnet build >"$work/bare.log" 2>&1 || { cat "$work/bare.log"; fail "dotnet build of the app without natives failed"; }
for code in MLND001 MLND002; do
    grep -q "warning $code" "$work/bare.log" || { cat "$work/bare.log"; fail "no $code warning for an app without native packages"; }
done
grep -o 'warning MLND00[12]: [^[]*' "$work/bare.log" | sort -u | sed 's/^/  /'
dotnet build -p:MLNetDeepSkipOnnxRuntimeNativeCheck=true -p:MLNetDeepSkipLibTorchNativeCheck=true >"$work/bare-quiet.log" 2>&1 ||
    { cat "$work/bare-quiet.log"; fail "dotnet build with the checks turned off failed"; }
if grep -q 'MLND00[12]' "$work/bare-quiet.log"; then
    fail "MLNetDeepSkipOnnxRuntimeNativeCheck/MLNetDeepSkipLibTorchNativeCheck=true did not silence MLND001/MLND002"
fi

# An image app: MLNetDeep.Pretrained and the native backends only. The ResNet18 files must reach its output through
# the package, and TorchSharp must load (the GLIBCXX fix travels with MLNetDeep.Pretrained too).
step="image app"
echo "== image app: MLNetDeep.Pretrained only"
dotnet new console -o "$work/images" -n ImageApp --framework net10.0 >/dev/null
cd "$work/images"
dotnet add package MLNetDeep.Pretrained --version "$version" >/dev/null
dotnet add package libtorch-cpu-linux-x64 --version "$libtorch_version" >/dev/null
dotnet add package Microsoft.ML.OnnxRuntime --version "$ort_version" >/dev/null
dotnet add package Microsoft.ML --version "$mlnet_version" >/dev/null
cp "$repo/build/check-package/pretrained/Program.cs" Program.cs
dotnet build -p:RuntimeIdentifier=linux-x64 >"$work/images-build.log" 2>&1 || { cat "$work/images-build.log"; fail "dotnet build of the image app failed"; }
if grep -q 'MLND00[12]' "$work/images-build.log"; then
    grep 'MLND00[12]' "$work/images-build.log"
    fail "the image app references both native packages, yet the build warned MLND001/MLND002"
fi
find "$work/images/bin" -name 'ResNet18.onnx' | grep -q . || fail "the image app's output has no ResNet18.onnx (it should come with MLNetDeep.Pretrained)"
run_app images dotnet run --no-build -p:RuntimeIdentifier=linux-x64
grep -q "^running on Microsoft.ML $mlnet_version\$" "$work/images.log" || fail "the image app did not run on Microsoft.ML $mlnet_version"

# A serving app: MLNetDeep.Transforms and the CPU ONNX Runtime only. It must build without MLND001/MLND002, bring no
# TorchSharp or libtorch into its output, and score the training app's zip as the training process did.
step="serving app"
echo "== serving app: MLNetDeep.Transforms only, no libtorch"
dotnet new console -o "$work/serving" -n ServingApp --framework net10.0 >/dev/null
cd "$work/serving"
dotnet add package MLNetDeep.Transforms --version "$version" >/dev/null
dotnet add package Microsoft.ML.OnnxRuntime --version "$ort_version" >/dev/null
dotnet add package Microsoft.ML --version "$mlnet_version" >/dev/null
dotnet add package Microsoft.ML.OnnxTransformer --version "$mlnet_version" >/dev/null
cp "$repo/build/check-package/serving/Program.cs" Program.cs
dotnet build >"$work/serving-build.log" 2>&1 || { cat "$work/serving-build.log"; fail "dotnet build of the serving app failed"; }
if grep -q 'MLND00[12]' "$work/serving-build.log"; then
    grep 'MLND00[12]' "$work/serving-build.log"
    fail "the serving app references MLNetDeep.Transforms and Microsoft.ML.OnnxRuntime, yet the build warned MLND001/MLND002"
fi
torch_files=$(find "$work/serving/bin" \( -iname '*torch*' -o -iname '*skia*' -o -iname 'ScottPlot*' \) -printf '%P\n')
[[ -z "$torch_files" ]] || fail "the serving app's output holds TorchSharp, libtorch, SkiaSharp or ScottPlot files: $torch_files"
MLNETDEEP_CHECK_OUTPUT="$work/model" run_app serving dotnet run --no-build
grep -q "^running on Microsoft.ML $mlnet_version\$" "$work/serving.log" || fail "the serving app did not run on Microsoft.ML $mlnet_version"
echo "  serving output: $(du -sh "$work/serving/bin" | cut -f1), no TorchSharp, libtorch, SkiaSharp or ScottPlot"

# The same app without the native ONNX Runtime: MLNetDeep.Transforms' own build logic warns MLND001, and says
# nothing about libtorch (MLND002), which a serving app does not need.
step="serving app without ONNX Runtime native"
dotnet remove package Microsoft.ML.OnnxRuntime >/dev/null
dotnet build >"$work/serving-bare.log" 2>&1 || { cat "$work/serving-bare.log"; fail "dotnet build of the serving app without natives failed"; }
grep -q 'warning MLND001' "$work/serving-bare.log" || { cat "$work/serving-bare.log"; fail "no MLND001 warning for a serving app without Microsoft.ML.OnnxRuntime"; }
if grep -q 'MLND002' "$work/serving-bare.log"; then
    fail "a serving app that references only MLNetDeep.Transforms was warned MLND002 (libtorch)"
fi
echo "  without Microsoft.ML.OnnxRuntime: MLND001 only"

step="done"
