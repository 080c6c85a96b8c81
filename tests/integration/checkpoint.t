#!/usr/bin/python3
# A pass that ends on a database failure must not leave behind a message
# that failed earlier in the same pass. The checkpoint (the highest UID
# done) moves past a failed message when a later one succeeds; after a
# clean pass the next one looks at the whole inbox for it, but a pass that
# ended on the database error used to resume above the checkpoint, so the
# failed message sat in the inbox until nomd reconnected (days, with IDLE).
#
# Three messages arrive at once (copied into the inbox in one command):
# A fails (NOMD_FAULT fail:), B is processed, C fails as on a locked
# database (NOMD_FAULT busy:), every time. A must get its second attempt,
# and be held, while nomd keeps its connection.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, write_config, workdir  # noqa: E402

CE = "chief.executive@moray.example"
work = workdir("nomd-checkpoint-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    d = Daemon(conf, "-v", env={"NOMD_FAULT": "fail:POISON-MARK busy:LOCK-MARK"})
    tap.ok(d.wait_for(r"imap state=idle", 30), "nomd waits in IDLE on an empty inbox")
    mark = d.mark()
    m = ms.imap(INBOX_USER)
    m.create("Staging")
    for tag, marker in (("a", "POISON-MARK"), ("b", ""), ("c", "LOCK-MARK")):
        m.append("Staging", None, None, form_message(CE, f"{tag}@moray.example",
                                                     section("Member", f"{tag.upper()} {marker}",
                                                             f"{tag}@moray.example")))
    m.select("Staging")
    typ, _ = m.uid("COPY", "1:3", "INBOX")
    m.logout()
    tap.is_(typ, "OK", "A, B and C arrive in the inbox together")
    tap.ok(d.wait_for(r"attempt 1 of 2 failed: injected fault", 30, since=mark), "A fails its first attempt")
    tap.ok(d.wait_for(r"message b@moray\.example .*outcome=accepted", 30, since=mark), "B is processed")
    tap.ok(d.wait_for(r"error: .*database is locked \(injected", 30, since=mark),
           "C ends the pass with a database error")
    held = d.wait_for(r"held as unprocessable", 60, since=mark)
    tap.ok(held, "A gets its second attempt while nomd stays connected, and is held")
    tap.ok(d.proc.poll() is None and d.text()[mark:].count("connected to") == 0,
           "without a reconnection in between")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["b@moray.example"], "only B's nominee recorded")
    tap.is_(len(ms.fetch(INBOX_USER, "Held")), 1, "A is in Held")
    tap.is_(len(ms.fetch(INBOX_USER)), 1, "C, never charged for the database's failure, waits in the inbox")
    if tap.failed():
        tap.diag(d.text()[mark:][-3000:])
    rc, _ = d.stop()
    tap.is_(rc, 0, "SIGTERM: exit status 0")
tap.done()
