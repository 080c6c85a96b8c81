/* doc_dump: test tool for the document readers.
 *
 *   doc_dump text FORMAT < document   the text a reader makes of it (FORMAT
 *                                     docx, odt, xlsx or ods: that reader on
 *                                     the ZIP package; auto: doc_read), exit
 *                                     status as nomd-reader's
 *   doc_dump form < text              what the form reader makes of text:
 *                                     "organisation\tX", then one line a
 *                                     nominee, its fields separated by tabs
 *                                     (role name email job_title service
 *                                     service_type years aspiration expertise
 *                                     location format; absent: empty)
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "../../parsers/doc_read.h"
#include "../../parsers/doc_zip.h"
#include "../../parsers/form.h"

static GByteArray *read_all(void)
{
	GByteArray *in = g_byte_array_new();
	guint8 buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0 && in->len <= DOC_MAX_INPUT)
		g_byte_array_append(in, buf, n);
	return in;
}

static int dump_text(const char *format)
{
	static const struct {
		const char *name;
		enum doc_status (*read)(struct doc_zip *, const struct form_spec *, GString *, char **);
	} readers[] = {
		{ "docx", doc_read_docx }, { "odt", doc_read_odt }, { "xlsx", doc_read_xlsx }, { "ods", doc_read_ods }
	};
	g_autoptr(GByteArray) in = read_all();
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *detail = NULL;
	enum doc_status st = DOC_UNREADABLE;
	if (strcmp(format, "auto") == 0) {
		st = doc_read(in->data, in->len, NULL, out, &detail);
	} else {
		size_t i = 0;
		while (i < G_N_ELEMENTS(readers) && strcmp(format, readers[i].name) != 0)
			i++;
		if (i == G_N_ELEMENTS(readers))
			return EX_USAGE;
		g_autoptr(doc_zip) z = NULL;
		st = doc_zip_open(in->data, in->len, &z, &detail);
		if (st == DOC_OK)
			st = readers[i].read(z, NULL, out, &detail);
	}
	if (st != DOC_OK) {
		fprintf(stderr, "%s: %s\n", doc_status_name(st), detail ? detail : "");
		return DOC_EXIT(st);
	}
	fwrite(out->str, 1, out->len, stdout);
	return 0;
}

static void field(const char *v)
{
	printf("\t%s", v ? v : "");
}

static int dump_form(void)
{
	g_autoptr(GByteArray) in = read_all();
	g_byte_array_append(in, (const guint8 *)"", 1);
	g_autoptr(form) f = form_parse((const char *)in->data, FALSE);
	printf("organisation\t%s\n", f->organisation ? f->organisation : "");
	for (guint i = 0; i < f->nominees->len; i++) {
		const struct nominee *n = f->nominees->pdata[i];
		g_autofree char *years = n->years >= 0 ? g_strdup_printf("%d", n->years) : NULL;
		printf("nominee\t%s", form_role_name(n->role));
		field(n->name);
		field(n->email);
		field(n->job_title);
		field(n->service);
		field(n->service_type);
		field(years);
		field(n->aspiration);
		field(n->expertise);
		field(n->location);
		field(n->format);
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "text") == 0)
		return dump_text(argv[2]);
	if (argc == 2 && strcmp(argv[1], "form") == 0)
		return dump_form();
	fprintf(stderr, "usage: doc_dump text auto|docx|odt|xlsx|ods < document | doc_dump form < text\n");
	return EX_USAGE;
}
