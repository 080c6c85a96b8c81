/* imap: libetpan client for the nomination inbox.
 *
 * libetpan verifies no certificate, so after the TLS handshake and before
 * LOGIN the peer chain is checked here with GnuTLS against `ca_file` (or
 * the system store) and the configured host name. Each protocol step logs
 * its name at debug level; each network wait is bounded by the configured
 * timeout (mailimap_set_timeout, set before connecting). */
#include "imap.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* clang-format off */
G_DEFINE_QUARK(nomd-imap-error-quark, imap_error)
/* clang-format on */
typedef struct mailimap_set mailimap_set;
typedef struct mailimap_fetch_type mailimap_fetch_type;
typedef struct mailimap_store_att_flags mailimap_store_att_flags;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mailimap_set, mailimap_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mailimap_fetch_type, mailimap_fetch_type_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mailimap_store_att_flags, mailimap_store_att_flags_free)

#define MAX_CHAIN 16

struct imap_conn {
	mailimap *imap;
	char *host;
	char *where;		 /* host:port, for error messages */
	guint32 exists_expected; /* messages in the mailbox if none arrived */
	gboolean has_move;
	gboolean has_uidplus;
};

static enum imap_error_code classify(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_MEMORY:
	/* libetpan reports a reply cut off by a lost connection as a parse
	 * error; either way the connection is out of step and done with. */
	case MAILIMAP_ERROR_PARSE: return IMAP_ERR_CONNECT;
	case MAILIMAP_ERROR_SSL: return IMAP_ERR_TLS;
	case MAILIMAP_ERROR_LOGIN: return IMAP_ERR_AUTH;
	default: return IMAP_ERR_PROTOCOL;
	}
}

static const char *describe(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM: return "connection lost or timed out";
	case MAILIMAP_ERROR_CONNECTION_REFUSED: return "cannot connect";
	case MAILIMAP_ERROR_SSL: return "TLS failed";
	case MAILIMAP_ERROR_LOGIN: return "login refused";
	case MAILIMAP_ERROR_PARSE: return "unreadable server reply";
	default: return "failed";
	}
}

static gboolean fail(struct imap_conn *c, GError **error, const char *step, int r)
{
	const char *server = c && c->imap && c->imap->imap_response ? c->imap->imap_response : NULL;
	g_set_error(error, IMAP_ERROR, classify(r), "IMAP %s on %s: %s (libetpan error %d)%s%s", step,
		    c && c->where ? c->where : "?", describe(r), r, server && *server ? ": " : "",
		    server ? server : "");
	return FALSE;
}

static void set_sni(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;
	/* SNI carries names only, never address literals. */
	if (!g_hostname_is_ip_address(host))
		mailstream_ssl_set_server_name(ctx, (char *)host);
}

static gboolean verify_peer(struct imap_conn *c, const char *ca_file, GError **error)
{
	carray *chain = mailstream_get_certificate_chain(c->imap->imap_stream);
	gnutls_x509_crt_t certs[MAX_CHAIN];
	unsigned n = 0;
	gnutls_x509_trust_list_t trust = NULL;
	gboolean ok = FALSE;

	if (!chain || carray_count(chain) == 0) {
		g_set_error(error, IMAP_ERROR, IMAP_ERR_TLS, "IMAP server %s presented no certificate", c->host);
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };
		if (gnutls_x509_crt_init(&certs[n]) < 0)
			break;
		if (gnutls_x509_crt_import(certs[n], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(certs[n]);
			g_set_error(error, IMAP_ERROR, IMAP_ERR_TLS, "IMAP server %s sent an unreadable certificate",
				    c->host);
			goto out;
		}
		n++;
	}
	if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
		g_set_error(error, IMAP_ERROR, IMAP_ERR_TLS, "cannot set up certificate verification");
		goto out;
	}
	int added = ca_file ? gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0)
			    : gnutls_x509_trust_list_add_system_trust(trust, 0, 0);
	if (added <= 0) {
		g_set_error(error, IMAP_ERROR, IMAP_ERR_TLS, "no trusted certificates could be read from %s",
			    ca_file ? ca_file : "the system store");
		goto out;
	}
	gnutls_typed_vdata_st vdata = { .type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)c->host };
	unsigned status = 0;
	if (gnutls_x509_trust_list_verify_crt2(trust, certs, n, &vdata, 1, 0, &status, NULL) < 0 || status != 0) {
		gnutls_datum_t text = { 0 };
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
		g_set_error(error, IMAP_ERROR, IMAP_ERR_TLS, "IMAP server %s: certificate not trusted: %s", c->host,
			    text.data ? (const char *)text.data : "verification failed");
		gnutls_free(text.data);
		goto out;
	}
	ok = TRUE;
out:
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (trust)
		gnutls_x509_trust_list_deinit(trust, 1);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return ok;
}

static gboolean refresh_capabilities(struct imap_conn *c, GError **error)
{
	struct mailimap_capability_data *cap = NULL;
	log_debug("imap state=capability host=%s", c->host);
	int r = mailimap_capability(c->imap, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "CAPABILITY", r);
	mailimap_capability_data_free(cap);
	c->has_move = mailimap_has_extension(c->imap, "MOVE");
	c->has_uidplus = mailimap_has_uidplus(c->imap);
	return TRUE;
}

gboolean imap_open(const struct nomd_config *cfg, struct imap_conn **out, GError **error)
{
	g_autoptr(imap_conn) c = g_new0(struct imap_conn, 1);
	c->host = g_strdup(cfg->imap.host);
	/* An address literal with colons is bracketed, as in a URL. */
	c->where = strchr(c->host, ':') ? g_strdup_printf("[%s]:%d", c->host, cfg->imap.port)
					: g_strdup_printf("%s:%d", c->host, cfg->imap.port);
	c->imap = mailimap_new(0, NULL);
	if (!c->imap) {
		g_set_error(error, IMAP_ERROR, IMAP_ERR_CONNECT, "out of memory");
		return FALSE;
	}
	mailimap_set_timeout(c->imap, cfg->imap.timeout_seconds);
	int r;
	log_debug("imap state=connect host=%s port=%d security=%s", c->host, cfg->imap.port,
		  config_security_name(cfg->imap.security));
	if (cfg->imap.security == SEC_TLS)
		r = mailimap_ssl_connect_with_callback(c->imap, c->host, cfg->imap.port, set_sni, c->host);
	else
		r = mailimap_socket_connect(c->imap, c->host, cfg->imap.port);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return fail(c, error, "connect", r);
	if (cfg->imap.security == SEC_STARTTLS) {
		log_debug("imap state=starttls host=%s", c->host);
		r = mailimap_socket_starttls_with_callback(c->imap, set_sni, c->host);
		if (r != MAILIMAP_NO_ERROR) {
			/* Whatever went wrong, no secure channel exists: never retry in clear. */
			GError *local = NULL;
			fail(c, &local, "STARTTLS", r);
			local->code = IMAP_ERR_TLS;
			g_propagate_error(error, local);
			return FALSE;
		}
	}
	if (cfg->imap.security != SEC_NONE) {
		log_debug("imap state=verify host=%s", c->host);
		if (!verify_peer(c, cfg->imap.ca_file, error))
			return FALSE;
	}
	/* Capabilities seen before STARTTLS are not to be trusted (RFC 3501 6.2.1). */
	if (!refresh_capabilities(c, error))
		return FALSE;
	log_debug("imap state=login host=%s user=%s", c->host, cfg->imap.user);
	r = mailimap_login(c->imap, cfg->imap.user, cfg->imap.password);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "LOGIN", r);
	if (!refresh_capabilities(c, error))
		return FALSE;
	*out = g_steal_pointer(&c);
	return TRUE;
}

void imap_close(struct imap_conn *c)
{
	if (!c)
		return;
	if (c->imap) {
		if (c->imap->imap_stream)
			mailimap_logout(c->imap);
		mailimap_free(c->imap);
	}
	g_free(c->host);
	g_free(c->where);
	g_free(c);
}

gboolean imap_select(struct imap_conn *c, const char *mailbox, guint32 *uidvalidity, guint32 *exists, GError **error)
{
	log_debug("imap state=select mailbox=%s", mailbox);
	int r = mailimap_select(c->imap, mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "SELECT", r);
	struct mailimap_selection_info *sel = c->imap->imap_selection_info;
	*uidvalidity = sel ? sel->sel_uidvalidity : 0;
	*exists = sel ? sel->sel_exists : 0;
	c->exists_expected = *exists; /* see imap_idle */
	return TRUE;
}

static gint64 date_to_unix(const struct mailimap_date_time *dt)
{
	int zone = ABS(dt->dt_zone);
	g_autoptr(GTimeZone) tz =
		g_time_zone_new_offset((dt->dt_zone < 0 ? -1 : 1) * ((zone / 100) * 3600 + (zone % 100) * 60));
	g_autoptr(GDateTime) t =
		g_date_time_new(tz, dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour, dt->dt_min, dt->dt_sec);
	return t ? g_date_time_to_unix(t) : 0;
}

static gint compare_uid(gconstpointer a, gconstpointer b)
{
	guint32 x = ((const struct imap_msg_info *)a)->uid, y = ((const struct imap_msg_info *)b)->uid;
	return x < y ? -1 : x > y;
}

static mailimap_set *uid_set(const guint32 *uids, guint n)
{
	mailimap_set *set = mailimap_set_new_empty();
	/* Runs of consecutive UIDs become ranges to keep the command short. */
	for (guint i = 0; i < n;) {
		guint j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

static gint compare_u32(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
	return x < y ? -1 : x > y;
}

gboolean imap_search(struct imap_conn *c, guint32 after_uid, GArray **uids, GError **error)
{
	/* "N:*" always matches the highest UID, even below N: filter below. */
	struct mailimap_search_key *key = mailimap_search_key_new_uid(mailimap_set_new_interval(after_uid + 1, 0));
	clist *result = NULL;
	log_debug("imap state=search after_uid=%u", after_uid);
	int r = mailimap_uid_search(c->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "UID SEARCH", r);
	GArray *list = g_array_sized_new(FALSE, FALSE, sizeof(guint32), clist_count(result));
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		guint32 uid = *(uint32_t *)clist_content(it);
		if (uid > after_uid)
			g_array_append_val(list, uid);
	}
	mailimap_search_result_free(result);
	g_array_sort(list, compare_u32);
	*uids = list;
	return TRUE;
}

gboolean imap_search_message_id(struct imap_conn *c, const char *message_id, GArray **uids, GError **error)
{
	/* Only identifiers that passed msgid_valid get here: no quoting issues. */
	g_autofree char *value = g_strdup_printf("<%s>", message_id);
	struct mailimap_search_key *key = mailimap_search_key_new_header(strdup("Message-ID"), strdup(value));
	clist *result = NULL;
	log_debug("imap state=search message_id=%s", message_id);
	int r = mailimap_uid_search(c->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "UID SEARCH HEADER", r);
	GArray *list = g_array_sized_new(FALSE, FALSE, sizeof(guint32), clist_count(result));
	for (clistiter *it = clist_begin(result); it; it = clist_next(it))
		g_array_append_val(list, *(uint32_t *)clist_content(it));
	mailimap_search_result_free(result);
	g_array_sort(list, compare_u32);
	*uids = list;
	return TRUE;
}

gboolean imap_info(struct imap_conn *c, const guint32 *uids, guint n, GArray **infos, GError **error)
{
	g_autoptr(mailimap_set) set = uid_set(uids, n);
	g_autoptr(mailimap_fetch_type) ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	clist *result = NULL;
	log_debug("imap state=info count=%u", n);
	int r = mailimap_uid_fetch(c->imap, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "UID FETCH (size)", r);
	GArray *list = g_array_sized_new(FALSE, TRUE, sizeof(struct imap_msg_info), n);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		struct imap_msg_info info = { 0 };
		for (clistiter *a = clist_begin(att->att_list); a; a = clist_next(a)) {
			struct mailimap_msg_att_item *item = clist_content(a);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				info.uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE)
				info.size = st->att_data.att_rfc822_size;
			else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE && st->att_data.att_internal_date)
				info.internal_date = date_to_unix(st->att_data.att_internal_date);
		}
		/* Unsolicited FETCH responses for other messages are ignored. */
		if (info.uid && bsearch(&info.uid, uids, n, sizeof(guint32), compare_u32))
			g_array_append_val(list, info);
	}
	mailimap_fetch_list_free(result);
	g_array_sort(list, compare_uid);
	*infos = list;
	return TRUE;
}

guint imap_batch_take(const struct imap_msg_info *infos, guint n, gint64 max_message, guint max_count, gint64 max_bytes)
{
	guint taken = 0, i;
	gint64 bytes = 0;
	for (i = 0; i < n; i++) {
		if ((gint64)infos[i].size > max_message)
			continue; /* held unread: never fetched */
		/* The first always goes, alone if it is over the budget. */
		if (taken == max_count || (taken && bytes + infos[i].size > max_bytes))
			break;
		bytes += infos[i].size;
		taken++;
	}
	return i;
}

/* One FETCH reply, freed when the last body taken from it goes: the
 * bodies are libetpan's own buffers, not copies, so a batch costs its
 * bytes once. */
struct fetch_reply {
	clist *list;
	gint refs;
};

static void fetch_reply_unref(gpointer data)
{
	struct fetch_reply *r = data;
	if (!g_atomic_int_dec_and_test(&r->refs))
		return;
	mailimap_fetch_list_free(r->list);
	g_free(r);
}

/* The UID and body of one FETCH response, if it carries both. */
static gboolean response_body(struct mailimap_msg_att *att, guint32 *uid, const char **data, size_t *len)
{
	*uid = 0;
	*data = NULL;
	for (clistiter *a = clist_begin(att->att_list); a; a = clist_next(a)) {
		struct mailimap_msg_att_item *item = clist_content(a);
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		struct mailimap_msg_att_static *st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && st->att_data.att_body_section) {
			*data = st->att_data.att_body_section->sec_body_part;
			*len = st->att_data.att_body_section->sec_length;
		}
	}
	return *uid && *data;
}

gboolean imap_fetch_bodies(struct imap_conn *c, const guint32 *uids, guint n, GBytes **bodies, GError **error)
{
	memset(bodies, 0, n * sizeof *bodies);
	g_autoptr(mailimap_set) set = uid_set(uids, n);
	g_autoptr(mailimap_fetch_type) ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
		ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	clist *result = NULL;
	log_debug("imap state=fetch count=%u first_uid=%u", n, n ? uids[0] : 0);
	int r = mailimap_uid_fetch(c->imap, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "UID FETCH (body)", r);
	struct fetch_reply *reply = g_new0(struct fetch_reply, 1);
	reply->list = result;
	reply->refs = 1;
	/* Servers may add unsolicited FETCH responses: match on the UID. */
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		guint32 uid;
		const char *data;
		size_t len = 0;
		if (!response_body(clist_content(it), &uid, &data, &len))
			continue;
		const guint32 *at = bsearch(&uid, uids, n, sizeof(guint32), compare_u32);
		if (!at || bodies[at - uids])
			continue;
		g_atomic_int_inc(&reply->refs);
		bodies[at - uids] = g_bytes_new_with_free_func(data, len, fetch_reply_unref, reply);
	}
	fetch_reply_unref(reply);
	return TRUE;
}

gboolean imap_fetch(struct imap_conn *c, guint32 uid, GBytes **body, GError **error)
{
	if (!imap_fetch_bodies(c, &uid, 1, body, error))
		return FALSE;
	if (!*body) {
		g_set_error(error, IMAP_ERROR, IMAP_ERR_PROTOCOL, "IMAP server returned no body for UID %u", uid);
		return FALSE;
	}
	return TRUE;
}

gboolean imap_ensure_mailbox(struct imap_conn *c, const char *name, GError **error)
{
	clist *found = NULL;
	log_debug("imap state=list-mailbox mailbox=%s", name);
	int r = mailimap_list(c->imap, "", name, &found);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "LIST", r);
	gboolean exists = clist_count(found) > 0;
	mailimap_list_result_free(found);
	if (exists)
		return TRUE;
	log_info("creating mailbox %s", name);
	r = mailimap_create(c->imap, name);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "CREATE", r);
	return TRUE;
}

static gboolean delete_set(struct imap_conn *c, struct mailimap_set *set, guint n, GError **error);

gboolean imap_move(struct imap_conn *c, const guint32 *uids, guint n, const char *mailbox, GError **error)
{
	if (n == 0)
		return TRUE;
	g_autoptr(mailimap_set) set = uid_set(uids, n);
	int r;
	/* Each message moved out is expunged here (libetpan counts it down). */
	c->exists_expected -= MIN(n, c->exists_expected);
	if (c->has_move) {
		log_debug("imap state=move count=%u mailbox=%s", n, mailbox);
		r = mailimap_uid_move(c->imap, set, mailbox);
		return r == MAILIMAP_NO_ERROR ? TRUE : fail(c, error, "UID MOVE", r);
	}
	log_debug("imap state=copy count=%u mailbox=%s", n, mailbox);
	r = mailimap_uid_copy(c->imap, set, mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "UID COPY", r);
	return delete_set(c, set, n, error);
}

gboolean imap_delete(struct imap_conn *c, const guint32 *uids, guint n, GError **error)
{
	if (n == 0)
		return TRUE;
	g_autoptr(mailimap_set) set = uid_set(uids, n);
	c->exists_expected -= MIN(n, c->exists_expected);
	return delete_set(c, set, n, error);
}

/* STORE \Deleted and (UID) EXPUNGE: the second half of a move by copy, and
 * all of a deletion. */
static gboolean delete_set(struct imap_conn *c, struct mailimap_set *set, guint n, GError **error)
{
	int r;
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_deleted());
	g_autoptr(mailimap_store_att_flags) store = mailimap_store_att_flags_new_add_flags_silent(flags);
	log_debug("imap state=delete count=%u", n);
	r = mailimap_uid_store(c->imap, set, store);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "UID STORE", r);
	/* Without UIDPLUS a plain EXPUNGE also removes other clients' \Deleted mail. */
	log_debug("imap state=expunge uidplus=%d", c->has_uidplus);
	r = c->has_uidplus ? mailimap_uid_expunge(c->imap, set) : mailimap_expunge(c->imap);
	return r == MAILIMAP_NO_ERROR ? TRUE : fail(c, error, "EXPUNGE", r);
}

gboolean imap_has_idle(struct imap_conn *c)
{
	return mailimap_has_idle(c->imap);
}

/* New mail is announced by a count above what the moves left. */
static gboolean imap_mail_announced(struct imap_conn *c)
{
	struct mailimap_selection_info *sel = c->imap->imap_selection_info;
	return sel && sel->sel_exists > c->exists_expected;
}

/* One IDLE command: until the server says something, time is up or *wake. */
static gboolean idle_once(struct imap_conn *c, gint64 deadline, const volatile sig_atomic_t *wake, gboolean *heard,
			  GError **error)
{
	log_debug("imap state=idle max_seconds=%d", (int)((deadline - g_get_monotonic_time()) / G_USEC_PER_SEC));
	int r = mailimap_idle(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(c, error, "IDLE", r);
	int fd = mailimap_idle_get_fd(c->imap);
	/* Bytes libetpan already buffered never show up on the socket. */
	*heard = c->imap->imap_stream->read_buffer_len > 0;
	while (!*heard && !(wake && *wake) && g_get_monotonic_time() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 1000);
		if (n < 0 && errno != EINTR) {
			g_set_error(error, IMAP_ERROR, IMAP_ERR_CONNECT, "IMAP IDLE on %s: poll: %s", c->where,
				    g_strerror(errno));
			return FALSE;
		}
		*heard = n > 0;
	}
	log_debug("imap state=idle-done heard=%d", *heard);
	r = mailimap_idle_done(c->imap);
	return r == MAILIMAP_NO_ERROR ? TRUE : fail(c, error, "IDLE DONE", r);
}

gboolean imap_idle(struct imap_conn *c, int max_seconds, const volatile sig_atomic_t *wake, gboolean *activity,
		   GError **error)
{
	*activity = FALSE;
	/* The server announces new mail once, in the response to whatever
	 * command comes next: mail that arrived while the last pass fetched
	 * and moved was announced then, and IDLE will not repeat it. Only a
	 * count above what the moves left means new mail: a server that
	 * repeats an unchanged EXISTS must not make nomd spin. */
	if (imap_mail_announced(c)) {
		log_debug("imap state=idle-skipped exists=%u expected=%u (new mail announced since the last SELECT)",
			  c->imap->imap_selection_info->sel_exists, c->exists_expected);
		*activity = TRUE;
		return TRUE;
	}
	gint64 deadline = g_get_monotonic_time() + (gint64)max_seconds * G_USEC_PER_SEC;
	while (!(wake && *wake) && g_get_monotonic_time() < deadline) {
		gboolean heard = FALSE;
		if (!idle_once(c, deadline, wake, &heard, error))
			return FALSE;
		if (!heard)
			break;
		/* What the server said is read now. A keepalive ("* OK Still
		 * here"), flags or an unchanged count is no mail: idle on.
		 * Fewer messages than expected means another client removed
		 * some; a pass counts afresh. */
		struct mailimap_selection_info *sel = c->imap->imap_selection_info;
		if (!sel || sel->sel_exists != c->exists_expected) {
			*activity = TRUE;
			break;
		}
		log_debug("imap state=idle-again exists=%u (nothing new)", sel->sel_exists);
	}
	return TRUE;
}
