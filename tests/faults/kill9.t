#!/usr/bin/python3
# kill -9 of nomd at random points of a 2,000-message backlog, 20 times:
# some runs are the long-running daemon, some `nomd --once`; most kills
# land when a random number of messages has been applied or of mails sent
# (so they spread over the whole job), a few at a random moment after
# start (connecting, selecting, moving). Then one clean run, and the
# checks: every nominee stored once, one confirmation per message, one
# welcome per accepted nominee, PRAGMA integrity_check = ok.
#
# NOMD_FAULTS_SCALE scales the backlog, NOMD_FAULTS_KILLS the kills (20),
# NOMD_FAULTS_SEED repeats a run's random choices. NOMD_FAULTS_KILL_CHILD=1
# kills nomd's delivery process too (not part of the contract: a kill
# between the SMTP server's acceptance and the commit that records it
# means the mail goes again, so duplicates may appear).
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultlib import (INBOX_USER, SMTP_EXTRA, Backlog, MailStack, Nomd, check_all, error_lines, progress,  # noqa: E402
                      rng_from_env, scaled, status_text, tap, wait_progress, workdir, write_config)

N = scaled(2000)
KILLS = int(os.environ.get("NOMD_FAULTS_KILLS") or 20)
KILL_CHILD = os.environ.get("NOMD_FAULTS_KILL_CHILD") == "1"
rng = rng_from_env(f"kill9: {N} messages, {KILLS} kills")
t_start = time.monotonic()

work = workdir("nomd-f-kill9-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, smtp_extra=SMTP_EXTRA)
    db = os.path.join(work, "nomd.db")
    backlog = Backlog("k")
    backlog.deliver(ms, N)
    tap.is_(len(ms.fetch(INBOX_USER)), N, f"{N} messages waiting in the inbox")

    # Kill points: a number of events (messages recorded + mails sent, as
    # committed in the database) to wait for, spread over the whole job;
    # one kill in five at a random moment after start instead (never two
    # of those in a row).
    total = 2 * N + backlog.expected_welcomes()
    points = sorted(rng.sample(range(1, int(total * 0.97)), KILLS))
    plan = []
    for p in points:
        timed = rng.random() < 0.2 and not (plan and plan[-1][0] == "timed")
        plan.append(("timed", rng.uniform(0.02, 0.3)) if timed else ("progress", p))

    kills = []  # (mode, how, messages applied, mails sent) at each kill
    exits = []  # runs that ended by themselves
    i = 0
    while i < len(plan):
        how, arg = plan[i]
        mode = rng.choice(["daemon", "once"])
        p = Nomd(conf, *(["--once"] if mode == "once" else []))
        if how == "timed":
            time.sleep(arg)
        else:
            wait_progress(db, min(arg, N), max(0, arg - N), timeout=120, proc=p)
            time.sleep(rng.uniform(0, 0.02))  # somewhere inside the next message or mail
        if not p.alive():
            # A --once run that finished its pass first: try again.
            exits.append((mode, status_text(p.wait())))
            if len(exits) > 3 * KILLS:
                break
            continue
        p.kill9(children=KILL_CHILD)
        a, s = progress(db)
        kills.append((mode, how, a, s))
        i += 1
        # Until both phases have been hit a few times, add kills (up to 40).
        if i == len(plan) and len(plan) < 40:
            if sum(1 for k in kills if k[2] < N) < 3 and a < N - 1:
                plan.append(("progress", rng.randrange(a + 1, N)))
            elif sum(1 for k in kills if k[2] >= N and k[3] < total - N) < 3 and a + s < total * 0.97 - 1:
                plan.append(("progress", rng.randrange(max(a + s + 1, N + 1), int(total * 0.97))))

    tap.diag("after each kill -9 (run, kill point), messages recorded/mails sent: " +
             ", ".join(f"{m}/{h}:{a}/{s}" for m, h, a, s in kills))
    if exits:
        tap.diag(f"{len(exits)} --once runs finished before their kill point: {exits[:5]}")
    applying = sum(1 for k in kills if k[2] < N)
    sending = sum(1 for k in kills if k[2] >= N and k[3] < total - N)
    tap.ok(len(kills) >= KILLS and applying >= 3 and sending >= 3,
           f"{len(kills)} kills -9: {applying} while applying messages, {sending} while sending mail, "
           f"{sum(1 for k in kills if k[0] == 'once')} of them of nomd --once")

    # The clean run: nomd --once finishes the job by itself.
    p = Nomd(conf, "--once")
    rc = p.wait(300)
    out = p.text()
    tap.is_(rc, 0, f"recovered: the clean nomd --once after the kills exits 0 ({status_text(rc)})")
    errors = error_lines(out)
    tap.is_(errors[:5], [], "and logs no error or warning")
    tap.diag("clean run: " + "; ".join(line.split(": ", 2)[-1] for line in out.splitlines()
                                        if "inbox:" in line or "outbox:" in line))
    check_all(ms, conf, os.path.join(work, "nomd.db"), backlog)
tap.diag(f"kill9: {time.monotonic() - t_start:.0f} s")
tap.done()
