#!/usr/bin/python3
# A nominee's address that does not work, on the real Dovecot and Postfix.
# Postfix bounces all mail for bad.example (its error transport): the
# welcome to a nominee there comes back as a delivery status report to
# nomd's sender address, which (as an alias would) lands in nomd's inbox.
#   - the report is matched to the welcome by its original Message-ID;
#     the nominee is marked undeliverable and the nominator told once,
#     with the server's words and how to send a working address;
#   - the digest lists the nominee, and pairing leaves them out;
#   - the nominator sends the same person again with a working address:
#     the new nomination takes the place (the quota is full) and the old
#     record is withdrawn as replaced;
#   - nomctl forget erases the old address everywhere, the mark included.
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, form_message, nomctl, nomctl_json, nomd, parse_mail, section, text_of,  # noqa: E402
                      workdir, write_config)

SENDER = "connect@example.org"  # nomd's smtp.from: bounces come back here
CE = "chief.executive@fife.example"

work = workdir("nomd-undeliverable-")
stack = MailStack(os.path.join(work, "stack"),
                  postfix_extra={"transport_maps": "inline:{ {bad.example=error:5.1.1 No such mailbox here} }"})
with stack as ms:
    conf = write_config(ms, work, max_members=1, max_mentors=1, extra="pairing = { require_consent = false; };")
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "fife-1@fife.example",
                                             section("Member", "Una Bad", "una@bad.example")
                                             + section("Mentor", "Vic Good", "vic@fife.example")))
    nomd(conf, "--once")
    ms.wait_queue_empty(timeout=120)
    reports = [raw for raw in ms.fetch(SENDER, expect=1, timeout=60)
               if "delivery-status" in parse_mail(raw).get_content_type() or b"delivery-status" in raw]
    tap.is_(len(reports), 1, "Postfix returned the welcome to una@bad.example as a delivery status report")
    for raw in reports:
        ms.deliver_lmtp(INBOX_USER, raw, mail_from="")
    r = nomd(conf, "--once")
    tap.ok(re.search(r"outcome=ignored reasons=bounce", r.stderr) is not None,
           "nomd reads the report as a bounce of its own mail (ignored, no reply)")
    una = [n for n in nomctl_json(conf, "export") if n["email"] == "una@bad.example"]
    tap.ok(una and "5.1.1" in (una[0].get("undeliverable") or ""),
           f"nomctl export shows the address did not work ({una[0].get('undeliverable') if una else None})")
    ms.wait_queue_empty(timeout=60)
    told = [m for m in (parse_mail(raw) for raw in ms.fetch(CE)) if "did not work" in str(m["Subject"])]
    body = text_of(told[0]) if told else ""
    tap.ok(len(told) == 1 and "Una Bad <una@bad.example>" in body and "5.1.1" in body
           and "No such mailbox here" in body
           and "send the nomination for Una Bad" in body,
           "the nominator is told once, with the server's words and what to do")
    nomd(conf, "--once")
    ms.wait_queue_empty(timeout=60)
    again = [m for m in (parse_mail(raw) for raw in ms.fetch(CE)) if "did not work" in str(m["Subject"])]
    tap.is_(len(again), 1, "and not again on the next run")
    r = nomctl(conf, "pair", "--dry-run", "--format", "csv")
    tap.ok("una@bad.example (member): the address did not work" in r.stdout,
           "pairing leaves the nominee out, saying why")
    r = nomctl(conf, "digest", "--preview")
    tap.ok("Nominees whose address did not work" in r.stdout and "una@bad.example" in r.stdout,
           "the digest lists the nominee")

    # Sent again with a working address: it takes the place, the old one goes.
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "fife-2@fife.example",
                                             section("Member", "Una Bad", "una@fife.example")))
    nomd(conf, "--once")
    people = {n["email"]: n for n in nomctl_json(conf, "export")}
    new, old = people.get("una@fife.example", {}), people.get("una@bad.example", {})
    tap.ok(new.get("status") == "accepted" and old.get("status") == "withdrawn",
           f"the new address is accepted within the quota of 1, the old withdrawn ({new.get('status')}, "
           f"{old.get('status')})")
    tap.ok(una and una[0]["status"] == "accepted", "(the old one was accepted until then)")

    # Erased by id everywhere it went: the mark and the report's words too.
    r = nomctl(conf, "forget", "--keep-mail", "una@bad.example")
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    left = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in db.execute(f'SELECT * FROM "{table}"').fetchall():
            text = " ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row)
            if "una@bad.example" in text.lower():
                left.append(table)
    db.close()
    tap.ok(r.returncode == 0 and not left, f"nomctl forget leaves no trace of the old address ({left})")
tap.done()
