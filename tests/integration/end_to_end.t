#!/usr/bin/python3
# End to end on a real Dovecot and Postfix: nominations delivered into the
# inbox, `nomd --once`, then the store (nomctl), the IMAP folders and the
# replies in the nominators' own mailboxes are checked.
import email
import email.policy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl_json, nomd, section, write_config, workdir  # noqa: E402

FIFE = "chief.executive@fife.example"
ANGUS = "chief.executive@angus.example"
STRANGER = "someone@spammer.example"


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def body_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


work = workdir("nomd-e2e-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)

    fife = form_message(FIFE, "fife-1@fife.example",
                        "Organisation: Fife Council\n\n" +
                        section("Member", "Alex Morgan", "alex.morgan@fife.example",
                                job_title="Graduate Policy Officer", service="Policy and Performance",
                                service_type="corporate", years=2, aspiration="Head of Service") +
                        section("Mentor", "Jo Smith", "jo.smith@fife.example",
                                job_title="Head of Finance", expertise="Budgets and scrutiny"),
                        subject="Nominations from Fife",
                        extra_headers="References: <invite-1@example.org>\r\n")
    angus1 = form_message(ANGUS, "angus-1@angus.example",
                          "".join(section("Member", f"Member {i}", f"m{i}@angus.example") for i in range(1, 4)),
                          subject="Angus nominations")
    angus2 = form_message(ANGUS, "angus-2@angus.example",
                          "".join(section("Member", f"Member {i}", f"m{i}@angus.example") for i in range(4, 7)) +
                          section("Mentor", "Pat Reid", "pat.reid@angus.example"),
                          subject="More from Angus")
    stranger = form_message(STRANGER, "spam-1@spammer.example",
                            section("Member", "Nobody", "nobody@spammer.example"), subject="Nominations")
    garbage = (b"From: " + FIFE.encode() + b"\r\nMessage-ID: <broken-1@fife.example>\r\nSubject: broken\r\n"
               b"Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\nContent-Type: text/plain\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64\x00\xff\r\n--zz")
    for raw in (fife, angus1, angus2, stranger, garbage):
        ms.deliver_lmtp(INBOX_USER, raw)

    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once exits 0")
    if r.returncode != 0:
        tap.diag(r.stderr)

    # The store.
    nominees = nomctl_json(conf, "export")
    by_email = {n["email"]: n for n in nominees}
    tap.is_(len(nominees), 9, "nine nominees recorded (2 Fife, 7 Angus)")
    alex = by_email.get("alex.morgan@fife.example", {})
    tap.is_((alex.get("organisation"), alex.get("role"), alex.get("status")), ("fife", "member", "accepted"),
            "Fife member stored as accepted")
    tap.is_((alex.get("job_title"), alex.get("service"), alex.get("service_type"), alex.get("years"),
             alex.get("aspiration"), alex.get("nominated_by"), alex.get("message_id")),
            ("Graduate Policy Officer", "Policy and Performance", "corporate", 2, "Head of Service", FIFE,
             "fife-1@fife.example"), "every form field exported")
    tap.ok(alex.get("received_at", "").endswith("Z"), "received_at is a UTC timestamp")
    tap.is_(by_email.get("jo.smith@fife.example", {}).get("expertise"), "Budgets and scrutiny", "mentor expertise")
    angus_status = [(n["email"], n["status"], n.get("reason")) for n in nominees if n["organisation"] == "angus"]
    tap.is_([s for s in angus_status if s[1] == "accepted"].__len__(), 6, "Angus: five members and one mentor accepted")
    tap.is_([s for s in angus_status if s[1] == "refused"], [("m6@angus.example", "refused", "quota_exceeded")],
            "Angus: the sixth member, in the second email, refused alone for quota")

    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_(messages.get("fife-1@fife.example", {}).get("outcome"), "accepted", "Fife message accepted")
    tap.is_(messages.get("angus-1@angus.example", {}).get("outcome"), "accepted", "first Angus message accepted")
    tap.is_((messages.get("angus-2@angus.example", {}).get("outcome"),
             messages.get("angus-2@angus.example", {}).get("reasons")), ("partial", ["quota_exceeded"]),
            "second Angus message partial, reason quota_exceeded")
    tap.is_((messages.get("spam-1@spammer.example", {}).get("outcome"),
             messages.get("spam-1@spammer.example", {}).get("reasons")), ("held", ["not_authorised"]),
            "unknown sender held as not_authorised")
    tap.is_(messages.get("spam-1@spammer.example", {}).get("from"), STRANGER, "sender recorded")
    broken = messages.get("broken-1@fife.example", {})
    tap.ok(broken.get("outcome") in ("rejected", "held"), f"garbage MIME ends as an outcome ({broken.get('outcome')})")

    # The server side: inbox emptied, messages filed by outcome.
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "inbox emptied")
    tap.is_(len(ms.fetch(INBOX_USER, "Processed")), 3, "three messages in Processed")
    tap.is_(len(ms.fetch(INBOX_USER, "Held")), 1, "stranger's message in Held")
    tap.is_(len(ms.fetch(INBOX_USER, "Rejected")) + len(ms.fetch(INBOX_USER, "Processed")) +
            len(ms.fetch(INBOX_USER, "Held")), 5, "all five messages filed")

    # The replies, read back from the nominators' own mailboxes.
    fife_mail = ms.fetch(FIFE, expect=2, timeout=60)
    replies = [parse(m) for m in fife_mail]
    to_fife = [m for m in replies if m["In-Reply-To"] == "<fife-1@fife.example>"]
    tap.is_(len(to_fife), 1, "one confirmation to Fife, threaded on the nomination")
    if to_fife:
        c = to_fife[0]
        tap.is_(c["Subject"], "Re: Nominations from Fife", "subject Re: original")
        tap.is_(c["References"], "<invite-1@example.org> <fife-1@fife.example>", "References continue the thread")
        tap.is_(c["Auto-Submitted"], "auto-replied", "Auto-Submitted: auto-replied")
        tap.ok("connect@example.org" in c["From"], "from the programme address")
        text = body_of(c)
        tap.ok("Alex Morgan <alex.morgan@fife.example> (member): accepted." in text, "member listed as accepted")
        tap.ok("Jo Smith <jo.smith@fife.example> (mentor): accepted." in text, "mentor listed as accepted")
        tap.ok("1 of 5 members and 1 of 5 mentors" in text, "running totals in the confirmation")
    angus_mail = [parse(m) for m in ms.fetch(ANGUS, expect=2, timeout=60)]
    second = [m for m in angus_mail if m["In-Reply-To"] == "<angus-2@angus.example>"]
    tap.is_(len(angus_mail), 2, "two confirmations to Angus")
    if second:
        text = body_of(second[0])
        tap.ok("Member 6 <m6@angus.example> (member): not accepted" in text, "refused nominee named with reason")
        tap.ok("3 of 4 nominations have been accepted" in text, "partial summary")
        tap.ok("5 of 5 members and 1 of 5 mentors" in text, "totals after the second email")
    ms.wait_queue_empty(timeout=60)
    tap.is_(len(ms.fetch(STRANGER)), 0, "no reply to the unknown sender (no backscatter)")

    # Running again changes nothing.
    before = (len(nominees), len(messages))
    r2 = nomd(conf, "--once")
    tap.is_(r2.returncode, 0, "second nomd --once exits 0")
    tap.is_((len(nomctl_json(conf, "export")), len(nomctl_json(conf, "messages"))), before,
            "second run stores nothing new")
    # A crash after the commit but before the move leaves a recorded message
    # in the inbox: put the exact stored bytes back and run again.
    stored = ms.fetch(INBOX_USER, "Processed")
    original = [raw for raw in stored if b"<fife-1@fife.example>" in raw][0]
    m = ms.imap(INBOX_USER)
    m.append("INBOX", None, None, original)
    m.logout()
    r3 = nomd(conf, "--once")
    tap.is_(r3.returncode, 0, "run with a recorded message back in the inbox exits 0")
    tap.ok("already recorded" in r3.stderr, "recorded message recognised by Message-ID and SHA-256")
    tap.is_((len(nomctl_json(conf, "export")), len(nomctl_json(conf, "messages"))), before,
            "recorded message not applied twice, only moved")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "and moved out of the inbox")

    # The same email delivered a second time (new trace headers, so other bytes).
    ms.deliver_lmtp(INBOX_USER, fife)
    r4 = nomd(conf, "--once")
    tap.is_(r4.returncode, 0, "run after a second delivery exits 0")
    again = [x for x in nomctl_json(conf, "messages") if x["message_id"] == "fife-1@fife.example"]
    tap.is_([(x["outcome"], x["reasons"]) for x in again], [("accepted", []), ("held", ["repeated_message"])],
            "second copy recorded as held: repeated_message")
    tap.is_(len(nomctl_json(conf, "export")), before[0], "second copy adds no nominee")
    ms.wait_queue_empty(timeout=60)
    tap.is_(len(ms.fetch(FIFE)), len(fife_mail), "no second confirmation to Fife")
    tap.is_(len(ms.fetch(ANGUS)), 2, "no further confirmation to Angus")
    outbox = nomctl_json(conf, "outbox")
    tap.ok(outbox and all(o["status"] == "sent" for o in outbox), f"every outbox row sent ({len(outbox)})")

tap.done()
