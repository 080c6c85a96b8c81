/* daemon: nomd's main loop. Owns the connection state machine
 * (connect -> sync -> wait (IDLE or poll) -> sync ...; on failure backoff
 * -> connect), reconnects with exponential backoff and jitter, reloads the
 * configuration on request, and stops cleanly. Single-threaded: signal
 * handlers only set the flags this loop reads. */
#ifndef NOMD_DAEMON_H
#define NOMD_DAEMON_H

#include <glib.h>
#include <signal.h>

#include "config.h"
#include "reply.h"
#include "store.h"

struct daemon_flags {
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t *reload;
	volatile sig_atomic_t *wake; /* set by either of the above */
};

/* One pass (--once): returns a sysexits code. */
int daemon_once(const struct nomd_config *cfg, const struct reply_templates *t, struct store **st,
		const struct daemon_flags *flags);
/* Until *flags->stop. *cfg and *t are replaced on a successful reload.
 * *st may be reopened (see deliver_isolated). */
int daemon_run(const char *config_path, struct nomd_config **cfg, struct reply_templates **t, struct store **st,
	       const struct daemon_flags *flags);

#endif
