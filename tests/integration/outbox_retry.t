#!/usr/bin/python3
# The outbox's retry schedule. A relay in this process answers every RCPT
# TO with 451 (a temporary refusal: the one kind that defers a mail and
# charges it an attempt). Each pass of `nomd --once` defers the one
# confirmation; the delay it logs and stores doubles from smtp.retry_min
# per attempt, jittered within [half, all] of it, and stops at
# smtp.retry_max; a mail older than smtp.max_age is failed, not deferred
# again. The passage of time is simulated in the database (the row made
# due, or made old), so the test reads the delays nomd computes and never
# sleeps them.
import datetime
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, FakeServer, form_message, nomd, section, workdir, write_config  # noqa: E402

CE = "chief.executive@fife.example"
RETRY_MIN, RETRY_MAX, MAX_AGE = 60, 480, 3600
REFUSAL = "451 4.3.0 Mailbox busy, try again later"
work = workdir("nomd-outbox-retry-")


class Relay(FakeServer):
    """SMTP that takes the sender and refuses every recipient for now."""

    def session(self, conn):
        conn.settimeout(20)
        f = conn.makefile("rb")
        conn.sendall(b"220 fake.relay ESMTP\r\n")
        for line in iter(f.readline, b""):
            verb = line.decode(errors="replace").strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                reply = "250-fake.relay\r\n250 8BITMIME"
            elif verb.startswith("RCPT"):
                reply = REFUSAL
            elif verb.startswith("QUIT"):
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                reply = "250 2.0.0 Ok"
            conn.sendall(reply.encode() + b"\r\n")


def row(db):
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        return dict(c.execute("SELECT id, status, attempts, next_attempt_at, created_at, last_error FROM outbox"
                              " WHERE recipient = ?", (CE,)).fetchone())


def db_set(db, sql, *args):
    with sqlite3.connect(db) as c:
        c.execute(sql, args)


def one_pass():
    """nomd --once; returns (its log, the run's start and end, epoch seconds)."""
    t0 = int(time.time())
    r = nomd(conf, "--once")
    return r.stdout + r.stderr, t0, int(time.time()) + 1


def tried(log):
    return bool(re.search(r"outbox #\d+ (deferred|failed)", log))


relay = Relay()
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, smtp_plain_port=relay.port,
                        smtp_extra=f"retry_min = {RETRY_MIN}; retry_max = {RETRY_MAX}; max_age = {MAX_AGE};")
    db = os.path.join(work, "nomd.db")
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "retry-1@fife.example",
                                             section("Member", "Ann Fife", "ann@fife.example")))

    # Attempts 1..5: ceilings 60, 120, 240, 480 and 480 s (960 uncapped).
    for k in range(5):
        log, t0, t1 = one_pass()
        o = row(db)
        m = re.search(rf"outbox #{o['id']} deferred (\d+) s: ", log)
        tap.ok(m, f"pass {k + 1}: the confirmation is deferred" + ("" if m else f"; log:\n{log}"))
        if not m:
            break
        delay = int(m.group(1))
        ceiling = min(RETRY_MIN * 2 ** k, RETRY_MAX)
        tap.ok(ceiling // 2 <= delay <= ceiling,
               f"pass {k + 1}: deferred {delay} s, within [{ceiling // 2}, {ceiling}] s"
               + (" (doubled)" if 0 < k < 4 else " (the cap, smtp.retry_max)" if k == 4 else " (smtp.retry_min)"))
        tap.is_((o["status"], o["attempts"]), ("pending", k + 1), f"pass {k + 1}: still pending, {k + 1} attempts")
        tap.ok(t0 <= o["next_attempt_at"] - delay <= t1,
               f"pass {k + 1}: the next try stored is the delay logged after the pass's time")
        tap.ok(REFUSAL in (o["last_error"] or ""), f"pass {k + 1}: the server's reason kept: {o['last_error']}")
        # The wait is over: due at the next pass.
        db_set(db, "UPDATE outbox SET next_attempt_at = 0 WHERE id = ?", o["id"])

    # A pass before the row is due leaves it alone.
    db_set(db, "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", int(time.time()) + 3600, o["id"])
    log, _, _ = one_pass()
    tap.is_((row(db)["attempts"], tried(log)), (5, False), "not due: not tried, not charged")

    # Older than max_age: the next temporary refusal fails it.
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=MAX_AGE + 60)
    db_set(db, "UPDATE outbox SET created_at = ?, next_attempt_at = 0 WHERE id = ?",
           old.strftime("%Y-%m-%dT%H:%M:%SZ"), o["id"])
    log, _, _ = one_pass()
    print("# " + "\n# ".join(ln for ln in log.splitlines() if "outbox" in ln))
    o = row(db)
    tap.is_((o["status"], o["attempts"]), ("failed", 6), "past smtp.max_age a temporary refusal fails the mail")
    tap.ok(REFUSAL in (o["last_error"] or ""), f"with the server's reason: {o['last_error']}")
    tap.ok(re.search(r"outbox #\d+ failed \(older than smtp\.max_age\): ", log) and "0 deferred, 1 failed" in log
           and not re.search(r"outbox #\d+ deferred", log), "and the log says failed, not deferred")
    log, _, _ = one_pass()
    tap.is_((row(db)["attempts"], tried(log)), (6, False), "and it is not tried again")
relay.close()
tap.done()
