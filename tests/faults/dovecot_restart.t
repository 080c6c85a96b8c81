#!/usr/bin/python3
# Dovecot stopped and restarted twice under a long-running nomd working
# through a 1,000-message backlog: once while messages are being applied
# (more nominations arrive meanwhile through Postfix, which queues them
# until Dovecot is back), once while the confirmations are being sent
# (Postfix cannot deliver them into the mailboxes meanwhile). nomd must
# recover by itself: it stays running, reconnects and finishes; then the
# usual checks.
#
# NOMD_FAULTS_SCALE scales the backlog, NOMD_FAULTS_SEED repeats a run.
import email
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import (INBOX_USER, SMTP_EXTRA, Backlog, MailStack, Nomd, check_all, error_lines,  # noqa: E402
                      postfix_flush, progress, recorded_ids, rng_from_env, scaled, start_dovecot, status_text,
                      stop_dovecot, tap, wait_done, wait_progress, workdir, write_config)

N = scaled(1000)
LATE = scaled(40, 5)  # sent while Dovecot is down
rng = rng_from_env(f"dovecot_restart: {N} messages, {LATE} more during the first outage")
t_start = time.monotonic()

work = workdir("nomd-f-dovecot-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, smtp_extra=SMTP_EXTRA)
    db = os.path.join(work, "nomd.db")
    backlog = Backlog("d")
    backlog.deliver(ms, N)
    tap.is_(len(ms.fetch(INBOX_USER)), N, f"{N} messages waiting in the inbox")
    d = Nomd(conf)

    def outage(label, recorded=0, sent=0):
        """Wait for the progress point, stop Dovecot for a few seconds, start
        it again; check that nomd noticed, backed off and reconnected."""
        if not wait_progress(db, recorded, sent, timeout=120, proc=d):
            tap.ok(False, f"{label}: progress point {recorded}/{sent} reached ({status_text(d.wait(0))})")
            return
        mark = d.mark()
        at = progress(db)
        took = stop_dovecot(ms)
        after = progress(db)
        tap.diag(f"{label}: Dovecot stopped at {at[0]} messages recorded/{at[1]} mails sent "
                 f"({after[0]}/{after[1]} when it was gone {took:.1f} s later)")
        if label.startswith("while applying"):
            backlog.deliver(ms, LATE, via="smtp")
        down = rng.uniform(3, 6)
        time.sleep(down)
        start_dovecot(ms)
        postfix_flush(ms)
        t0 = time.monotonic()
        # While its delivery child sends mail nomd does not use IMAP: it may
        # notice the outage only once Dovecot is back.
        lost = d.wait_for(r"\]: error: IMAP", 120, since=mark)
        tap.ok(lost, f"{label}: nomd notices the lost IMAP connection")
        back = lost and d.wait_for(r"\]: info: connected to ", 60, since=mark + lost.end())
        tap.ok(back, f"{label}: nomd reconnects by itself after the restart ({time.monotonic() - t0:.1f} s)")
        log = d.text(mark)[:lost.end() + back.end() if back else None]
        attempts = len(re.findall(r"reconnecting in", log))
        # Each way of failing is logged once: the connection lost, then,
        # while Dovecot goes down, maybe a failed TLS handshake, then the
        # refused connection. A repeated line would be spinning.
        errors = re.findall(r"\]: error: (.*)", log)
        tap.ok(d.alive() and attempts <= 6 and len(errors) <= 3 and len(set(errors)) == len(errors),
               f"{label}: down {down:.1f} s: nomd kept running, backed off without spinning "
               f"({attempts} reconnection attempts), logged each failure once ({len(errors)} error lines)")
        if len(set(errors)) != len(errors) or len(errors) > 3:
            tap.diag("  errors: " + " | ".join(errors)[:600])

    outage("while applying messages", recorded=rng.randint(N // 5, N * 3 // 5))
    # The late messages must be in the inbox before the next stop: cut off
    # in Dovecot's LMTP, one could be stored twice, and nomd rightly holds
    # the second copy (a different message with the same Message-ID).
    late = {mid for mid, _, _, _ in backlog.items[N:]}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        there = {(email.message_from_bytes(raw)["Message-ID"] or "").strip("<>") for raw in ms.fetch(INBOX_USER)}
        if late <= there | recorded_ids(db):
            break
        time.sleep(0.2)
    tap.ok(late <= there | recorded_ids(db), f"the {LATE} messages sent during the outage reach the inbox")
    outage("while sending confirmations", sent=rng.randint(N // 5, N * 3 // 5))

    done = wait_done(db, backlog, timeout=240, proc=d)
    m, s = progress(db)
    tap.ok(done, f"nomd finishes the job: {m} of {len(backlog)} messages recorded, {s} mails sent, none pending")
    tap.ok(d.alive(), f"recovered by itself: the same nomd is still running ({status_text(d.wait(0))})")
    unexpected = [line for line in error_lines(d.text())
                  if not re.search(r"IMAP|reconnect|connection|deferred", line)]
    tap.is_(unexpected[:5], [], "no errors but the lost connection")
    rc = d.stop()
    tap.is_(rc, 0, "and stops cleanly on SIGTERM")
    check_all(ms, conf, db, backlog, mail_system_restarted=True)
tap.diag(f"dovecot_restart: {time.monotonic() - t_start:.0f} s")
tap.done()
