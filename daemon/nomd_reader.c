/* nomd-reader: reads one office or PDF document from standard input and
 * writes the form it holds, as text, to standard output (placeholder main
 * while the sandbox lands). */
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "../parsers/doc_read.h"

int main(int argc, char **argv)
{
	g_autoptr(GByteArray) in = g_byte_array_new();
	guint8 buf[65536];
	ssize_t n;
	while ((n = read(0, buf, sizeof buf)) > 0) {
		if (in->len + (gsize)n > DOC_MAX_INPUT)
			return DOC_EXIT(DOC_TOO_LARGE);
		g_byte_array_append(in, buf, n);
	}
	if (n < 0)
		return EX_IOERR;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *detail = NULL;
	enum doc_status st = doc_read(in->data, in->len, out, &detail);
	if (st != DOC_OK) {
		fprintf(stderr, "%s\n", detail ? detail : doc_status_name(st));
		return DOC_EXIT(st);
	}
	fwrite(out->str, 1, out->len, stdout);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
