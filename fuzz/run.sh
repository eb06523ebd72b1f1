#!/usr/bin/env bash
# Builds the libFuzzer targets with AddressSanitizer and runs one of them.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer options]      TARGET: toml, chain, points or audio
#
# The corpus grows in .build-fuzz/corpus/TARGET (seeded from fuzz/seeds/TARGET); a crash, leak or
# timeout is written to .build-fuzz/findings/ and the script exits non-zero. Keep each finding
# as a regression case: a seed in fuzz/seeds/TARGET and a test (as in Tests/CLITests/ChainShapeTests.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh toml|chain|points|audio SECONDS [libFuzzer options]}
seconds=${2:-60}
shift 2 || shift $#
case "$target" in toml|chain|points|audio) ;; *) echo "fuzz: unknown target $target" >&2; exit 64 ;; esac

SFCONV_FUZZ=1 swift build -c release --product SFConvFuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
  --scratch-path .build-fuzz >&2
binary=.build-fuzz/release/SFConvFuzz
mkdir -p ".build-fuzz/corpus/$target" .build-fuzz/findings
cp -n "fuzz/seeds/$target"/* ".build-fuzz/corpus/$target/" 2>/dev/null || true
export SFCONV_FUZZ_TARGET=$target
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp}
max_len=4096
[ "$target" = audio ] && max_len=65536
"$binary" ".build-fuzz/corpus/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 \
  -max_len="$max_len" -print_final_stats=1 -artifact_prefix=".build-fuzz/findings/$target-" "$@"
