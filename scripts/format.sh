#!/bin/sh
# The tree in the style of .clang-format (clang-format 14, Debian 12).
#   scripts/format.sh          rewrites every C source and header in place
#   scripts/format.sh --check  changes nothing; lists each file that differs
#                              and exits 1 if any does (make format-check, CI)
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format is not installed (scripts/install-deps.sh)" >&2; exit 1; }
files=$(git ls-files 'daemon/*.[ch]' 'parsers/*.[ch]' 'tests/unit/*.[ch]' 'tests/fuzz/*.[ch]' 'tests/tools/*.[ch]' 'bench/*.[ch]' 2>/dev/null ||
	ls daemon/*.[ch] parsers/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] tests/tools/*.[ch] bench/*.[ch] 2>/dev/null)
if [ "${1:-}" != --check ]; then
	clang-format -i --style=file $files
	exit 0
fi
bad=0
for f in $files; do
	if ! clang-format --style=file "$f" | cmp -s "$f" -; then
		echo "format: $f differs from .clang-format (scripts/format.sh rewrites it; the first lines:)"
		clang-format --style=file "$f" | diff -u "$f" - | sed -n '3,12p'
		bad=$((bad + 1))
	fi
done
n=$(echo $files | wc -w)
echo "format: $((n - bad)) of $n files follow .clang-format"
[ "$bad" = 0 ]
