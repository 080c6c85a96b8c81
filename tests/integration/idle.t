#!/usr/bin/python3
# Long-running mode on a real Dovecot with IDLE: mail delivered while nomd
# waits is confirmed within seconds; SIGHUP reloads (a bad file is refused
# whole: a rule it changes stays as it was); SIGTERM stops within 5 s with status 0.
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, write_config, workdir  # noqa: E402

CE = "chief.executive@fife.example"
work = workdir("nomd-idle-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    d = Daemon(conf)
    tap.ok(d.wait_for(r"waiting with IDLE", 20), "daemon connects and waits with IDLE")
    time.sleep(0.5)  # let it enter IDLE
    figures = []
    for i in range(3):
        mark = d.mark()
        t0 = time.monotonic()
        ms.deliver_lmtp(INBOX_USER, form_message(CE, f"idle-{i}@fife.example",
                                                 section("Member", f"Person {i}", f"p{i}@fife.example")))
        stored = d.wait_for(rf"message idle-{i}@fife\.example .* outcome=accepted", 20, since=mark)
        t_stored = time.monotonic() - t0
        sent = d.wait_for(r"sent outbox", 20, since=mark)
        replies = ms.fetch(CE, expect=i + 1, timeout=20)
        t_reply = time.monotonic() - t0
        figures.append((t_stored, t_reply))
        tap.ok(stored and sent and len(replies) == i + 1,
               f"message {i + 1} delivered during IDLE: stored after {t_stored:.2f} s, "
               f"confirmation in the mailbox after {t_reply:.2f} s")
        tap.ok(t_reply < 15, "within the generous bound of 15 s")
        time.sleep(0.3)
    tap.diag("IDLE latency, delivery to stored / to confirmation in mailbox: " +
             ", ".join(f"{a:.2f}/{b:.2f} s" for a, b in figures))

    # SIGHUP with a broken file that also lowers the quota to 3 members:
    # refused whole, so the 4th member is still accepted under the old 5.
    good = open(conf).read()
    tap.ok("max_members = 5" in good, "the running configuration allows 5 members")
    with open(conf, "w") as f:
        f.write(good.replace("max_members = 5", "max_members = 3") + "\nbogus_key = 1;\n")
    mark = d.mark()
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_for(r"reload refused, keeping the running configuration: .*unknown setting 'bogus_key'", 10,
                      since=mark), "SIGHUP with an invalid file is refused and says why")
    mark = d.mark()
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "after-bad-hup@fife.example",
                                             section("Member", "Fourth", "p3@fife.example")))
    tap.ok(d.wait_for(r"after-bad-hup@fife\.example .* outcome=accepted", 20, since=mark),
           "and the daemon goes on with the old configuration: a 4th member accepted, max_members = 3 not applied")
    # SIGHUP with a good file: reloaded, reconnects.
    with open(conf, "w") as f:
        f.write(good.replace("max_members = 5", "max_members = 3"))
    mark = d.mark()
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_for(r"configuration reloaded", 10, since=mark), "SIGHUP with a valid file reloads")
    tap.ok(d.wait_for(r"waiting with IDLE", 20, since=mark), "and reconnects")
    mark = d.mark()
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "after-hup@fife.example",
                                             section("Member", "Fifth", "p4@fife.example")))
    tap.ok(d.wait_for(r"after-hup@fife\.example .* outcome=rejected reasons=quota_exceeded", 20, since=mark),
           "the new quota of 3 members applies")

    rc, took = d.stop()
    tap.is_(rc, 0, "SIGTERM: exit status 0")
    tap.ok(took < 5, f"SIGTERM: stopped in {took:.2f} s (< 5 s)")
    tap.ok("stopped" in d.text(), "logs that it stopped")
    tap.is_(len(nomctl_json(conf, "export")), 5, "every nominee stored once")
tap.done()
