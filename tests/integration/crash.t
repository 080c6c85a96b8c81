#!/usr/bin/python3
# kill -9 of nomd at random moments during a 500-message backlog, again and
# again, then one clean run: every message applied exactly once, exactly
# one confirmation per message in the nominators' mailboxes, and the
# database passes PRAGMA integrity_check.
import collections
import email
import os
import random
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, nomd, section, write_config, workdir  # noqa: E402

N = int(os.environ.get("NOMD_CRASH_MESSAGES", "500"))
KILLS = int(os.environ.get("NOMD_CRASH_KILLS", "12"))
seed = int(os.environ.get("NOMD_CRASH_SEED", str(int(time.time()))))
rng = random.Random(seed)
tap.diag(f"seed {seed} (set NOMD_CRASH_SEED to repeat), {N} messages, {KILLS} kills")

work = workdir("nomd-crash-")
orgs = [line.split('"')[1] for line in open(os.path.join(os.path.dirname(__file__), "..", "..", "etc",
                                                         "organisations.conf")) if line.strip().startswith("{ id =")]
with MailStack(os.path.join(work, "stack")) as ms:
    # Each chief executive sends about 16 of the 500: lift the reply limit.
    conf = write_config(ms, work, smtp_extra="max_replies_per_sender_per_hour = 1000;")
    sent = collections.defaultdict(set)
    for i in range(N):
        org = orgs[i % len(orgs)]
        ce = f"chief.executive@{org}.example"
        mid = f"bulk-{i}@{org}.example"
        role = "Mentor" if i % 3 == 0 else "Member"
        ms.deliver_lmtp(INBOX_USER, form_message(ce, mid, section(role, f"Person {i}", f"person{i}@{org}.example")))
        sent[ce].add(f"<{mid}>")
    tap.is_(len(ms.fetch(INBOX_USER)), N, f"{N} messages waiting in the inbox")

    # Short lives, so that the kills land while messages are being applied
    # and while confirmations are being sent.
    # At least KILLS kills, and more (up to 60) until some landed while
    # messages were being applied and some while confirmations were sent.
    # Lives grow with each kill, so a slow build (ASan) also gets through
    # the backlog to the sending.
    progress = []

    def covered():
        return (sum(1 for a, b in progress if a < N) >= 2 and
                sum(1 for a, b in progress if a == N and b < N) >= 2)

    def stalled():
        """The last two kills found the same message in hand: a third death
        on it would rightly hold it as unprocessable (README: deaths that
        leave no record count from the third), which is poison.t's test,
        not this one's."""
        return len(progress) >= 2 and progress[-1][0] == progress[-2][0] < N

    while len(progress) < KILLS or (not covered() and len(progress) < 60):
        d = Daemon(conf)
        if stalled():
            # Let this life get past the message first (a slow start
            # under a sanitizer can eat the short lives).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(nomctl_json(conf, "messages")) <= progress[-1][0]:
                time.sleep(0.05)
        time.sleep(rng.uniform(0.02, 0.25) * (1 + len(progress) / 8))
        d.kill()
        recorded = len(nomctl_json(conf, "messages"))
        delivered = sum(1 for o in nomctl_json(conf, "outbox") if o["status"] == "sent")
        progress.append((recorded, delivered))
    tap.diag("after each kill -9, messages recorded/confirmations sent: " +
             ", ".join(f"{a}/{b}" for a, b in progress))
    mid_ingest = sum(1 for a, b in progress if a < N)
    mid_send = sum(1 for a, b in progress if a == N and b < N)
    tap.ok(len(progress) >= KILLS and covered(),
           f"{len(progress)} kills: {mid_ingest} while applying, {mid_send} while sending confirmations")

    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "clean run after the kills exits 0")
    messages = nomctl_json(conf, "messages")
    ids = collections.Counter(m["message_id"] for m in messages)
    tap.is_(len(messages), N, f"{N} messages recorded")
    tap.is_(sorted(i for i, c in ids.items() if c > 1), [], "none recorded twice")
    odd = [m for m in messages if m["outcome"] == "held"]
    tap.is_([(m["message_id"], m["reasons"]) for m in odd], [], "none held (no repeat, no unprocessable)")
    nominees = nomctl_json(conf, "export")
    tap.is_(len(nominees), N, "one nominee per message, none stored twice")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "inbox empty")
    tap.is_(len(ms.fetch(INBOX_USER, "Processed")) + len(ms.fetch(INBOX_USER, "Rejected")), N,
            "every message filed exactly once")
    outbox = nomctl_json(conf, "outbox")
    replies = [o for o in outbox if o["recipient"].startswith("chief.executive@")]
    tap.is_(collections.Counter(o["status"] for o in replies), collections.Counter({"sent": N}),
            "one reply queued per message, all sent")
    accepted = {n["email"] for n in nomctl_json(conf, "export") if n["status"] == "accepted"}
    welcomes = collections.Counter(o["recipient"] for o in outbox if not o["recipient"].startswith("chief.executive@"))
    tap.is_((sorted(welcomes) == sorted(accepted), max(welcomes.values(), default=0),
             all(o["status"] == "sent" for o in outbox)), (True, 1, True),
            f"one welcome per accepted nominee ({len(accepted)}), all sent")

    ms.wait_queue_empty(timeout=120)
    wrong = []
    total = 0
    for ce, mids in sent.items():
        got = [email.message_from_bytes(raw)["In-Reply-To"] for raw in ms.fetch(ce, expect=len(mids), timeout=60)]
        total += len(got)
        if sorted(got) != sorted(mids):
            extra = [g for g, c in collections.Counter(got).items() if c > 1]
            wrong.append((ce, len(got), len(mids), extra[:3]))
    tap.is_(wrong, [], "exactly one confirmation per message in every nominator's mailbox")
    tap.is_(total, N, f"{N} confirmations in all")
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    tap.is_(db.execute("PRAGMA integrity_check").fetchone()[0], "ok", "PRAGMA integrity_check: ok")
    db.close()
tap.done()
