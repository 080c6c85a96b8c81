#!/usr/bin/python3
# Postfix stopped for a while in the middle of the confirmations of a
# 1,000-message backlog, while a long-running nomd works; more nominations
# arrive meanwhile (over LMTP: Dovecot is up). nomd keeps running, keeps
# applying the new mail, and holds the confirmations back (no mail is
# charged an attempt; the log and `nomctl status` say why) without
# spinning; once Postfix is back every confirmation is delivered exactly
# once. Then the usual checks.
#
# NOMD_FAULTS_SCALE scales the backlog, NOMD_FAULTS_SEED repeats a run.
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import (SMTP_EXTRA, Backlog, MailStack, Nomd, check_all, error_lines, nomctl_json, pending,  # noqa: E402
                      postfix, progress, rng_from_env, scaled, status_text, tap, wait_done, wait_progress, workdir,
                      write_config)

N = scaled(1000)
LATE = scaled(100, 10)  # arrive while Postfix is down
rng = rng_from_env(f"postfix_down: {N} messages, {LATE} more while Postfix is down")
t_start = time.monotonic()

work = workdir("nomd-f-postfix-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, smtp_extra=SMTP_EXTRA)
    db = os.path.join(work, "nomd.db")
    backlog = Backlog("p")
    backlog.deliver(ms, N)
    d = Nomd(conf, "-v")  # debug lines count the delivery passes
    target = rng.randint(N // 5, N // 2)
    tap.ok(wait_progress(db, N, target, timeout=180, proc=d), f"nomd at work: {N} applied, {target} mails sent")
    mark = d.mark()
    at = progress(db)
    postfix(ms, "stop")
    after = progress(db)
    tap.diag(f"Postfix stopped at {at[1]} mails sent ({after[1]} when it was down)")
    backlog.deliver(ms, LATE)
    down = rng.uniform(6, 10)
    t0 = time.monotonic()
    tap.ok(wait_progress(db, len(backlog), 0, timeout=60, proc=d),
           f"the {LATE} messages that arrive meanwhile are applied")
    time.sleep(max(0.0, down - (time.monotonic() - t0)))
    log = d.text(mark)
    tap.ok(d.wait_for(r"\]: error: outbox on hold, no mail failed: SMTP connect failed: ", 1, since=mark),
           "confirmations held back while Postfix is down")
    rows = [o for o in nomctl_json(conf, "outbox") if o["status"] == "pending"]
    # A mail may have been cut mid-transaction by the stop: that one is
    # deferred with an attempt; the outage itself charges none.
    tried = [o for o in rows if o["attempts"] >= 1]
    status = (nomctl_json(conf, "status") or [{}])[0].get("delivery_error") or ""
    tap.ok(len(rows) >= LATE and len(tried) <= 1 and "SMTP connect failed" in status,
           f"the outbox holds them ({len(rows)} pending, {len(tried)} charged an attempt), nomctl status says why: "
           + status)
    # The error is said once; each pass that finds Postfix down leaves a
    # debug line with its pause.
    passes = len(re.findall(r"delivery: next try in \d+ s", log))
    sent_down = progress(db)[1] - after[1]
    tap.ok(d.alive() and 1 <= passes <= 3 * down and sent_down == 0,
           f"down {down:.1f} s: nomd keeps running and retries without spinning ({passes} passes held back), "
           f"sends nothing ({sent_down})")
    tap.diag("while Postfix was down nomd logged: " +
             "; ".join(sorted({re.sub(r"#\d+ to \S+", "#N to ...", re.sub(r"\d+ s:", "N s:", line.split(": ", 2)[-1]))
                               for line in error_lines(log)})))
    mark = d.mark()
    postfix(ms, "start")
    t0 = time.monotonic()
    done = wait_done(db, backlog, timeout=240, proc=d)
    m, s = progress(db)
    tap.ok(done, f"after Postfix is back every mail is sent ({s} in all, {time.monotonic() - t0:.1f} s), "
           f"none pending ({pending(db)})")
    tap.ok(d.alive(), f"recovered by itself: the same nomd is still running ({status_text(d.wait(0))})")
    rc = d.stop()
    tap.is_(rc, 0, "and stops cleanly on SIGTERM")
    check_all(ms, conf, db, backlog, mail_system_restarted=True, log_text=d.all_text())
tap.diag(f"postfix_down: {time.monotonic() - t_start:.0f} s")
tap.done()
