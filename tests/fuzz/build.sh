#!/bin/sh
# Builds the libFuzzer target build/fuzz/fuzz_parse (under $BUILD/fuzz) with
# clang -fsanitize=fuzzer,address,undefined from the project's own sources:
# the Makefile's CORE_SRCS (everything in daemon/ and parsers/ but nomd.c and
# nomctl.c), compiled here with instrumentation, one object per source file,
# rebuilt only when it or a header changed.
#
#   tests/fuzz/build.sh            build if needed; prints the binary's path
#   BUILD=/tmp/b tests/fuzz/build.sh
#
# NOMD_FUZZ_EXTRA_SRCS adds source files (paths from the top of the tree)
# that the Makefile does not list yet.
#
# Libraries: pkg-config for the packages the Makefile names (PKGS) and
# libetpan gmime-3.0 libcurl sqlite3 libconfig gnutls, plus the Makefile's
# LDLIBS, plus extra ones from tests/fuzz/extra-libs and from the
# environment variable NOMD_FUZZ_EXTRA_LIBS. In both, a word starting with
# -l, -L or -Wl, is a linker flag (-lcsv), any other word starting with '-'
# a compiler flag (-I..., -D...), any other word a pkg-config module
# (libxml-2.0); '#' starts a comment. NOMD_FUZZ_CFLAGS adds compiler flags.
#
# Needs (Debian 12): clang libclang-rt-14-dev, and the -dev packages the
# project builds with. Exit status: 0 built, 1 compile or link error,
# 2 no clang with libFuzzer (the message says what to install).
# Word splitting of the flag and file lists is meant throughout.
# shellcheck disable=SC2086,SC2016,SC2012
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
out="$BUILD/fuzz"
bin="$out/fuzz_parse"
CLANG=${CLANG:-clang}
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

say() { echo "fuzz/build: $*" >&2; }

# The toolchain: clang and libFuzzer's runtime (libclang-rt-14-dev on Debian 12).
if ! command -v "$CLANG" >/dev/null 2>&1; then
	say "no $CLANG; on Debian 12: apt-get install clang libclang-rt-14-dev"
	exit 2
fi
mkdir -p "$out/obj"
probe="$out/.probe"
if [ ! -x "$probe" ] || [ "$(command -v "$CLANG")" -nt "$probe" ]; then
	printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }' >"$probe.c"
	if ! "$CLANG" $SAN -o "$probe" "$probe.c" >"$probe.log" 2>&1; then
		sed 's/^/fuzz\/build:   /' "$probe.log" >&2
		say "$CLANG cannot link -fsanitize=fuzzer; on Debian 12: apt-get install clang libclang-rt-14-dev"
		exit 2
	fi
fi

# Ask the Makefile for a variable without changing it: an extra makefile
# read after it adds a target that prints the value. MAKEFLAGS is dropped
# so that "make -n fuzz" or a jobserver cannot change what is printed.
make_var() {
	printf 'nomd-fuzz-print-%s:\n\t@echo $(%s)\n' "$1" "$1" |
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -f Makefile -f - \
			"nomd-fuzz-print-$1" 2>/dev/null
}

srcs=""
for s in $(make_var CORE_SRCS || true); do
	case "$s" in
	daemon/nomd.c | daemon/nomctl.c) ;;
	*.c) [ -f "$s" ] && srcs="$srcs $s" ;;
	esac
done
if [ -z "$srcs" ]; then
	say "CORE_SRCS not found in the Makefile; using daemon/*.c parsers/*.c"
	for s in daemon/*.c parsers/*.c; do
		case "$s" in daemon/nomd.c | daemon/nomctl.c) ;; *) srcs="$srcs $s" ;; esac
	done
fi

# Sources the Makefile does not list yet (a module in progress), by hand.
for s in ${NOMD_FUZZ_EXTRA_SRCS:-}; do
	case " $srcs " in *" $s "*) ;; *) srcs="$srcs $s" ;; esac
done

# Libraries.
pkgs="libetpan gmime-3.0 libcurl sqlite3 libconfig gnutls $(make_var PKGS || true)"
flags=""
extra=""
[ -f "$here/extra-libs" ] && extra=$(sed 's/#.*//' "$here/extra-libs")
extra_cflags=""
for w in $extra ${NOMD_FUZZ_EXTRA_LIBS:-}; do
	case "$w" in
	-l* | -L* | -Wl,* | -pthread) flags="$flags $w" ;;
	-*) extra_cflags="$extra_cflags $w" ;;
	*) pkgs="$pkgs $w" ;;
	esac
done
pkgs=$(echo $pkgs | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ')
if ! pkg_cflags=$(pkg-config --cflags $pkgs 2>"$out/pkg-config.log") ||
	! pkg_libs=$(pkg-config --libs $pkgs 2>>"$out/pkg-config.log"); then
	sed 's/^/fuzz\/build:   /' "$out/pkg-config.log" >&2
	say "pkg-config failed for: $pkgs (scripts/install-deps.sh installs the -dev packages)"
	exit 1
fi
make_ldlibs=$(make_var LDLIBS || true)
# Debian's libetpan.pc carries GCC's "-specs=..." (dpkg build flags),
# which clang ignores with a warning; leave it out.
strip_specs() { for w in "$@"; do case "$w" in -specs=*) ;; *) printf '%s ' "$w" ;; esac; done; }
pkg_cflags=$(strip_specs $pkg_cflags)
pkg_libs=$(strip_specs $pkg_libs)
make_ldlibs=$(strip_specs $make_ldlibs)

CFLAGS_FUZZ="-g -O1 $SAN -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
${NOMD_FUZZ_CFLAGS:-} $extra_cflags $pkg_cflags"
LIBS="$pkg_libs $make_ldlibs $flags"

# Everything is rebuilt when the flags change.
stamp="$out/flags"
printf '%s\n%s\n' "$CFLAGS_FUZZ" "$LIBS" >"$stamp.new"
if ! cmp -s "$stamp.new" "$stamp" 2>/dev/null; then
	rm -rf "$out/obj"
	mkdir -p "$out/obj"
	mv "$stamp.new" "$stamp"
else
	rm -f "$stamp.new"
fi

# The newest header decides whether an object is stale (as the Makefile does).
newest_header=$(ls -t daemon/*.h parsers/*.h tests/fuzz/*.h 2>/dev/null | head -n 1 || true)

objs=""
relink=0
[ -x "$bin" ] || relink=1
for s in $srcs tests/fuzz/fuzz_parse.c; do
	o="$out/obj/$(echo "${s%.c}" | tr '/' '_').o"
	objs="$objs $o"
	if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || { [ -n "$newest_header" ] && [ "$newest_header" -nt "$o" ]; }; then
		say "CC $s"
		# shellcheck disable=SC2086
		if ! "$CLANG" $CFLAGS_FUZZ -c -o "$o.tmp" "$s"; then
			rm -f "$o.tmp"
			say "compiling $s failed"
			exit 1
		fi
		mv "$o.tmp" "$o"
		relink=1
	elif [ "$o" -nt "$bin" ]; then
		relink=1
	fi
done

if [ "$relink" = 1 ]; then
	say "LD $bin"
	# shellcheck disable=SC2086
	if ! "$CLANG" $SAN -o "$bin.tmp" $objs $LIBS; then
		rm -f "$bin.tmp"
		say "linking $bin failed"
		exit 1
	fi
	mv "$bin.tmp" "$bin"
fi
echo "$bin"
