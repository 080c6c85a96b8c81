#!/bin/sh
# Builds the libFuzzer targets build/fuzz/fuzz_* (under $BUILD/fuzz), one
# per tests/fuzz/fuzz_*.c, with clang -fsanitize=fuzzer,address,undefined
# from the project's own sources: the Makefile's CORE_SRCS (everything in
# daemon/ and parsers/ but nomd.c and nomctl.c), compiled here once with
# instrumentation, one object per source file, rebuilt only when it or a
# header changed, and linked into every target with the target's own file.
#
#   tests/fuzz/build.sh                 build every target if needed; prints
#                                       the binaries' paths, one a line
#   tests/fuzz/build.sh fuzz_form ...   only those targets
#   BUILD=/tmp/b tests/fuzz/build.sh
#
# The targets (see each file's header): fuzz_parse (the whole pipeline:
# MIME walk, form, rules, reply), fuzz_mime (mime_parse alone), fuzz_form
# (form and CSV readers), fuzz_template (the template engine), fuzz_config
# (the configuration loader), fuzz_office (the office document readers of
# nomd-reader). tests/fuzz/fuzz_common.h is shared.
#
# NOMD_FUZZ_EXTRA_SRCS adds source files (paths from the top of the tree)
# that the Makefile does not list yet.
#
# Libraries: pkg-config for the packages the Makefile names (PKGS,
# READER_PKGS) and
# libetpan gmime-3.0 libcurl sqlite3 libconfig gnutls, plus the Makefile's
# LDLIBS, plus extra ones from tests/fuzz/extra-libs and from the
# environment variable NOMD_FUZZ_EXTRA_LIBS. In both, a word starting with
# -l, -L or -Wl, is a linker flag (-lcsv), any other word starting with '-'
# a compiler flag (-I..., -D...), any other word a pkg-config module
# (libxml-2.0); '#' starts a comment. NOMD_FUZZ_CFLAGS adds compiler flags.
#
# Needs (Debian 12): clang libclang-rt-14-dev, and the -dev packages the
# project builds with. Exit status: 0 all built, 1 a compile or link error
# (the targets that did build are still printed), 2 no clang with libFuzzer
# (the message says what to install), 64 an unknown target.
# Word splitting of the flag and file lists is meant throughout.
# shellcheck disable=SC2086,SC2016,SC2012
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
out="$BUILD/fuzz"
CLANG=${CLANG:-clang}
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

say() { echo "fuzz/build: $*" >&2; }

# The targets asked for: every tests/fuzz/fuzz_*.c by default.
all_targets=$(for f in tests/fuzz/fuzz_*.c; do [ -f "$f" ] && basename "$f" .c; done | tr '\n' ' ')
targets=""
for t in "$@"; do
	t=$(basename "$t" .c)
	case " $all_targets " in
	*" $t "*) targets="$targets $t" ;;
	*)
		say "no target $t (have: $all_targets)"
		exit 64
		;;
	esac
done
[ -n "$targets" ] || targets=$all_targets

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

# nomd's core and nomd-reader's sources (READER_SRCS: the document
# readers, a wildcard in the Makefile, so a new parsers/doc_*.c is built
# here with no change).
srcs=""
for s in $(make_var CORE_SRCS || true) $(make_var READER_SRCS || true); do
	case "$s" in
	daemon/nomd.c | daemon/nomctl.c) ;;
	*.c) [ -f "$s" ] && case " $srcs " in *" $s "*) ;; *) srcs="$srcs $s" ;; esac ;;
	esac
done
if [ -z "$srcs" ]; then
	say "CORE_SRCS not found in the Makefile; using daemon/*.c parsers/*.c"
	for s in daemon/*.c parsers/*.c; do
		case "$s" in daemon/nomd.c | daemon/nomctl.c) ;; *) srcs="$srcs $s" ;; esac
	done
fi

# The version string the Makefile compiles into every program
# (build/gen/version.c there); written only when it changes.
mkdir -p "$out"
printf 'const char nomd_version[] = "%s";\n' "$(make_var NOMD_VERSION || echo fuzz)" > "$out/version.c.new"
if cmp -s "$out/version.c.new" "$out/version.c" 2>/dev/null; then rm -f "$out/version.c.new"; else mv "$out/version.c.new" "$out/version.c"; fi
srcs="$srcs $out/version.c"

# Sources the Makefile does not list yet (a module in progress), by hand.
for s in ${NOMD_FUZZ_EXTRA_SRCS:-}; do
	case " $srcs " in *" $s "*) ;; *) srcs="$srcs $s" ;; esac
done

# Libraries.
pkgs="libetpan gmime-3.0 libcurl sqlite3 libconfig gnutls $(make_var PKGS || true) $(make_var READER_PKGS || true)"
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

# Compile one source into $out/obj if stale; prints the object's path.
compile() {
	o="$out/obj/$(echo "${1%.c}" | tr '/' '_').o"
	if [ ! -f "$o" ] || [ "$1" -nt "$o" ] || { [ -n "$newest_header" ] && [ "$newest_header" -nt "$o" ]; }; then
		say "CC $1"
		if ! "$CLANG" $CFLAGS_FUZZ -c -o "$o.tmp" "$1"; then
			rm -f "$o.tmp"
			say "compiling $1 failed"
			return 1
		fi
		mv "$o.tmp" "$o"
	fi
	echo "$o"
}

# nomd's own code, shared by every target.
objs=""
for s in $srcs; do
	o=$(compile "$s") || exit 1
	objs="$objs $o"
done

status=0
for t in $targets; do
	bin="$out/$t"
	if ! main=$(compile "tests/fuzz/$t.c"); then
		status=1
		continue
	fi
	relink=0
	[ -x "$bin" ] || relink=1
	for o in $objs $main; do
		[ "$o" -nt "$bin" ] && relink=1
	done
	if [ "$relink" = 1 ]; then
		say "LD $bin"
		if ! "$CLANG" $SAN -o "$bin.tmp" $objs $main $LIBS; then
			rm -f "$bin.tmp"
			say "linking $bin failed"
			status=1
			continue
		fi
		mv "$bin.tmp" "$bin"
	fi
	echo "$bin"
done
exit $status
