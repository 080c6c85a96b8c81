/* doc_table: placeholder while the table rule lands. */
#include "doc_table.h"

struct doc_table {
	guint flags;
};

struct doc_table *doc_table_new(guint flags)
{
	struct doc_table *t = g_new0(struct doc_table, 1);
	t->flags = flags;
	return t;
}

void doc_table_free(struct doc_table *t)
{
	g_free(t);
}

void doc_table_row(struct doc_table *t)
{
}

void doc_table_cell(struct doc_table *t, const char *text, gssize len)
{
}

void doc_table_emit(const struct doc_table *t, GString *out)
{
}
