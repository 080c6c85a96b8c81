#!/usr/bin/python3
# Mail that arrives while nomd is busy with earlier mail. The IMAP server
# announces a new message once (an untagged EXISTS), in the response to
# whatever command comes next; if that is one of nomd's FETCH or MOVE
# commands, the following IDLE does not repeat it. nomd must notice it
# anyway and not leave the message until the next resync (25 minutes by
# default).
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, section, write_config, workdir  # noqa: E402

ORGS = ["fife", "highland", "stirling", "angus", "moray", "falkirk"]


def nomination(n):
    org = ORGS[n % len(ORGS)]
    return form_message(f"chief.executive@{org}.example", f"busy-{n}@{org}.example",
                        section("Member", f"Person {n}", f"p{n}@{org}.example"))


def deliver(ms, first, count):
    for n in range(first, first + count):
        ms.deliver_lmtp(INBOX_USER, nomination(n))


def recorded(d, ids, since, timeout):
    """Seconds until every message id has an outcome in the log, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        text = d.text()[since:]
        if all(f"message busy-{n}@" in text for n in ids):
            return time.monotonic() - t0
        if d.proc.poll() is not None:
            return None
        time.sleep(0.1)
    return None


work = workdir("nomd-arrival-")
with MailStack(os.path.join(work, "stack")) as ms:
    # A resync far away: only IDLE (or nomd's own bookkeeping) can bring
    # the late message in within the bound.
    conf = write_config(ms, work, imap_extra="idle_seconds = 1500;",
                        smtp_extra="max_replies_per_sender_per_hour = 1000;")
    backlog = 60
    deliver(ms, 0, backlog)
    d = Daemon(conf)
    busy = d.wait_for(rf"{backlog} message\(s\) to process", 30)
    tap.ok(busy, f"nomd starts on a backlog of {backlog} messages")
    # One more while it works through them: announced in the response to
    # one of its commands, before it goes back to IDLE.
    mark = d.mark()
    deliver(ms, backlog, 1)
    took = recorded(d, [backlog], 0, 20)
    tap.ok(took is not None, "a message delivered while nomd works through the backlog is processed "
           + (f"({took:.1f} s after it arrived)" if took is not None else "(not within 20 s)"))
    tap.ok(recorded(d, range(backlog), 0, 20) is not None, "and so is the whole backlog")
    tap.ok(d.wait_for(r"waiting with IDLE", 10), "nomd then waits with IDLE")

    # Bursts with short gaps, each followed by silence: every burst is taken
    # in without the next one to wake nomd.
    n = backlog + 1
    for burst, (count, gap) in enumerate([(25, 0.0), (12, 0.03), (40, 0.01)], 1):
        mark = d.mark()
        for i in range(count):
            deliver(ms, n + i, 1)
            time.sleep(gap)
        took = recorded(d, range(n, n + count), mark, 20)
        tap.ok(took is not None, f"burst {burst}: {count} messages, {gap * 1000:.0f} ms apart, all processed "
               + (f"{took:.1f} s after the last arrived" if took is not None else "(not within 20 s)"))
        n += count
    rc, _ = d.stop()
    tap.is_(rc, 0, "SIGTERM: exit status 0")
tap.done()
