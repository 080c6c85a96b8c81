#!/usr/bin/python3
# Consent on a real Dovecot and Postfix: every accepted nominee is welcomed
# once and asked for YES or NO; answers (plain, Outlook text with the
# welcome below, Outlook HTML, a question) are read back from the inbox;
# NO withdraws, tells the nominator and frees the quota place; one
# reminder goes after consent.reminder_days.
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl_json, nomd, section, write_config, workdir  # noqa: E402
from nomdtest import parse_mail as parse, text_of  # noqa: E402

FIFE = "chief.executive@fife.example"
ALEX, SAM, KIM, JO, LEE = (f"{n}@fife.example" for n in ("alex", "sam", "kim", "jo", "lee"))


def welcomes(ms, who):
    return [m for m in map(parse, ms.fetch(who)) if m["Subject"].startswith("Welcome to the")]


def answer(who, welcome, body, msg_id, subject=None, html=None):
    """A reply to `welcome` as mail clients write it: In-Reply-To, References, Re: subject."""
    subject = subject or "Re: " + welcome["Subject"]
    head = (f"From: {who}\r\nTo: {INBOX_USER}\r\nSubject: {subject}\r\nMessage-ID: <{msg_id}>\r\n"
            f"In-Reply-To: {welcome['Message-ID']}\r\nReferences: {welcome['Message-ID']}\r\n"
            f"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n")
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    if html is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    html = html.replace("\r\n", "\n").replace("\n", "\r\n")
    return (head + 'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body +
            "\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--b1--\r\n").encode()


work = workdir("nomd-consent-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, max_members=3, max_mentors=3)
    nomination = form_message(FIFE, "fife-1@fife.example",
                              section("Member", "Alex Morgan", ALEX) + section("Member", "Sam Ali", SAM) +
                              section("Member", "Kim Lowe", KIM) + section("Mentor", "Jo Smith", JO),
                              subject="Fife nominations")
    ms.deliver_lmtp(INBOX_USER, nomination)
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once exits 0")

    # The welcome: once per nominee, with a reference, naming the nominator.
    got = {who: welcomes(ms, who) for who in (ALEX, SAM, KIM, JO)}
    for who in (ALEX, SAM, KIM, JO):
        if not got[who]:
            got[who] = [parse(m) for m in ms.fetch(who, expect=1, timeout=60)]
    tap.ok(all(len(v) == 1 for v in got.values()), "one welcome to each accepted nominee")
    w = got[ALEX][0] if got[ALEX] else None
    token = re.search(r"\[ref ([0-9a-f]{12})\]", w["Subject"]).group(1) if w else ""
    tap.ok(bool(token), f"the welcome's subject carries a reference ({w['Subject'] if w else None})")
    text = text_of(w) if w else ""
    tap.ok(FIFE in text and "Fife Council" in text and "member" in text, "it says who nominated them and as what")
    tap.ok("Your information" in text and "To be removed at any time" in text, "it carries the privacy notice")
    tap.ok("YES" in text and "NO" in text, "it asks for YES or NO")
    tap.is_(w["Auto-Submitted"] if w else None, "auto-generated", "welcome marked auto-generated")
    tokens = {re.search(r"\[ref ([0-9a-f]{12})\]", v[0]["Subject"]).group(1) for v in got.values() if v}
    tap.is_(len(tokens), 4, "each nominee has their own reference")
    export = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_([export[x]["consent"] for x in (ALEX, SAM, KIM, JO)], ["pending"] * 4, "export: consent pending")

    r = nomd(conf, "--once")
    ms.wait_queue_empty(timeout=60)
    tap.is_([len(welcomes(ms, x)) for x in (ALEX, SAM, KIM, JO)], [1, 1, 1, 1], "a second run sends no second welcome")

    # The answers.
    quoted = "".join("> " + line + "\n" for line in text_of(got[ALEX][0]).splitlines())
    ms.deliver_lmtp(INBOX_USER, answer(ALEX, got[ALEX][0], "Yes, happy to take part.\n\nAlex\n\n"
                                       "On Wed, 25 Nov 2026 at 09:01, Local Government Connect Network "
                                       "<connect@example.org> wrote:\n" + quoted, "alex-yes@fife.example"))
    sam_w = got[SAM][0]
    outlook_text = ("YES\n\nSam Ali | Housing Officer\n\n________________________________\n"
                    f"From: Local Government Connect Network <connect@example.org>\nSent: 25 November 2026 09:01\n"
                    f"To: {SAM}\nSubject: {sam_w['Subject']}\n\n" + text_of(sam_w))
    outlook_html = ('<html><body><div>YES</div><div>Sam Ali | Housing Officer</div>'
                    '<hr><div id="divRplyFwdMsg"><b>From:</b> Local Government Connect Network<br><b>Sent:</b> '
                    '25 November 2026 09:01<br><b>Subject:</b> Welcome</div><div>Please reply with YES to confirm '
                    'your place, or NO if you would rather not take part.</div></body></html>')
    ms.deliver_lmtp(INBOX_USER, answer(SAM, sam_w, outlook_text, "sam-yes@fife.example",
                                       subject="RE: " + sam_w["Subject"], html=outlook_html))
    kim_w = got[KIM][0]
    kim_text = ("No, I'm afraid I can't commit this year.\n\n-----Original Message-----\n"
                f"From: connect@example.org\nSent: 25 November 2026 09:01\nTo: {KIM}\n"
                f"Subject: {kim_w['Subject']}\n\n" + text_of(kim_w))
    ms.deliver_lmtp(INBOX_USER, answer(KIM, kim_w, kim_text, "kim-no@fife.example", subject="RE: Welcome"))
    ms.deliver_lmtp(INBOX_USER, answer(JO, got[JO][0], "How much time does this take each month?\n",
                                       "jo-question@fife.example"))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "answers processed")
    export = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_(export[ALEX]["consent"], "confirmed", "plain YES above a quoted welcome: confirmed")
    tap.is_(export[SAM]["consent"], "confirmed", "Outlook YES with the welcome below: confirmed")
    tap.is_((export[KIM]["consent"], export[KIM]["status"]), ("declined", "withdrawn"),
            "Outlook NO by In-Reply-To alone: declined and withdrawn")
    tap.is_(export[JO]["consent"], "pending", "a question changes nothing")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_((messages["jo-question@fife.example"]["outcome"], messages["jo-question@fife.example"]["reasons"]),
            ("held", ["consent_unclear"]), "the question is held for staff")
    tap.is_(messages["alex-yes@fife.example"]["reasons"], ["consent_confirmed"], "YES recorded on the message")
    tap.is_(len(ms.fetch(INBOX_USER, "Held")), 1, "the question waits in Held")

    thanks = [parse(m) for m in ms.fetch(ALEX, expect=2, timeout=60)]
    tap.ok(any("is confirmed" in m["Subject"] and m["In-Reply-To"] == "<alex-yes@fife.example>" for m in thanks),
           "Alex is thanked in the thread")
    kim_mail = [parse(m) for m in ms.fetch(KIM, expect=2, timeout=60)]
    tap.ok(any("removed" in m["Subject"] for m in kim_mail), "Kim is told they have been removed")
    fife_mail = [parse(m) for m in ms.fetch(FIFE, expect=2, timeout=60)]
    declined = [m for m in fife_mail if "declined" in m["Subject"]]
    tap.is_(len(declined), 1, "the nominator is told once that Kim declined")
    tap.ok(declined and "Kim Lowe" in text_of(declined[0]) and "[ref" not in declined[0]["Subject"],
           "the notice names Kim and carries no reference")
    jo_mail = [parse(m) for m in ms.fetch(JO, expect=2, timeout=60)]
    tap.ok(any(m["Subject"].startswith("Please reply YES or NO") for m in jo_mail), "Jo is asked again")

    # NO freed a member's place: Fife can nominate a third member again.
    ms.deliver_lmtp(INBOX_USER, form_message(FIFE, "fife-2@fife.example", section("Member", "Lee Chan", LEE),
                                             subject="One more"))
    r = nomd(conf, "--once")
    export = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_(export.get(LEE, {}).get("status"), "accepted", "the place Kim freed is taken by a new member")

    # The reminder: once, after consent.reminder_days (7 by default).
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    with db:
        db.execute("UPDATE nominees SET welcomed_at = welcomed_at - 8 * 86400 WHERE email IN (?, ?)", (JO, ALEX))
    db.close()
    r = nomd(conf, "--once")
    ms.wait_queue_empty(timeout=60)
    jo_mail = [parse(m) for m in ms.fetch(JO)]
    reminders = [m for m in jo_mail if m["Subject"].startswith("Reminder")]
    tap.is_(len(reminders), 1, "Jo, still pending after 8 days, is reminded")
    tap.ok(reminders and re.search(r"\[ref [0-9a-f]{12}\]", reminders[0]["Subject"]), "the reminder keeps the reference")
    tap.is_(len([m for m in map(parse, ms.fetch(ALEX)) if m["Subject"].startswith("Reminder")]), 0,
            "Alex, who said YES, is not reminded")
    tap.is_(len([m for m in map(parse, ms.fetch(LEE)) if m["Subject"].startswith("Reminder")]), 0,
            "Lee, welcomed today, is not reminded yet")
    nomd(conf, "--once")
    ms.wait_queue_empty(timeout=60)
    tap.is_(len([m for m in map(parse, ms.fetch(JO)) if m["Subject"].startswith("Reminder")]), 1,
            "the reminder goes once")

    # An answer to the reminder counts like one to the welcome.
    if reminders:
        ms.deliver_lmtp(INBOX_USER, answer(JO, reminders[0], "yes\n", "jo-yes@fife.example"))
        nomd(conf, "--once")
    export = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_(export[JO]["consent"], "confirmed", "YES to the reminder: confirmed")
    # Kim changes their mind: the nomination is gone, Kim is told how to return.
    ms.deliver_lmtp(INBOX_USER, answer(KIM, kim_w, "Yes actually\n", "kim-yes@fife.example"))
    nomd(conf, "--once")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_(messages["kim-yes@fife.example"]["reasons"], ["nomination_inactive"],
            "YES after NO: the nomination stays withdrawn")
    ms.wait_queue_empty(timeout=60)
    tap.ok(any("no longer active" in m["Subject"] for m in map(parse, ms.fetch(KIM))), "and Kim is told why")

    # The reference finds a nominee; it never speaks for them. Someone who
    # saw Alex's welcome (a stranger it was forwarded to, or a fellow
    # nominee) answers NO with its reference from their own address.
    EVE = "eve@elsewhere.example"
    alex_w = got[ALEX][0]
    ms.deliver_lmtp(INBOX_USER, answer(EVE, alex_w, "No\n", "eve-no@elsewhere.example"))
    ms.deliver_lmtp(INBOX_USER, answer(SAM, alex_w, "NO\n", "sam-for-alex@fife.example",
                                       subject="Re: Welcome [ref " + token + "]"))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "answers from other addresses processed")
    export = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_((export[ALEX]["status"], export[ALEX]["consent"]), ("accepted", "confirmed"),
            "a NO with Alex's reference from a stranger and from another nominee: Alex keeps the place")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_([(messages[i]["outcome"], messages[i]["reasons"]) for i in ("eve-no@elsewhere.example",
                                                                      "sam-for-alex@fife.example")],
            [("held", ["consent_wrong_sender"])] * 2, "both held for staff as consent_wrong_sender")
    ms.wait_queue_empty(timeout=60)
    tap.is_(len(ms.fetch(EVE)), 0, "the stranger gets no reply")
    tap.is_(len([m for m in map(parse, ms.fetch(FIFE)) if "Alex Morgan" in text_of(m)
                 and "declined" in m["Subject"].lower()]), 0, "and the nominator hears of no NO")

tap.done()
