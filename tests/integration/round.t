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
#     test_decide).
import os
import re
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


def mail_to(ms, user, pattern):
    return [parse_mail(raw) for raw in ms.fetch(user) if re.search(pattern, str(parse_mail(raw)["Subject"]))]


work = workdir("nomd-round-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, smtp_extra="max_replies_per_sender_per_hour = 1000;")
    with open(conf) as f:
        text = f.read()
    text = text.replace("max_mentors = 5; };", 'max_mentors = 5; closes = "2027-01-31"; round = "2027";'
                        " chase_days = [14, 7, 2]; };", 1)
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
             section("Mentor", "Eve Moray", "eve@moray.example"),
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
    tap.ok(f"Call for nominations: sent to {len(orgs) + 1} of {len(orgs) + 1} organisations." in r.stdout
           and re.search(r"Chasers 14 days before the close: sent to \d+ organisation", r.stdout)
           and "Chasers 7 days before the close: sent to 0 organisation(s)." in r.stdout
           and f"Chasers 2 days before the close: sent to {chased} organisation(s)." in r.stdout
           and "Summaries after the close: sent to 4 organisation(s)." in r.stdout
           and "nominations closed on Sunday 31 January 2027" in r.stdout,
           "the digest shows the round: the call, the chasers by day, the summaries")
    if "The round" not in r.stdout:
        tap.diag(r.stdout)
tap.done()
