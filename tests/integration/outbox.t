#!/usr/bin/python3
# Outgoing mail on a real Postfix: names round-trip in UTF-8 (body and
# display name); with Postfix stopped nomd keeps running and holds the
# mail, charging none of it an attempt, and after Postfix restarts
# everything arrives once; a recipient
# refused with 5xx is marked failed with the server's text while the others
# get their mail; a header-injection attempt adds no header; a reply storm
# from a misbehaving autoresponder stops at the hourly limit.
import email
import email.policy
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
import mailstack  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, Daemon, form_message, nomctl, nomctl_json, nomd, section,  # noqa: E402
                      workdir, write_config)

FIFE, ANGUS, MORAY = (f"chief.executive@{o}.example" for o in ("fife", "angus", "moray"))
work = workdir("nomd-outbox-")


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def body(msg, kind="plain"):
    part = msg.get_body(preferencelist=(kind,))
    return part.get_content() if part else ""


def postfix(ms, action):
    subprocess.run([mailstack.POSTFIX, "-c", ms.postfix_dir, action], check=True, capture_output=True)


# 1. Postfix stopped under a running daemon, then started again.
with MailStack(os.path.join(work, "down")) as ms:
    sub = os.path.join(work, "down-conf")
    os.mkdir(sub)
    conf = write_config(ms, sub, smtp_extra='retry_min = 1; retry_max = 2;')
    text = open(conf).read().replace('from = "Local Government Connect Network <connect@example.org>";',
                                     'from = "Lìonra Ceangail Riaghaltas Ionadail <connect@example.org>";')
    open(conf, "w").write(text)
    postfix(ms, "stop")
    d = Daemon(conf)
    tap.ok(d.wait_for(r"waiting with IDLE", 20), "daemon running while Postfix is down")
    names = {FIFE: "Siobhán Ní Bhriain", ANGUS: "Mòrag MacLeòid"}
    for i, (ce, name) in enumerate(names.items()):
        ms.deliver_lmtp(INBOX_USER, form_message(ce, f"down-{i}@x.example",
                                                 section("Member", name, f"person{i}@{ce.split('@')[1]}")))
    tap.ok(d.wait_for(r"outbox on hold, no mail failed: SMTP connect failed: ", 30),
           "delivery on hold while Postfix is down")
    time.sleep(3)
    pending = [o for o in nomctl_json(conf, "outbox") if o["status"] == "pending" and o["recipient"] in names]
    tap.is_(len(pending), 2, "the outbox holds both confirmations")
    tap.is_([(o["attempts"], o["last_error"], o["next_attempt"]) for o in pending], [(0, None, None)] * 2,
            "an outage charges no mail an attempt or a later next try, not even the first one tried")
    tap.like(nomctl_json(conf, "status")[0].get("delivery_error") or "", r"SMTP connect failed: ",
             "nomctl status says why nothing is sent")
    tap.is_(len(d.text().split("outbox on hold")) - 1, 1, "said once in the log, however many passes")
    tap.ok(d.proc.poll() is None, "nomd keeps running")
    mark = d.mark()
    postfix(ms, "start")
    ok = d.wait_for(r"sent outbox #2", 60, since=mark) and d.wait_for(r"sent outbox #1", 60, since=mark)
    tap.ok(ok, "after Postfix restarts both are sent")
    ms.wait_queue_empty(timeout=60)
    time.sleep(2)
    for ce, name in names.items():
        got = [parse(m) for m in ms.fetch(ce, expect=1, timeout=30)]
        tap.is_(len(got), 1, f"exactly one confirmation to {ce}")
        if got:
            tap.ok(f"{name} <" in body(got[0]), f"{name} round-trips in the text part (UTF-8)")
            tap.ok(f"{name}<br>" in body(got[0], "html"), f"{name} round-trips in the HTML part")
            tap.is_(got[0].get_content_type(), "multipart/alternative", "sent as multipart/alternative")
            tap.is_(got[0]["From"].addresses[0].display_name, "Lìonra Ceangail Riaghaltas Ionadail",
                    "the display name round-trips (RFC 2047)")
            tap.is_(got[0]["Auto-Submitted"], "auto-replied", "Auto-Submitted: auto-replied")
    rc, _ = d.stop()
    tap.is_(rc, 0, "daemon stops cleanly")

# 2. One recipient refused with 5xx; the others get their mail.
reject = {"smtpd_recipient_restrictions":
          f"check_recipient_access inline:{{ {{ {ANGUS} = REJECT no such mailbox here }} }}, permit_mynetworks, reject"}
with MailStack(os.path.join(work, "reject"), postfix_extra=reject) as ms:
    sub = os.path.join(work, "reject-conf")
    os.mkdir(sub)
    conf = write_config(ms, sub)
    for i, ce in enumerate((FIFE, ANGUS, MORAY)):
        ms.deliver_lmtp(INBOX_USER, form_message(ce, f"rj-{i}@x.example",
                                                 section("Mentor", f"Mentor {i}", f"m{i}@{ce.split('@')[1]}")))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "run with a refused recipient exits 0")
    rows = {o["recipient"]: o for o in nomctl_json(conf, "outbox")}
    tap.is_(rows.get(ANGUS, {}).get("status"), "failed", "the refused recipient is marked failed")
    tap.like(rows.get(ANGUS, {}).get("last_error") or "", r"server said: 5\d\d [^)]*no such mailbox here",
             "with the server's reply text")
    tap.is_((rows.get(FIFE, {}).get("status"), rows.get(MORAY, {}).get("status")), ("sent", "sent"),
            "the other recipients' mail is sent")
    ms.wait_queue_empty(timeout=30)
    tap.is_((len(ms.fetch(FIFE, expect=1)), len(ms.fetch(MORAY, expect=1))), (1, 1), "and arrives")
    r = nomctl(conf, "outbox", "retry", str(rows[ANGUS]["id"]))
    tap.is_(r.returncode, 0, "nomctl outbox retry requeues the failed one")
    tap.is_([o["status"] for o in nomctl_json(conf, "outbox") if o["recipient"] == ANGUS], ["pending"],
            "it is pending again")
    r = nomctl(conf, "outbox", "retry", str(rows[FIFE]["id"]), expect=65)
    tap.isnt(r.returncode, 0, "retrying mail that was sent is refused")

    # 3. A header-injection attempt adds no header.
    evil = (f"From: {FIFE}\r\nTo: {INBOX_USER}\r\n"
            "Subject: =?utf-8?q?Nominations=0D=0ABcc=3A_victim=40evil=2Eexample?=\r\n"
            "Message-ID: <inject-1@fife.example>\r\n"
            "References: <a@b.example>\r\n\tBcc: victim@evil.example\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Mentor\r\nName: Eve\rBcc: victim@evil.example\r\nEmail: eve@fife.example\r\n").encode()
    ms.deliver_lmtp(INBOX_USER, evil)
    nomd(conf, "--once")
    ms.wait_queue_empty(timeout=30)
    replies = [m for m in ms.fetch(FIFE, expect=2, timeout=30) if b"inject-1@fife.example" in m]
    tap.is_(len(replies), 1, "the message with hostile headers is answered once")
    if replies:
        head = replies[0].split(b"\r\n\r\n", 1)[0]
        tap.ok(b"\nBcc:" not in head and b"\nbcc:" not in head.lower(), "no Bcc header in the reply")
        tap.is_(parse(replies[0])["To"], FIFE, "addressed to the sender only")
    tap.is_(len(ms.fetch("victim@evil.example")), 0, "nothing reached the would-be Bcc victim")

# 4. A reply storm from an autoresponder that marks nothing as automatic.
with MailStack(os.path.join(work, "storm")) as ms:
    sub = os.path.join(work, "storm-conf")
    os.mkdir(sub)
    conf = write_config(ms, sub)
    for i in range(14):
        ms.deliver_lmtp(INBOX_USER, form_message(FIFE, f"storm-{i}@fife.example",
                                                 "I am away from the office until Monday.\n",
                                                 subject="Re: Re: your nominations"))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "storm run exits 0")
    held = [m for m in nomctl_json(conf, "messages") if m["reasons"] == ["reply_limit"]]
    tap.is_(len(held), 4, "past 10 replies in the hour, the rest is held as reply_limit")
    ms.wait_queue_empty(timeout=30)
    tap.is_(len(ms.fetch(FIFE, expect=10, timeout=30)), 10, "the sender got 10 replies, no more")
    alerts = [parse(m) for m in ms.fetch("programme-team@example.org", expect=1, timeout=30)]
    tap.is_(len(alerts), 1, "staff get one alert")
    if alerts:
        tap.like(alerts[0]["Subject"], r"held \(reply limit\)", "naming the reply limit")
        tap.is_(alerts[0]["Auto-Submitted"], "auto-generated", "marked auto-generated")
tap.done()
