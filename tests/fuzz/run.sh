#!/bin/sh
# Fuzz nomd's parse-and-validate step for a bounded time; prints TAP.
#
#   tests/fuzz/run.sh [SECONDS]        default 60 (or $NOMD_FUZZ_SECONDS)
#   prove tests/fuzz/run.sh            (prove passes no argument: the default)
#   make fuzz                          (see the report for the Makefile lines)
#
# Builds build/fuzz/fuzz_parse if needed (tests/fuzz/build.sh; BUILD, or
# NOMD_BUILD as `make check` sets it, moves build/), then:
#
#   ok 1 - the known crash inputs in tests/fuzz/crashes/ run clean
#          (each is run once; until the bug is fixed this fails)
#   ok 2 - fuzzed N s, X execs (R/s), no crash
#
# Test 2 starts from a fresh corpus under build/fuzz/corpus seeded from
# tests/corpus/**/*.eml, tests/data/*.eml and tests/fuzz/seeds/*. A crash,
# leak, sanitizer report, invariant trap, timeout (-timeout=10) or memory
# blow-up (-rss_limit_mb=2048) makes it "not ok" with the input's path
# (under build/fuzz/artifacts/) and the end of the log as # lines; rerun
# it with `build/fuzz/fuzz_parse PATH`. The whole log stays in
# build/fuzz/fuzz.log. No clang with libFuzzer: the plan is "1..0 # SKIP".
# Exit status: 0 when every test passed, 1 otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

secs=${1:-${NOMD_FUZZ_SECONDS:-60}}
case "$secs" in
'' | *[!0-9]*)
	echo "usage: tests/fuzz/run.sh [SECONDS]" >&2
	exit 64
	;;
esac
BUILD=${BUILD:-${NOMD_BUILD:-build}}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
export BUILD
out="$BUILD/fuzz"
mkdir -p "$out"

diag() { sed 's/^/# /'; }

# The line of a log that says what went wrong, most telling kind first.
first_error() {
	for pattern in 'invariant violated' 'ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer)' \
		'runtime error:' 'CRITICAL' 'ERROR: libFuzzer' 'SUMMARY:'; do
		line=$(grep -m1 -E "$pattern" "$1" | cut -c1-240)
		if [ -n "$line" ]; then
			echo "$line"
			return
		fi
	done
	echo "no error line in $1"
}

# Build (incremental).
bin=$("$here/build.sh" 2>"$out/build.log")
rc=$?
if [ "$rc" = 2 ]; then
	reason=$(tail -n 1 "$out/build.log" | sed 's/^fuzz\/build: //')
	echo "1..0 # SKIP $reason"
	exit 0
fi
echo "1..2"
if [ "$rc" != 0 ] || [ ! -x "$bin" ]; then
	echo "not ok 1 - known crash inputs (the fuzz target does not build)"
	echo "not ok 2 - fuzz target builds"
	tail -n 40 "$out/build.log" | diag
	exit 1
fi

# Sanitizers: stop at the first error, with a symbolized stack.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1; then
	for s in /usr/lib/llvm-14/bin/llvm-symbolizer /usr/bin/llvm-symbolizer-14; do
		if [ -x "$s" ]; then
			export ASAN_SYMBOLIZER_PATH="$s"
			break
		fi
	done
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1:allocator_may_return_null=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:symbolize=1}"
export G_SLICE=always-malloc
export NOMD_SOURCE="$root"
status=0

# 1: inputs that crashed before must not crash now.
known=0
failed=""
for f in "$here"/crashes/*; do
	[ -f "$f" ] || continue
	case "$f" in *README*) continue ;; esac
	known=$((known + 1))
	if ! "$bin" -runs=1 -timeout=10 -rss_limit_mb=2048 "$f" >"$out/replay.log" 2>&1; then
		failed="$failed ${f#"$root"/}"
		cp "$out/replay.log" "$out/replay-$(basename "$f").log"
	fi
done
if [ -z "$failed" ]; then
	echo "ok 1 - $known known crash inputs in tests/fuzz/crashes run clean"
else
	n=$(echo "$failed" | wc -w)
	echo "not ok 1 - $n of $known known crash inputs still fail (tests/fuzz/crashes/README)"
	for f in $failed; do
		echo "# $f: $(first_error "$out/replay-$(basename "$f").log")"
	done
	status=1
fi

# 2: fuzz from a fresh corpus.
corpus="$out/corpus"
artifacts="$out/artifacts"
rm -rf "$corpus"
mkdir -p "$corpus" "$artifacts"
seeds=0
# tests/corpus keeps its messages in groups (and phase2/ folders): all of them.
for f in $( (find tests/corpus -name '*.eml' -type f 2>/dev/null; ls tests/data/*.eml tests/fuzz/seeds/* 2>/dev/null) | sort); do
	[ -f "$f" ] || continue
	cp "$f" "$corpus/seed-$(echo "$f" | tr '/' '-')"
	seeds=$((seeds + 1))
done
dict=""
[ -f "$here/nomd.dict" ] && dict="-dict=$here/nomd.dict"
log="$out/fuzz.log"
stamp="$out/.fuzz-start"
: >"$stamp"
# -max_total_time bounds the fuzzing; the outer timeout only catches a hang
# that libFuzzer's own -timeout cannot (a deadlock in its handlers).
# NOMD_FUZZ_SEED fixes libFuzzer's random seed (make check sets it, so a
# slower machine explores a prefix of the same inputs); unset, each run
# explores anew (make fuzz).
seed_arg=
[ -n "${NOMD_FUZZ_SEED:-}" ] && seed_arg="-seed=$NOMD_FUZZ_SEED"
# shellcheck disable=SC2086
timeout -k 10 $((secs + 300)) "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" $seed_arg $dict ${NOMD_FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
# With -fork (NOMD_FUZZ_ARGS) the totals are only in the status lines.
[ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
[ -n "$rate" ] || [ -z "$execs" ] || [ "$secs" = 0 ] || rate=$((execs / secs))
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
# With -ignore_crashes the run ends well but leaves inputs behind.
[ -n "$artifact" ] || artifact=$(find "$artifacts" -type f -newer "$stamp" | head -n 1)
new_artifacts=$(find "$artifacts" -type f -newer "$stamp" | wc -l)
if [ "$rc" = 0 ] && [ -z "$artifact" ]; then
	echo "ok 2 - fuzzed $secs s, ${execs:-?} execs (${rate:-?}/s), $seeds seeds, coverage ${cov:-?} edges, no crash"
else
	what=$(first_error "$log")
	[ -z "$artifact" ] || grep -q 'Test unit written' "$log" ||
		what=$("$bin" -runs=1 "$artifact" >"$out/artifact.log" 2>&1; first_error "$out/artifact.log")
	if [ -n "$artifact" ]; then
		echo "not ok 2 - fuzz_parse failed: ${artifact#"$root"/} ($new_artifacts inputs saved in ${artifacts#"$root"/})"
	else
		echo "not ok 2 - fuzz_parse failed (exit status $rc, no input saved)"
	fi
	echo "# $what"
	[ -n "$artifact" ] && echo "# reproduce: ${bin#"$root"/} ${artifact#"$root"/}"
	echo "# log: ${log#"$root"/}; its end:"
	tail -n 60 "$log" | diag
	status=1
fi
exit $status
