/* formdoc: see formdoc.h. */
#include "formdoc.h"

#include <string.h>

#include "docread.h"
#include "log.h"

/* The form last made, by what it was made from. The sender and nomctl
 * each keep their own; a mutex, as mail may be written from more than
 * one thread. */
static struct {
	GMutex lock;
	char *key;     /* the blank form's text and the definition's */
	GBytes *docx;  /* NULL: the reader failed on `key` */
	gint64 failed; /* monotonic seconds of that failure */
} cache;

/* What the Word form is made from: a new definition or template makes a
 * new one. */
static char *cache_key(const struct nomd_config *cfg, const char *text)
{
	return g_strconcat(cfg->form_text, "\n\f\n", text, NULL);
}

gboolean formdoc_get(const struct nomd_config *cfg, const struct reply_templates *t, GBytes **docx, GError **error)
{
	*docx = NULL;
	if (!cfg->form)
		return (*docx = reply_form_document(error)) != NULL;
	g_autofree char *text = reply_blank_form(cfg, t);
	g_autoptr(GError) local = NULL;
	g_autofree char *key = cache_key(cfg, text);
	gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;
	g_mutex_lock(&cache.lock);
	gboolean same = g_strcmp0(cache.key, key) == 0;
	if (same && cache.docx) {
		*docx = g_bytes_ref(cache.docx);
	} else if (!same || now - cache.failed >= FORMDOC_RETRY_SECONDS) {
		g_clear_pointer(&cache.docx, g_bytes_unref);
		g_free(cache.key);
		cache.key = g_steal_pointer(&key);
		cache.docx = docread_make_form(cfg, text, FORMDOC_SECTIONS, &local);
		if (cache.docx) {
			log_info("made the programme's Word form (%zu bytes)", g_bytes_get_size(cache.docx));
			*docx = g_bytes_ref(cache.docx);
		} else {
			cache.failed = now;
			log_warn("the Word form is left out of replies for now: %s", local->message);
		}
	}
	g_mutex_unlock(&cache.lock);
	return TRUE;
}
