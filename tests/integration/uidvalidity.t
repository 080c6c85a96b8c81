#!/usr/bin/python3
# A UIDVALIDITY change: the inbox is recreated holding messages nomd has
# already applied. nomd notices, rescans, recognises every message by
# Message-ID and SHA-256, and applies none of them a second time.
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
import mailstack  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl_json, nomd, section, write_config, workdir  # noqa: E402

CE = "chief.executive@falkirk.example"
work = workdir("nomd-uidv-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    for i in range(3):
        ms.deliver_lmtp(INBOX_USER, form_message(CE, f"u-{i}@falkirk.example",
                                                 section("Member", f"P{i}", f"p{i}@falkirk.example")))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "first run processes the inbox")
    before = (len(nomctl_json(conf, "export")), len(nomctl_json(conf, "messages")))
    tap.is_(before, (3, 3), "three messages, three nominees")
    replies = len(ms.fetch(CE, expect=3, timeout=30))
    tap.is_(replies, 3, "three confirmations")

    # Recreate: the processed messages go back into the inbox, which then
    # gets a new UIDVALIDITY (as after a server migration or restore).
    stored = ms.fetch(INBOX_USER, "Processed")
    m = ms.imap(INBOX_USER)
    for raw in stored:
        m.append("INBOX", None, None, raw)
    m.logout()
    out = subprocess.run([mailstack._which("doveadm"), "-c", ms.dovecot_conf, "mailbox", "update",
                          "-u", INBOX_USER, "--uid-validity", "77", "INBOX"], capture_output=True, text=True)
    tap.is_(out.returncode, 0, "doveadm gives INBOX a new UIDVALIDITY" + (": " + out.stderr if out.returncode else ""))
    # One new message arrives after the change and must still be processed.
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "u-new@falkirk.example",
                                             section("Mentor", "New", "new@falkirk.example")))

    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "run after the change exits 0")
    tap.like(r.stderr, r"UIDVALIDITY changed from \d+ to 77", "the change is noticed and logged")
    tap.is_(r.stderr.count("already recorded"), 3, "all three old messages recognised")
    tap.is_((len(nomctl_json(conf, "export")), len(nomctl_json(conf, "messages"))), (4, 4),
            "none applied twice; the new message applied once")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "inbox emptied")
    ms.wait_queue_empty(timeout=30)
    tap.is_(len(ms.fetch(CE, expect=4, timeout=30)), 4, "one more confirmation, for the new message only")
tap.done()
