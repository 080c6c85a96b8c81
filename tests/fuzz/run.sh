#!/bin/sh
# Fuzz nomd's parsers and its parse-and-validate pipeline for a bounded
# time with libFuzzer; prints TAP.
#
#   tests/fuzz/run.sh [--target NAME]... [SECONDS]
#   prove tests/fuzz/run.sh            (prove passes no argument)
#   make check                         (NOMD_FUZZ_SECONDS=60 NOMD_FUZZ_SEED=1)
#   make fuzz FUZZ_SECONDS=N           (run.sh N: N seconds for each target)
#
# The targets (tests/fuzz/fuzz_*.c, built by tests/fuzz/build.sh):
#
#   fuzz_parse     the whole pipeline: MIME walk, form, rules, reply
#   fuzz_mime      mime_parse() alone, against the caps in parsers/mime.h
#                  and the heap a grown message may take (mime_scan.h)
#   fuzz_form      form_parse(), csv_read_rows() and form_add_rows()
#   fuzz_template  template_load() and template_render(), HTML escaping
#   fuzz_config    config_load() and its "FILE:LINE: message" errors
#   fuzz_office    the .docx, .odt, .xlsx and .ods readers of nomd-reader
#                  (ZIP, XML, tables) against the caps in parsers/document.h
#   fuzz_pdf       nomd-reader's doc_read(), doc_read_pdf(), doc_read_xls()
#
# Time: SECONDS on the command line is the time of EACH target.
# Without it, NOMD_FUZZ_SECONDS (default 60) is the TOTAL for all the
# targets run, shared by weight: fuzz_parse 2 shares (it is the slowest
# and covers the most), every other target 1; with all five and 60 s,
# fuzz_parse 20 s and the others 10 s each. 0 seconds runs the seeds once
# without fuzzing. --target (repeatable) or NOMD_FUZZ_TARGETS="a b" picks
# targets; the default is all of them.
#
# For each target, two tests:
#
#   ok 1 - fuzz_form: the N known crash inputs in tests/fuzz/crashes/fuzz_form run clean
#          (each is run once; until its bug is fixed this fails)
#   ok 2 - fuzz_form: fuzzed S s, X execs (R/s), K seeds, coverage C, no crash
#
# The fuzzing starts from a fresh corpus under build/fuzz/corpus/TARGET
# seeded from (duplicates are harmless):
#
#   fuzz_parse     tests/corpus/**/*.eml, tests/data/*.eml, tests/fuzz/seeds/*
#   fuzz_mime      the same .eml files
#   fuzz_form      the decoded text (and CSV attachments) of those messages
#                  (tests/fuzz/form_seeds.py; without python3 the messages
#                  minus their headers), templates/blank-form.txt,
#                  tests/fuzz/seeds-form/*
#   fuzz_template  templates/*.txt, templates/*.html, tests/fuzz/seeds-template/*
#   fuzz_config    etc/nomd.conf, tests/fuzz/seeds-config/*
#   fuzz_office    tests/fuzz/seeds-office/* (tests/fuzz/office_seeds.py)
#   other fuzz_X   tests/fuzz/seeds-X/* (fuzz_pdf: seeds-pdf)
#
# with the dictionary tests/fuzz/{nomd,form,template,config,office}.dict.
# NOMD_FUZZ_SEED fixes libFuzzer's random seed (make check sets it, so a
# slower machine explores a prefix of the same inputs); unset, each run
# explores anew (make fuzz). NOMD_FUZZ_ARGS adds libFuzzer flags to every
# target (-fork=2, -only_ascii=1, ...). NOMD_FUZZ_IGNORE="name,..." reaches
# the targets: it switches off the named checks of bugs being fixed
# (tests/fuzz/crashes/README).
#
# A crash, leak, sanitizer report, invariant trap, timeout (-timeout=10) or
# memory blow-up (-rss_limit_mb=2048) makes the target's test 2 "not ok"
# with what broke and the end of the log as # lines. The input is kept in
# build/fuzz/artifacts/TARGET/ and copied to tests/fuzz/crashes/TARGET/
# (not while the target's known crash inputs still fail, nor with
# NOMD_FUZZ_SAVE=0), where the next run replays it first; the
# # lines say how to replay it by hand (build/fuzz/TARGET FILE). Describe
# each new file in tests/fuzz/crashes/README. The whole log of a target
# stays in build/fuzz/TARGET.log.
#
# Builds with tests/fuzz/build.sh first (BUILD, or NOMD_BUILD as `make
# check` sets it, moves build/). No clang with libFuzzer: the plan is
# "1..0 # SKIP", or with NOMD_FUZZ_REQUIRED=1 (CI, whose dependencies
# include them) one "not ok". Exit status: 0 when every test passed, 1
# otherwise, 64 for a bad argument.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

usage() {
	echo "usage: tests/fuzz/run.sh [--target NAME]... [SECONDS]" >&2
	exit 64
}

all_targets="fuzz_parse fuzz_mime fuzz_form fuzz_template fuzz_config fuzz_office fuzz_pdf"
targets=""
each=""
while [ $# -gt 0 ]; do
	case "$1" in
	--target | -t)
		[ $# -ge 2 ] || usage
		targets="$targets $2"
		shift 2
		;;
	--target=*)
		targets="$targets ${1#--target=}"
		shift
		;;
	-h | --help) usage ;;
	-*) usage ;;
	*)
		[ -z "$each" ] || usage
		each=$1
		shift
		;;
	esac
done
[ -n "$targets" ] || targets=${NOMD_FUZZ_TARGETS:-$all_targets}
for t in $targets; do
	case " $all_targets " in
	*" $t "*) ;;
	*)
		echo "run.sh: no target $t (have: $all_targets)" >&2
		exit 64
		;;
	esac
done
total=${NOMD_FUZZ_SECONDS:-60}
for n in "$each" "$total"; do
	case "$n" in *[!0-9]*) usage ;; esac
done

weight() { if [ "$1" = fuzz_parse ]; then echo 2; else echo 1; fi; }
shares=0
for t in $targets; do shares=$((shares + $(weight "$t"))); done
# The seconds target $1 fuzzes for.
seconds_of() {
	if [ -n "$each" ]; then
		echo "$each"
		return
	fi
	s=$((total * $(weight "$1") / shares))
	[ "$s" = 0 ] && [ "$total" != 0 ] && s=1
	echo "$s"
}

BUILD=${BUILD:-${NOMD_BUILD:-build}}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
export BUILD
out="$BUILD/fuzz"
mkdir -p "$out"

# Logs can hold any bytes the fuzzer made: TAP gets valid UTF-8 only.
if printf 'ok\n' | iconv -c -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
	utf8() { iconv -c -f UTF-8 -t UTF-8 2>/dev/null; }
else
	utf8() { LC_ALL=C tr -c '\n -~' '?'; }
fi
diag() { utf8 | sed 's/^/# /'; }
rel() { echo "${1#"$root"/}"; }

# The line of a log that says what went wrong, most telling kind first.
first_error() {
	for pattern in 'invariant violated' 'ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer)' \
		'runtime error:' 'CRITICAL' 'ERROR: libFuzzer' 'SUMMARY:'; do
		line=$(grep -a -m1 -E "$pattern" "$1" | cut -c1-240 | utf8)
		if [ -n "$line" ]; then
			echo "$line"
			return
		fi
	done
	echo "no error line in $(rel "$1")"
}

# Build (incremental): every target asked for; one that does not build
# fails its own tests.
# shellcheck disable=SC2086
"$here/build.sh" $targets >"$out/build.out" 2>"$out/build.log"
rc=$?
if [ "$rc" = 2 ]; then
	reason=$(tail -n 1 "$out/build.log" | sed 's/^fuzz\/build: //')
	if [ "${NOMD_FUZZ_REQUIRED:-0}" = 0 ]; then
		echo "1..0 # SKIP $reason"
		exit 0
	fi
	echo "1..1"
	echo "not ok 1 - libFuzzer is required here (NOMD_FUZZ_REQUIRED=$NOMD_FUZZ_REQUIRED) and cannot build: $reason"
	grep -v '^fuzz/build: CC' "$out/build.log" | tail -n 20 | diag
	exit 1
fi
n=0
for t in $targets; do n=$((n + 2)); done
echo "1..$n"

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
# Leaks inside libraries nomd does not own (tests/lsan.supp says which and why).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/../lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:symbolize=1}"
export G_SLICE=always-malloc
export NOMD_SOURCE="$root"
status=0
num=0

# Copy the seeds of target $1 into directory $2; prints how many.
seed_corpus() {
	count=0
	add() {
		[ -f "$1" ] || return 0
		cp "$1" "$2/seed-$(echo "$1" | tr '/' '-')"
		count=$((count + 1))
	}
	mails=$( (find tests/corpus -name '*.eml' -type f 2>/dev/null; ls tests/data/*.eml tests/fuzz/seeds/*.eml 2>/dev/null) | sort)
	case "$1" in
	fuzz_parse)
		for f in $mails $(ls tests/fuzz/seeds/* 2>/dev/null); do add "$f" "$2"; done
		;;
	fuzz_mime)
		for f in $mails; do add "$f" "$2"; done
		;;
	fuzz_form)
		# shellcheck disable=SC2086
		if command -v python3 >/dev/null 2>&1 && python3 "$here/form_seeds.py" "$2" $mails 2>"$out/form_seeds.log"; then
			count=$(find "$2" -type f | wc -l)
		else
			for f in $mails; do
				awk 'body { print } /^\r?$/ { body = 1 }' "$f" >"$2/seed-$(echo "$f" | tr '/' '-')"
				count=$((count + 1))
			done
		fi
		for f in templates/blank-form.txt tests/fuzz/seeds-form/*; do add "$f" "$2"; done
		;;
	fuzz_template)
		for f in templates/*.txt templates/*.html tests/fuzz/seeds-template/*; do add "$f" "$2"; done
		;;
	fuzz_config)
		for f in etc/nomd.conf tests/fuzz/seeds-config/*; do add "$f" "$2"; done
		;;
	*)
		# fuzz_NAME: tests/fuzz/seeds-NAME/ (fuzz_pdf: seeds-pdf)
		for f in tests/fuzz/seeds-"${1#fuzz_}"/*; do add "$f" "$2"; done
		;;
	esac
	echo "$count"
}

dict_of() {
	case "$1" in
	fuzz_parse | fuzz_mime) echo "$here/nomd.dict" ;;
	fuzz_form) echo "$here/form.dict" ;;
	fuzz_template) echo "$here/template.dict" ;;
	fuzz_config) echo "$here/config.dict" ;;
	fuzz_office) echo "$here/office.dict" ;;
	esac
}

# Longest input: a message, a template (TEMPLATE_MAX_BYTES is 64 KiB, but
# nested sections repeat their text: kept small so that an input renders
# in milliseconds), a configuration.
max_len_of() {
	case "$1" in
	fuzz_template | fuzz_config) echo 16384 ;;
	*) echo 65536 ;;
	esac
}

# The known crash inputs of target $1: tests/fuzz/crashes/TARGET/*, and
# for fuzz_parse also the files at the top of tests/fuzz/crashes/ (from
# before there were other targets).
known_crashes() {
	{
		ls "$here/crashes/$1"/* 2>/dev/null
		[ "$1" = fuzz_parse ] && ls "$here/crashes"/* 2>/dev/null
	} | while read -r f; do
		[ -f "$f" ] || continue
		case "$(basename "$f")" in README*) continue ;; esac
		echo "$f"
	done
}

for t in $targets; do
	bin="$out/$t"
	secs=$(seconds_of "$t")
	if ! grep -qx "$bin" "$out/build.out" || [ ! -x "$bin" ]; then
		num=$((num + 1))
		echo "not ok $num - $t: known crash inputs (the target does not build)"
		num=$((num + 1))
		echo "not ok $num - $t builds"
		grep -v '^fuzz/build: CC' "$out/build.log" | tail -n 40 | diag
		status=1
		continue
	fi

	# 1: inputs that crashed before must not crash now.
	known=0
	failed=""
	for f in $(known_crashes "$t"); do
		known=$((known + 1))
		log="$out/replay-$t-$(basename "$f").log"
		if "$bin" -runs=1 -timeout=10 -rss_limit_mb=2048 "$f" >"$log" 2>&1; then
			rm -f "$log"
		else
			failed="$failed $f"
		fi
	done
	num=$((num + 1))
	where=$(rel "$here/crashes/$t")
	[ "$t" = fuzz_parse ] && where="$(rel "$here/crashes") and $where"
	if [ -z "$failed" ]; then
		echo "ok $num - $t: the $known known crash inputs in $where run clean"
	else
		nf=$(echo "$failed" | wc -w)
		echo "not ok $num - $t: $nf of $known known crash inputs still fail (tests/fuzz/crashes/README)"
		for f in $failed; do
			echo "# $(rel "$f"): $(first_error "$out/replay-$t-$(basename "$f").log")"
			echo "#   replay: $(rel "$bin") $(rel "$f")"
		done
		status=1
	fi

	# 2: fuzz from a fresh corpus.
	corpus="$out/corpus/$t"
	artifacts="$out/artifacts/$t"
	rm -rf "$corpus"
	mkdir -p "$corpus" "$artifacts"
	seeds=$(seed_corpus "$t" "$corpus")
	log="$out/$t.log"
	stamp="$out/.fuzz-start-$t"
	: >"$stamp"
	seed_arg=
	[ -n "${NOMD_FUZZ_SEED:-}" ] && seed_arg="-seed=$NOMD_FUZZ_SEED"
	dict=$(dict_of "$t") # a target may have none (fuzz_pdf: binary formats)
	if [ "$secs" = 0 ]; then
		limit="-runs=0" # the seeds once, no fuzzing
	else
		limit="-max_total_time=$secs"
	fi
	# -max_total_time bounds the fuzzing; the outer timeout only catches a
	# hang that libFuzzer's own -timeout cannot (a deadlock in its handlers).
	# shellcheck disable=SC2086
	timeout -k 10 $((secs + 300)) "$bin" $limit -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" $seed_arg ${dict:+-dict="$dict"} ${NOMD_FUZZ_ARGS:-} \
		"$corpus" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -a -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	# With -fork (NOMD_FUZZ_ARGS) the totals are only in the status lines.
	[ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
	[ -n "$rate" ] || [ -z "$execs" ] || [ "$secs" = 0 ] || rate=$((execs / secs))
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	# With -ignore_crashes the run ends well but leaves inputs behind.
	[ -n "$artifact" ] || artifact=$(find "$artifacts" -type f -newer "$stamp" | head -n 1)
	new_artifacts=$(find "$artifacts" -type f -newer "$stamp" | wc -l)
	num=$((num + 1))
	if [ "$rc" = 0 ] && [ -z "$artifact" ] && [ "$secs" = 0 ]; then
		echo "ok $num - $t: ran its $seeds seeds once (no fuzzing: 0 s), coverage ${cov:-?} edges, no crash"
		continue
	elif [ "$rc" = 0 ] && [ -z "$artifact" ]; then
		echo "ok $num - $t: fuzzed $secs s, ${execs:-?} execs (${rate:-?}/s), $seeds seeds, coverage ${cov:-?} edges, no crash"
		continue
	fi
	status=1
	what=$(first_error "$log")
	[ -z "$artifact" ] || grep -aq 'Test unit written' "$log" ||
		what=$("$bin" -runs=1 "$artifact" >"$out/artifact-$t.log" 2>&1; first_error "$out/artifact-$t.log")
	if [ -z "$artifact" ]; then
		echo "not ok $num - $t failed (exit status $rc, no input saved)"
		echo "# $what"
	else
		echo "not ok $num - $t failed: $(rel "$artifact") ($new_artifacts inputs saved in $(rel "$artifacts"))"
		echo "# $what"
		# Kept with the known crashes, so that the next run replays it.
		# Not while the known ones still fail: most likely the same bug
		# again, under another name each run.
		saved=""
		if [ "${NOMD_FUZZ_SAVE:-1}" != 0 ] && [ -z "$failed" ]; then
			dest="$here/crashes/$t"
			# shellcheck disable=SC2044 # our own file names, no blanks
			for a in $(find "$artifacts" -type f -newer "$stamp"); do
				if mkdir -p "$dest" 2>/dev/null && { [ -f "$dest/$(basename "$a")" ] || cp "$a" "$dest/"; }; then
					saved="$saved $dest/$(basename "$a")"
				fi
			done
		fi
		if [ -n "$saved" ]; then
			for s in $saved; do
				echo "# saved as $(rel "$s"); replay: $(rel "$bin") $(rel "$s")"
			done
			echo "# describe it in tests/fuzz/crashes/README (NOMD_FUZZ_DEBUG=1 prints more)"
		else
			[ -z "$failed" ] || echo "# not copied to tests/fuzz/crashes/$t: its known crash inputs still fail"
			echo "# replay: $(rel "$bin") $(rel "$artifact")"
		fi
	fi
	echo "# log: $(rel "$log"); its end:"
	tail -n 60 "$log" | diag
done
exit $status
