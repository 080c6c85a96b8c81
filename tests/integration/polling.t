#!/usr/bin/python3
# Dovecot configured without IDLE and without MOVE (imap_capability): nomd
# polls, and files messages with UID COPY + \Deleted + EXPUNGE, both with
# UIDPLUS (UID EXPUNGE) and without it (plain EXPUNGE).
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, write_config, workdir  # noqa: E402

CE = "chief.executive@angus.example"
BASE_CAPS = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ NAMESPACE CHILDREN UNSELECT"
work = workdir("nomd-poll-")

for label, caps in (("with UIDPLUS", BASE_CAPS + " UIDPLUS"), ("without UIDPLUS", BASE_CAPS)):
    sub = os.path.join(work, label.replace(" ", "-"))
    os.mkdir(sub)
    with MailStack(os.path.join(sub, "stack"), dovecot_extra=f"imap_capability = {caps}\n") as ms:
        conf = write_config(ms, sub, imap_extra="poll_seconds = 1;")
        ms.deliver_lmtp(INBOX_USER, form_message(CE, f"before-{label[0:4]}@angus.example",
                                                 section("Member", "Early Bird", f"early-{len(label)}@angus.example")))
        d = Daemon(conf, "-v")
        tap.ok(d.wait_for(r"connected to .*, polling", 20), f"{label}: no IDLE advertised, so nomd polls")
        tap.ok(d.wait_for(r"imap state=copy", 20), f"{label}: no MOVE advertised, so UID COPY is used")
        expunge = "uidplus=1" if "without" not in label else "uidplus=0"
        tap.ok(d.wait_for(rf"imap state=expunge {expunge}", 20), f"{label}: expunged with {expunge}")
        mark = d.mark()
        t0 = time.monotonic()
        ms.deliver_lmtp(INBOX_USER, form_message(CE, f"later-{label[0:4]}@angus.example",
                                                 section("Mentor", "Late Comer", f"late-{len(label)}@angus.example")))
        got = d.wait_for(r"later-.* outcome=accepted", 20, since=mark)
        tap.ok(got, f"{label}: mail delivered while polling is processed ({time.monotonic() - t0:.1f} s, poll 1 s)")
        time.sleep(0.5)
        tap.is_(len(ms.fetch(INBOX_USER)), 0, f"{label}: inbox emptied by COPY + EXPUNGE")
        tap.is_(len(ms.fetch(INBOX_USER, "Processed")), 2, f"{label}: both messages in Processed")
        rc, _ = d.stop()
        tap.is_(rc, 0, f"{label}: stops cleanly")
        tap.is_(len(nomctl_json(conf, "export")), 2, f"{label}: both nominees stored once")
tap.done()
