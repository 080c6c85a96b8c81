#!/usr/bin/python3
# SIGTERM finishes the message in hand: sent while nomd is processing a
# message (held 3 s by NOMD_FAULT=sleep:), not while it idles. That
# message is stored and moved, nomd exits 0, and a message that arrived
# meanwhile is left for the next run, which processes it and not the first
# again.
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, write_config, workdir  # noqa: E402

CE = "chief.executive@fife.example"
work = workdir("nomd-sigterm-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    d = Daemon(conf, env={"NOMD_FAULT": "sleep:slow-in-hand"})
    tap.ok(d.wait_for(r"waiting with IDLE", 20), "daemon connects and waits with IDLE")
    mark = d.mark()
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "slow-in-hand@fife.example",
                                             section("Member", "Ann Slow", "ann@fife.example")))
    tap.ok(d.wait_for(r"injected delay \(NOMD_FAULT\)", 20, since=mark), "the message is in hand (held 3 s)")
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "later@fife.example",
                                             section("Member", "Bob Later", "bob@fife.example")))
    at_term = d.text()[mark:]
    d.signal(signal.SIGTERM)
    tap.ok("outcome=" not in at_term, "SIGTERM sent before the message in hand has an outcome")
    rc, _ = d.stop(timeout=20)
    tap.is_(rc, 0, "exit status 0")
    log = d.text()[mark:]
    tap.ok(re.search(r"message slow-in-hand@fife\.example .* outcome=accepted", log),
           "the message in hand is finished: accepted")
    tap.ok("later@fife.example" not in log, "the message that arrived meanwhile is left alone")
    tap.is_([n["email"] for n in nomctl_json(conf, "export")], ["ann@fife.example"],
            "the message in hand is committed")

    mark = len(d.text())
    d = Daemon(conf)
    tap.ok(d.wait_for(r"message later@fife\.example .* outcome=accepted", 20, since=mark),
           "the next run processes the message left")
    tap.ok(d.wait_for(r"waiting with IDLE", 20, since=mark), "and waits")
    rc, _ = d.stop()
    tap.is_(rc, 0, "stops cleanly")
    tap.ok("slow-in-hand" not in d.text()[mark:], "the first message was moved: not seen again")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["ann@fife.example", "bob@fife.example"],
            "both nominees stored, once each")
tap.done()
