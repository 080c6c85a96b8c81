/* doc_zip: reading ZIP packages through libgsf. The caps count bytes as
 * they come out of the inflater: the sizes in the archive are the
 * sender's word, and a zip bomb's word is worthless. */
#include "doc_zip.h"

#include <gsf/gsf-infile-zip.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <gsf/gsf-utils.h>
#include <string.h>

/* Below this much, the ratio cap does not apply: a small form legitimately
 * inflates far more than 200 times its (tiny) archive. */
#define ZIP_RATIO_FLOOR (1024 * 1024)
#define ZIP_CHUNK (64 * 1024)

struct doc_zip {
	GsfInput *input;
	GsfInfile *root;
	gsize limit;	/* bytes this archive may inflate to, in all */
	gsize inflated; /* bytes inflated so far */
};

static void zip_init(void)
{
	static gsize done;
	if (g_once_init_enter(&done)) {
		gsf_init();
		g_once_init_leave(&done, 1);
	}
}

static void set_detail(char **detail, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_detail(char **detail, const char *fmt, ...)
{
	if (!detail)
		return;
	va_list ap;
	va_start(ap, fmt);
	g_free(*detail);
	*detail = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/* Entries under `dir`, folders included, stopping past `cap`. */
static guint count_members(GsfInfile *dir, guint cap)
{
	int n = gsf_infile_num_children(dir);
	guint count = 0;
	for (int i = 0; i < n && count <= cap; i++) {
		count++;
		GsfInput *child = gsf_infile_child_by_index(dir, i);
		if (child && GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) > 0)
			count += count_members(GSF_INFILE(child), cap - MIN(count, cap));
		if (child)
			g_object_unref(child);
	}
	return count;
}

enum doc_status doc_zip_open(const guint8 *data, gsize len, struct doc_zip **out, char **detail)
{
	*out = NULL;
	zip_init();
	if (len < 22 || memcmp(data, "PK", 2) != 0) {
		set_detail(detail, "not a ZIP archive");
		return DOC_UNREADABLE;
	}
	GsfInput *input = gsf_input_memory_new(data, (gsf_off_t)len, FALSE);
	g_autoptr(GError) error = NULL;
	GsfInfile *root = gsf_infile_zip_new(input, &error);
	if (!root) {
		g_object_unref(input);
		set_detail(detail, "damaged ZIP archive");
		return DOC_UNREADABLE;
	}
	struct doc_zip *z = g_new0(struct doc_zip, 1);
	z->input = input;
	z->root = root;
	z->limit = MIN((gsize)DOC_MAX_INFLATED, MAX((gsize)ZIP_RATIO_FLOOR, len * DOC_MAX_RATIO));
	guint members = count_members(root, DOC_MAX_MEMBERS);
	if (members > DOC_MAX_MEMBERS) {
		set_detail(detail, "ZIP archive has more than %d members", DOC_MAX_MEMBERS);
		doc_zip_free(z);
		return DOC_TOO_COMPLEX;
	}
	*out = z;
	return DOC_OK;
}

void doc_zip_free(struct doc_zip *z)
{
	if (!z)
		return;
	g_clear_object(&z->root);
	g_clear_object(&z->input);
	g_free(z);
}

/* The member or folder at `path`, or NULL; a new reference. */
static GsfInput *zip_child(struct doc_zip *z, const char *path)
{
	if (!z || !path || !*path)
		return NULL;
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	for (size_t i = 0; parts[i]; i++)
		if (!*parts[i])
			return NULL;
	return gsf_infile_child_by_aname(z->root, (const char **)parts);
}

gboolean doc_zip_has(struct doc_zip *z, const char *path)
{
	GsfInput *child = zip_child(z, path);
	if (!child)
		return FALSE;
	g_object_unref(child);
	return TRUE;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *doc_zip_list(struct doc_zip *z, const char *dir)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GsfInput *folder = dir && *dir ? zip_child(z, dir) : (z ? g_object_ref(GSF_INPUT(z->root)) : NULL);
	if (!folder)
		return names;
	if (GSF_IS_INFILE(folder)) {
		GsfInfile *in = GSF_INFILE(folder);
		int n = gsf_infile_num_children(in);
		for (int i = 0; i < n && i < DOC_MAX_MEMBERS; i++) {
			const char *name = gsf_infile_name_by_index(in, i);
			if (name)
				g_ptr_array_add(names, g_strdup(name));
		}
	}
	g_object_unref(folder);
	g_ptr_array_sort(names, compare_names);
	return names;
}

enum doc_status doc_zip_read(struct doc_zip *z, const char *path, GBytes **out, char **detail)
{
	*out = NULL;
	GsfInput *member = zip_child(z, path);
	if (!member || (GSF_IS_INFILE(member) && gsf_infile_num_children(GSF_INFILE(member)) >= 0)) {
		if (member)
			g_object_unref(member);
		set_detail(detail, "ZIP member %s is missing", path ? path : "(none)");
		return DOC_UNREADABLE;
	}
	GByteArray *buf = g_byte_array_new();
	enum doc_status st = DOC_OK;
	guint8 chunk[ZIP_CHUNK];
	gsf_off_t left;
	while ((left = gsf_input_remaining(member)) > 0) {
		gsize n = MIN((gsize)left, sizeof chunk);
		if (!gsf_input_read(member, n, chunk)) {
			set_detail(detail, "ZIP member %s is damaged", path);
			st = DOC_UNREADABLE;
			break;
		}
		if (buf->len + n > DOC_MAX_MEMBER) {
			set_detail(detail, "ZIP member %s inflates past %d MiB", path, DOC_MAX_MEMBER >> 20);
			st = DOC_TOO_COMPLEX;
			break;
		}
		if (z->inflated + n > z->limit) {
			set_detail(detail, "ZIP archive inflates past %zu KiB at member %s", z->limit >> 10, path);
			st = DOC_TOO_COMPLEX;
			break;
		}
		z->inflated += n;
		g_byte_array_append(buf, chunk, n);
	}
	g_object_unref(member);
	if (st != DOC_OK) {
		g_byte_array_unref(buf);
		return st;
	}
	/* NUL beyond the length, for the XML parser and for strings. */
	g_byte_array_append(buf, (const guint8 *)"", 1);
	gsize len = buf->len - 1;
	guint8 *bytes = g_byte_array_free(buf, FALSE);
	*out = g_bytes_new_take(bytes, len);
	return DOC_OK;
}
