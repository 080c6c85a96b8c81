#!/usr/bin/python3
# A round of nominations by mail, on the real Dovecot and Postfix, with
# NOMD_NOW stepping through the calendar (closing 31 January 2027,
# chasers 14, 7 and 2 days before):
#   - `nomctl call --dry-run` lists every organisation and sends nothing;
#     `--send` mails each organisation's nominators once, with the Word
#     form; again, it reaches only an organisation added since;
#   - chasers go to the organisations with no nominations, with unequal
#     numbers or with a nominee they can correct, never to one whose
#     nominations are complete; each at most once; the 7-day one, missed
#     while nomd was not running, is not sent late once the 2-day one is
#     due; nomd killed (-9) while queuing them sends none twice; an
#     organisation that put things right gets no more;
#   - after the close, each organisation that nominated gets one summary
#     of its accepted nominees and who has confirmed; no chaser then (a
#     nomination received after the close is refused as before:
#     test_decide);
#   - a mentor's welcome bounces (Postfix's error transport for
#     bad.example): the nominator is told once, pairing leaves her out;
#   - after pairing: on day 14 both sides of each pair are asked whether
#     they have met (nomd killed -9 while queuing them: none twice); MET,
#     NOT YET, a stranger and the nominator answering with someone's
#     reference (held, no effect); on day 28 only pairs nobody said MET
#     about are asked again; check-ins every 30 days answered GOOD, HELP
#     (with words) and not at all; `nomctl pairs` and the digest show the
#     health (on track, needs help, quiet) and the words; a rematch ends a
#     pair kindly (both told) and introduces the member to the best other
#     mentor, never the old one; on programme.ends everyone still paired
#     is asked for feedback, which `nomctl feedback` and the digest sum
#     up. Every mail lands once.
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, Daemon, form_message, nomctl_json, parse_mail, run, section,  # noqa: E402
                      text_of, workdir, write_config)


def at(iso):
    return dict(os.environ, NOMD_NOW=iso)


def nomd_at(conf, iso):
    return run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=at(iso))


def nomctl_at(conf, iso, *args, expect=0):
    return run([os.path.join(BUILD, "nomctl"), "-c", conf, *args], env=at(iso), expect=expect)


def pairs_at(iso):
    """nomctl pairs as staff see it at `iso` (health depends on the day)."""
    return json.loads(nomctl_at(conf, iso, "pairs", "--format", "json").stdout)


def mail_to(ms, user, pattern):
    return [parse_mail(raw) for raw in ms.fetch(user) if re.search(pattern, str(parse_mail(raw)["Subject"]))]


SENDER = "connect@example.org"  # nomd's smtp.from: bounces come back here

work = workdir("nomd-round-")
stack = MailStack(os.path.join(work, "stack"),
                  postfix_extra={"transport_maps": "inline:{ {bad.example=error:5.1.1 No such mailbox here} }"})
with stack as ms:
    conf = write_config(ms, work, smtp_extra="max_replies_per_sender_per_hour = 1000;",
                        extra="pairing = { require_consent = false; };")
    with open(conf) as f:
        text = f.read()
    text = text.replace("max_mentors = 5; };", 'max_mentors = 5; closes = "2027-01-31"; round = "2027";'
                        ' chase_days = [14, 7, 2]; ends = "2027-06-30"; };', 1)
    with open(conf, "w") as f:
        f.write(text)
    with open(os.path.join(work, "organisations.conf")) as f:
        live = "".join(line for line in f if not line.lstrip().startswith("#"))
    orgs = re.findall(r'id = "([^"]+)"; name = "([^"]+)".*?nominators = \[ "([^"]+)"', live, re.S)
    everyone = {ce for _, _, ce in orgs}

    # The call.
    r = nomctl_at(conf, "2027-01-05T09:00:00Z", "call", "--dry-run")
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    tap.ok(len(lines) == len(orgs) and all(line.endswith("would be sent") for line in lines)
           and f"would go to {len(orgs)} organisation(s)" in r.stderr,
           f"call --dry-run lists all {len(orgs)} organisations ({r.stderr.strip()})")
    tap.is_(nomctl_json(conf, "outbox"), [], "and queues nothing")
    r = nomctl_at(conf, "2027-01-05T09:00:00Z", "call", "--send")
    tap.is_({o["kind"] for o in nomctl_json(conf, "outbox")}, {"call"}, "nomctl outbox names the kind of mail")
    tap.ok(r.returncode == 0 and f"call queued to {len(orgs)} organisation(s) ({len(orgs)} sent" in r.stderr,
           f"call --send: {r.stderr.strip().splitlines()[-1:]}")
    ms.wait_queue_empty(timeout=120)
    fife = "chief.executive@fife.example"
    calls = mail_to(ms, fife, "call for nominations")
    body = text_of(calls[0]) if calls else ""
    attached = [p.get_filename() for p in calls[0].iter_attachments()] if calls else []
    tap.ok(len(calls) == 1 and "Fife Council" in str(calls[0]["Subject"]) and "Sunday 31 January 2027" in body
           and "up to 5 members" in body and "Member" in body and attached == ["nomination-form.docx"],
           f"Fife's chief executive has the call: closing date, quotas, the form in text and Word ({attached})")
    got = {ce: len(mail_to(ms, ce, "call for nominations")) for ce in everyone}
    tap.is_(sorted(ce for ce, n in got.items() if n != 1), [], "every organisation's nominator has exactly one")
    r = nomctl_at(conf, "2027-01-06T09:00:00Z", "call", "--send")
    tap.ok(r.returncode == 0 and "every organisation has had the call" in r.stderr
           and all("sent before" in line for line in r.stdout.splitlines() if line.strip()),
           f"--send again sends nothing: {r.stderr.strip()}")
    with open(os.path.join(work, "organisations.conf")) as f:
        orgtext = f.read()
    orgtext = orgtext.replace("organisations = (", 'organisations = (\n  { id = "improvement-service";'
                              ' name = "Improvement Service"; kind = "partner";'
                              ' nominators = [ "director@is.example", "office@is.example" ];'
                              ' domains = [ "is.example" ]; },', 1)
    with open(os.path.join(work, "organisations.conf"), "w") as f:
        f.write(orgtext)
    r = nomctl_at(conf, "2027-01-06T09:00:00Z", "call", "--send")
    tap.ok(r.returncode == 0 and "call queued to 1 organisation(s) (2 sent" in r.stderr
           and "improvement-service" in r.stdout and "(+1 copy): sent now" in r.stdout,
           "an organisation added since gets it, and only it (to both its nominators): "
           f"{r.stderr.strip().splitlines()[-1:]}")
    ms.wait_queue_empty(timeout=60)
    tap.ok(len(mail_to(ms, "director@is.example", "call for nominations")) == 1
           and len(mail_to(ms, "office@is.example", "call for nominations")) == 1,
           "both nominators of the new organisation have it")
    everyone |= {"director@is.example"}

    # Nominations: Fife complete, Angus unequal, Moray with one to correct,
    # Highland equal and nothing to correct; the rest send nothing.
    def nominate(org, mid, *sections):
        ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{org}.example", mid, "".join(sections)))

    nominate("fife", "fife-1@fife.example",
             *[section("Member", f"Fife Member {i}", f"fm{i}@fife.example") for i in range(5)],
             *[section("Mentor", f"Fife Mentor {i}", f"fn{i}@fife.example") for i in range(5)])
    nominate("angus", "angus-1@angus.example", section("Member", "Ann Angus", "ann@angus.example"),
             section("Member", "Bob Angus", "bob@angus.example"),
             section("Mentor", "Cat Angus", "cat@angus.example"))
    nominate("moray", "moray-1@moray.example", section("Member", "Dan Moray", "dan@moray.example"),
             section("Mentor", "Eve Moray", "eve@bad.example"),
             section("Member", "Fay Moray", "fay at moray"))
    nominate("highland", "highland-1@highland.example", section("Member", "Gus High", "gus@highland.example"),
             section("Mentor", "Hal High", "hal@highland.example"))
    r = nomd_at(conf, "2027-01-10T09:00:00Z")
    tap.is_(r.returncode, 0, "nomd takes in the nominations on 10 January")
    # Gus confirms, so that the summary shows one who has and one who has not.
    ms.wait_queue_empty(timeout=120)
    welcome = [m for m in (parse_mail(raw) for raw in ms.fetch("gus@highland.example"))
               if "[ref " in str(m["Subject"])]
    if welcome:
        ms.deliver_lmtp(INBOX_USER, (f"From: gus@highland.example\r\nTo: {INBOX_USER}\r\n"
                                     f"Subject: Re: {welcome[0]['Subject']}\r\n"
                                     "Message-ID: <gus-yes@highland.example>\r\n"
                                     f"In-Reply-To: {welcome[0]['Message-ID']}\r\n"
                                     "Content-Type: text/plain\r\n\r\nYES\r\n").encode())
    nomd_at(conf, "2027-01-11T09:00:00Z")
    ms.wait_queue_empty(timeout=60)
    tap.is_(sum(len(mail_to(ms, ce, "nominations close on")) for ce in everyone), 0,
            "no chaser before the first chase day")

    # 14 days before: 18 January.
    r = nomd_at(conf, "2027-01-18T09:00:00Z")
    nomd_at(conf, "2027-01-18T15:00:00Z")
    ms.wait_queue_empty(timeout=120)
    first = {ce: mail_to(ms, ce, "nominations close on") for ce in everyone}
    quiet = {"chief.executive@fife.example", "chief.executive@highland.example"}
    tap.is_(sorted(ce for ce in everyone - quiet if len(first[ce]) != 1), [],
            "14 days before: one chaser to each organisation with nothing, unequal numbers or one to correct")
    tap.is_(sorted(ce for ce in quiet if first[ce]), [], "none to Fife (complete) or Highland (equal, nothing wrong)")
    angus = text_of(first["chief.executive@angus.example"][0]) if first["chief.executive@angus.example"] else ""
    moray = text_of(first["chief.executive@moray.example"][0]) if first["chief.executive@moray.example"] else ""
    perth = text_of(first["chief.executive@perth-kinross.example"][0]) \
        if first.get("chief.executive@perth-kinross.example") else ""
    tap.ok("1 more mentor" in angus and "14 day(s)" in angus, "Angus is asked for 1 more mentor")
    tap.ok("Fay Moray (member) could not be accepted" in moray and "not a valid address" in moray,
           "Moray is told which nominee to correct, and why")
    tap.ok("not yet received any nominations" in perth and "Member" in perth,
           "an organisation with nothing is reminded, with the form")

    # Angus puts it right; nomd is not running on the 7-day chase day (24
    # January) and next runs on 29 January, when the 2-day one is due.
    nominate("angus", "angus-2@angus.example", section("Mentor", "Dot Angus", "dot@angus.example"))
    nomd_at(conf, "2027-01-22T09:00:00Z")
    # The daemon starts on the 30th and is killed (-9) as the chasers are
    # being queued; the next run finishes them, none twice.
    d = Daemon(conf, env={"NOMD_NOW": "2027-01-30T09:00:00Z"})
    queuing = d.wait_for(r"organisation \S+: chaser queued", 60)
    d.kill()
    tap.ok(queuing, "nomd -9 while queuing the 2-day chasers")
    nomd_at(conf, "2027-01-30T10:00:00Z")
    ms.wait_queue_empty(timeout=120)
    second = {ce: mail_to(ms, ce, "nominations close on") for ce in everyone}
    tap.is_(sorted(ce for ce in everyone - quiet - {"chief.executive@angus.example"} if len(second[ce]) != 2), [],
            "2 days before: one more chaser each, the missed 7-day one not sent late")
    tap.is_(len(second["chief.executive@angus.example"]), 1, "Angus, now complete, gets no more")
    last = second.get("chief.executive@moray.example", [])
    tap.ok(last and "2 day(s)" in text_of(last[-1]), "the last says 2 days are left")

    # After the close: each organisation that nominated gets its summary.
    nomd_at(conf, "2027-02-01T09:00:00Z")
    nomd_at(conf, "2027-02-01T12:00:00Z")
    ms.wait_queue_empty(timeout=120)
    summaries = {ce: mail_to(ms, ce, "the nominations from") for ce in everyone}
    nominated = {f"chief.executive@{o}.example" for o in ("fife", "angus", "moray", "highland")}
    tap.is_(sorted(ce for ce in everyone if len(summaries[ce]) != (1 if ce in nominated else 0)), [],
            "after the close, one summary to each organisation that nominated and none to the others")
    high = text_of(summaries["chief.executive@highland.example"][0]) \
        if summaries["chief.executive@highland.example"] else ""
    tap.ok("Gus High <gus@highland.example> (member): has confirmed" in high
           and "Hal High <hal@highland.example> (mentor): has not confirmed yet" in high
           and "1 member(s) and 1 mentor(s)" in high,
           "Highland's summary: who has confirmed and who has not")
    tap.is_(sum(len(mail_to(ms, ce, "nominations close on")) for ce in everyone),
            sum(len(second[ce]) for ce in everyone), "no chaser after the close")
    # Staff see the round in the digest.
    r = nomctl_at(conf, "2027-02-01T12:00:00Z", "digest", "--preview")
    chased = len([ce for ce in everyone if len(second[ce]) == 2])
    everyone_n = len(orgs) + 1
    tap.ok(f"Call for nominations: sent to {everyone_n} of {everyone_n} organisations; 4 have nominated." in r.stdout
           and re.search(r"Chasers 14 days before the close: sent to \d+ organisation", r.stdout)
           and "Chasers 7 days before the close: sent to 0 organisation(s)." in r.stdout
           and f"Chasers 2 days before the close: sent to {chased} organisation(s)." in r.stdout
           and "Summaries after the close: sent to 4 organisation(s)." in r.stdout
           and "nominations closed on Sunday 31 January 2027" in r.stdout,
           "the digest shows the round: the call, the chasers by day, the summaries")
    if "The round" not in r.stdout:
        tap.diag(r.stdout)

    # Eve's welcome came back: the report reaches nomd's inbox (as an
    # alias would deliver it) and her nominator is told, once.
    reports = [raw for raw in ms.fetch(SENDER, expect=1, timeout=60) if b"delivery-status" in raw]
    tap.ok(reports and all(b"eve@bad.example" in raw for raw in reports),
           f"mail to eve@bad.example came back as delivery status reports ({len(reports)}: welcome, reminder)")
    for raw in reports:
        ms.deliver_lmtp(INBOX_USER, raw, mail_from="")
    nomd_at(conf, "2027-02-01T13:00:00Z")
    nomd_at(conf, "2027-02-01T14:00:00Z")
    ms.wait_queue_empty(timeout=60)
    told = mail_to(ms, "chief.executive@moray.example", "did not work")
    tap.ok(len(told) == 1 and "eve@bad.example" in text_of(told[0]) and "5.1.1" in text_of(told[0]),
           "Moray's chief executive is told once that Eve's address did not work, with the server's words")

    # Pairing on 2 February. Eve is left out; 9 members, 8 mentors, and
    # nobody with someone from their own council: 7 pairs.
    r = nomctl_at(conf, "2027-02-02T09:00:00Z", "pair", "--commit")
    tap.ok("eve@bad.example (mentor): the address did not work" in r.stdout, "pairing leaves Eve out, saying why")
    pairs = {p["member"]: p for p in nomctl_json(conf, "pairs")}
    tap.is_(len(pairs), 7, f"7 pairs recorded ({r.stderr.strip()})")
    nomd_at(conf, "2027-02-02T10:00:00Z")
    ms.wait_queue_empty(timeout=120)
    paired = sorted(set(pairs) | {p["mentor"] for p in pairs.values()})
    gus, ann, bob = (pairs.get(m, {}).get("mentor", "?") for m in
                     ("gus@highland.example", "ann@angus.example", "bob@angus.example"))

    def asked(who, pattern):
        return mail_to(ms, who, pattern)

    def answer(who, pattern, text, mid, sender=None):
        """`who`'s latest mail matching `pattern`, answered (by `sender`,
        else themselves) with `text` at the top."""
        got = asked(who, pattern)
        if not got:
            tap.diag(f"no mail matching {pattern!r} for {who}")
            return
        m = got[-1]
        ms.deliver_lmtp(INBOX_USER, (f"From: {sender or who}\r\nTo: {INBOX_USER}\r\nSubject: Re: {m['Subject']}\r\n"
                                     f"Message-ID: <{mid}@x.example>\r\nIn-Reply-To: {m['Message-ID']}\r\n"
                                     "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                     f"{text}\r\n\r\n> {m['Subject']}\r\n").encode())

    MEET, CHECK, FEEDBACK = r"met yet\?", "How is your mentoring going", "how was it for you"
    nomd_at(conf, "2027-02-15T09:00:00Z")
    ms.wait_queue_empty(timeout=60)
    tap.is_(sum(len(asked(p, MEET)) for p in paired), 0, "day 13: nobody asked yet")

    # Day 14: the daemon is killed (-9) while the questions are queued.
    d = Daemon(conf, env={"NOMD_NOW": "2027-02-16T09:00:00Z"})
    queuing = d.wait_for(r"pair \d+: meeting question 1 queued", 60)
    d.kill()
    tap.ok(queuing, "nomd -9 while queuing the first-meeting questions")
    nomd_at(conf, "2027-02-16T10:00:00Z")
    nomd_at(conf, "2027-02-17T09:00:00Z")
    ms.wait_queue_empty(timeout=120)
    firsts = {p: asked(p, MEET) for p in paired}
    tap.is_(sorted(p for p, got in firsts.items() if len(got) != 1), [],
            "day 14: each of the 14 paired people asked once whether they have met")
    g = firsts.get("gus@highland.example", [])
    tap.ok(g and gus.split("@")[0] in str(g[0]["Subject"]).lower().replace(" ", "") or
           (g and "[ref " in str(g[0]["Subject"])), "the question names the partner and carries a reference")
    answer("gus@highland.example", MEET, "Yes, we met last week", "gus-met")
    answer("ann@angus.example", MEET, "Not yet - we could not find a date", "ann-notyet")
    # Someone else with Bob's reference, and Bob's nominator: no effect.
    answer("bob@angus.example", MEET, "MET", "eve-met", sender="eve@x.example")
    answer("bob@angus.example", MEET, "MET", "ce-met", sender="chief.executive@angus.example")
    r = nomd_at(conf, "2027-02-18T09:00:00Z")
    tap.ok(len(re.findall(r"outcome=held reasons=answer_wrong_sender", r.stderr)) == 2,
           "a stranger and the nominator answering for Bob: held, not counted")
    ms.wait_queue_empty(timeout=60)
    thanks = asked("gus@highland.example", r"^Thank you \[ref")
    tap.ok(len(thanks) == 1, "Gus is thanked for his answer")
    if len(thanks) != 1:
        tap.diag([str(m["Subject"]) for m in (parse_mail(raw) for raw in ms.fetch("gus@highland.example"))])
    tap.is_(len(asked("eve@x.example", ".")), 0, "the stranger gets nothing")
    now = {p["member"]: p for p in pairs_at("2027-02-18T09:00:00Z")}
    tap.is_((now["gus@highland.example"]["meeting"], now["ann@angus.example"]["meeting"],
             now["bob@angus.example"]["meeting"], now["ann@angus.example"]["health"]),
            ("met", "not yet", "asked", "needs help"), "nomctl pairs: met, not yet (needs help), asked")

    # Day 28: asked again, except the pair Gus said MET about.
    nomd_at(conf, "2027-03-02T09:00:00Z")
    ms.wait_queue_empty(timeout=120)
    again = {p: len(asked(p, MEET)) for p in paired}
    tap.is_((again["gus@highland.example"], again[gus], again["ann@angus.example"], again["bob@angus.example"]),
            (1, 1, 2, 2), "day 28: asked again only where nobody said MET")
    answer("bob@angus.example", MEET, "We have met, thanks", "bob-met")

    # Day 30: the first check-in; Gus GOOD, Ann HELP with words.
    nomd_at(conf, "2027-03-04T09:00:00Z")
    ms.wait_queue_empty(timeout=120)
    checks = {p: len(asked(p, CHECK)) for p in paired}
    tap.is_(sorted(p for p, n in checks.items() if n != 1), [], "day 30: one check-in each")
    answer("gus@highland.example", CHECK, "GOOD\r\nWe meet every month.", "gus-good")
    answer("ann@angus.example", CHECK, "Help\r\nMy mentor has not replied to my emails since February.",
           "ann-help")
    answer(ann, CHECK, "Hello,\r\n\r\nWhat is this about?", "annsmentor-unclear")
    r = nomd_at(conf, "2027-03-05T09:00:00Z")
    tap.ok("outcome=held reasons=answer_unclear" in r.stderr, "an answer with none of the words: held for staff")
    ms.wait_queue_empty(timeout=60)
    tap.ok(len(asked(ann, "Your reply to")) == 1, "and its sender is told how to answer")

    # Day 60: the second check-in; Bob's pair says nothing to either.
    nomd_at(conf, "2027-04-03T09:00:00Z")
    nomd_at(conf, "2027-04-11T09:00:00Z")
    ms.wait_queue_empty(timeout=120)
    checks = {p: len(asked(p, CHECK)) for p in paired}
    tap.is_(sorted(p for p, n in checks.items() if n != 2), [], "day 60: a second check-in each")
    now = {p["member"]: p for p in pairs_at("2027-04-11T09:00:00Z")}
    tap.is_([now[m]["health"] for m in ("gus@highland.example", "ann@angus.example", "bob@angus.example")],
            ["on track", "needs help", "quiet"], "nomctl pairs: on track, needs help, quiet")
    tap.ok("My mentor has not replied" in now["ann@angus.example"]["attention"]
           and now["gus@highland.example"]["last_answer"].startswith("good (member)"),
           "with Ann's words, and each pair's last answer")
    r = nomctl_at(conf, "2027-04-11T09:00:00Z", "digest", "--preview")
    tap.ok("Pairs that need a person" in r.stdout and "asked for help in a check-in" in r.stdout
           and "My mentor has not replied" in r.stdout and "no answer to the last two check-ins" in r.stdout,
           "the digest lists the pairs that need a person, with the words")
    tap.ok("Answers from pairs since the last digest" in r.stdout and "HELP" in r.stdout and "GOOD" in r.stdout,
           "and the answers since the last digest")

    # The rematch: Ann's pair ends; she gets the free mentor, not the old.
    r = nomctl_at(conf, "2027-04-12T09:00:00Z", "pair", "--rematch", "ann@angus.example", "--dry-run",
                  "--format", "json")
    plan = json.loads(r.stdout) if r.returncode == 0 else []
    proposed = [p["mentor"] for p in plan if p["kind"] == "pair"]
    tap.ok(len(proposed) == 1 and proposed[0] != ann and proposed[0].endswith("@fife.example"),
           f"--dry-run proposes another mentor for Ann ({proposed}, not {ann})")
    tap.is_({p["member"]: p["mentor"] for p in nomctl_json(conf, "pairs") if p["ended_at"] is None}
            .get("ann@angus.example"), ann, "a dry run changes nothing")
    r = nomctl_at(conf, "2027-04-12T09:00:00Z", "pair", "--rematch", "ann@angus.example",
                  "--why", "they could not find time to meet")
    tap.ok(r.returncode == 0 and "1 new pair(s); 4 notice(s) queued" in r.stderr, f"rematched: {r.stderr.strip()}")
    nomd_at(conf, "2027-04-12T10:00:00Z")
    ms.wait_queue_empty(timeout=60)
    ended = {who: asked(who, r"pairing with") for who in ("ann@angus.example", ann)}
    tap.ok(all(len(v) == 1 for v in ended.values())
           and "they could not find time to meet" in text_of(ended["ann@angus.example"][0]),
           "Ann and her old mentor are each told once, kindly, why")
    intro = asked("ann@angus.example", "pairing:")
    tap.ok(len(intro) == 2 and proposed and proposed[0] in text_of(intro[-1]),
           "Ann is introduced to her new mentor")
    rows = [p for p in nomctl_json(conf, "pairs") if p["member"] == "ann@angus.example"]
    tap.ok(len(rows) == 2 and rows[0]["ended_reason"].startswith("rematched") and rows[1]["ended_at"] is None
           and rows[1]["mentor"] == (proposed or ["?"])[0], "the old pair ended as rematched, the new one active")

    # The end of the programme: everyone still paired is asked for
    # feedback, once, and no more check-ins.
    nomd_at(conf, "2027-06-30T09:00:00Z")
    nomd_at(conf, "2027-06-30T10:00:00Z")
    ms.wait_queue_empty(timeout=120)
    still = sorted({p["member"] for p in nomctl_json(conf, "pairs") if p["ended_at"] is None}
                   | {p["mentor"] for p in nomctl_json(conf, "pairs") if p["ended_at"] is None})
    asks = {p: len(asked(p, FEEDBACK)) for p in paired + [ann] + proposed}
    tap.is_(sorted(p for p in still if asks.get(p) != 1), [], "on programme.ends, one feedback request each")
    tap.is_(asks.get(ann), 0, "none to Ann's old mentor, no longer paired")
    answer("gus@highland.example", FEEDBACK, "5\r\nMonthly meetings with a director were invaluable.", "gus-fb")
    answer("dan@moray.example", FEEDBACK, "Rating: 3 - fewer events would suit me", "dan-fb")
    answer(gus, FEEDBACK, "Enjoyed it, well organised.", "gusmentor-fb")
    nomd_at(conf, "2027-07-01T09:00:00Z")
    r = nomctl_at(conf, "2027-07-01T09:00:00Z", "feedback")
    tap.ok(r.stdout.startswith("3 answer(s), 2 with a rating: average 4.0 of 5")
           and "invaluable" in r.stdout and "well organised" in r.stdout,
           f"nomctl feedback sums up the ratings and lists the comments ({r.stdout.splitlines()[:1]})")
    fb = json.loads(nomctl_at(conf, "2027-07-01T09:00:00Z", "feedback", "--format", "json").stdout)
    tap.is_(sorted(f["rating"] or 0 for f in fb), [0, 3, 5],
            "nomctl feedback --format json: ratings as numbers, null without")
    r = nomctl_at(conf, "2027-07-01T09:00:00Z", "digest", "--preview")
    tap.ok("Feedback received" in r.stdout and "3 answer(s), 2 with a rating: average 4.0 of 5" in r.stdout,
           "the digest shows the feedback")
    # Nothing went twice: every question to each person is counted once.
    nomd_at(conf, "2027-07-02T09:00:00Z")
    ms.wait_queue_empty(timeout=60)
    totals = {p: (len(asked(p, MEET)), len(asked(p, CHECK)), len(asked(p, FEEDBACK))) for p in ("gus@highland.example",
                                                                                              "ann@angus.example")}
    tap.is_(totals, {"gus@highland.example": (1, 2, 1), "ann@angus.example": (2, 2, 1)},
            "Gus and Ann: each question once, by the calendar")

    # Ann asks to be forgotten: her answers and her words go, with her pairs.
    r = nomctl_at(conf, "2027-07-02T09:00:00Z", "forget", "--keep-mail", "ann@angus.example")
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    left = db.execute("SELECT count(*) FROM pair_asks WHERE words LIKE '%not replied%' OR nominee IN"
                      " (SELECT id FROM nominees WHERE name = 'Ann Angus' OR email IS NULL)").fetchone()[0]
    pairs_left = db.execute("SELECT count(*) FROM pairs p JOIN nominees n ON n.id = p.member"
                            " WHERE n.email IS NULL").fetchone()[0]
    db.close()
    tap.ok(r.returncode == 0 and left == 0 and pairs_left == 0,
           f"nomctl forget erases Ann's answers, her words and her pairs ({left}, {pairs_left} left)")
    tap.ok("not replied" not in json.dumps(pairs_at("2027-07-02T09:00:00Z")), "nomctl pairs no longer shows them")

    # Without nominators (people who register themselves) nobody gets the
    # call, and nomctl says so rather than "every organisation has had it".
    with open(os.path.join(work, "organisations.conf"), "w") as f:
        f.write(re.sub(r"nominators = \[[^]]*\];", "", orgtext))
    r = nomctl_at(conf, "2027-01-06T09:00:00Z", "call", "--send", expect=78)
    tap.ok(r.returncode == 78 and "no call sent: the call and the chasers go only to configured nominators" in r.stderr
           and "has had the call" not in r.stderr, f"no nominator anywhere: no call, and why ({r.stderr.strip()})")
tap.done()
