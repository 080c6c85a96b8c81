#!/usr/bin/python3
# Events end to end on a real Dovecot and Postfix: `nomctl event add`,
# invitations in the members' own mailboxes read with Python's icalendar
# (UID, SEQUENCE, times in UTC and in the event's zone, ORGANIZER,
# ATTENDEE), an iTIP REPLY sent back through Postfix and recorded, the
# corpus of calendar and plain replies (tests/corpus/events), capacity and
# the waiting list, an update (SEQUENCE 1), a reminder once (clock moved
# with NOMD_NOW), and a cancellation (METHOD:CANCEL).
import datetime
import glob
import json
import os
import re
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import icalendar  # noqa: E402
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, ROOT, form_message, nomctl, nomctl_json, nomd, run, section,  # noqa: E402
                      write_config, workdir)
from nomdtest import parse_mail as parse, text_of  # noqa: E402

LONDON = zoneinfo.ZoneInfo("Europe/London")
CORPUS = os.path.join(ROOT, "tests", "corpus", "events")


def calendar_of(msg):
    """The text/calendar part of a message: (method parameter, icalendar.Calendar)."""
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), icalendar.Calendar.from_ical(part.get_content())
    return None, None


def vevent(cal):
    return [c for c in cal.walk("VEVENT")][0]


def invitations(ms, who, expect=1):
    return [m for m in map(parse, ms.fetch(who, expect=expect, timeout=60)) if calendar_of(m)[0]]


def fill(raw, values):
    """The corpus message with its placeholders filled in, also inside
    base64 parts (Outlook and Gmail encode the calendar)."""
    import base64
    import email as email_pkg
    import email.policy as policy

    def sub(text):
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return text

    msg = email_pkg.message_from_bytes(sub(raw.decode("utf-8")).encode("utf-8"), policy=policy.compat32)
    for part in msg.walk():
        if part.is_multipart() or (part.get("Content-Transfer-Encoding") or "").lower() != "base64":
            continue
        data = part.get_payload(decode=True).decode("utf-8")
        filled = sub(data)
        if filled != data:
            part.set_payload(base64.encodebytes(filled.encode("utf-8")).decode("ascii"))
    return msg.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


def event_list(conf):
    r = nomctl(conf, "event", "list")
    return json.loads(r.stdout) if r.returncode == 0 else []


work = workdir("nomd-events-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, extra="events = { require_consent = false; };")

    members = {"alex@fife.example": "Alex Morgan", "sam@fife.example": "Sam Ali",
               "kim@angus.example": "Kim Lowe", "lee@angus.example": "Lee Chan"}
    corpus = sorted(glob.glob(os.path.join(CORPUS, "*.eml")))
    # Five members per council at most: the corpus people are spread out.
    councils = ["moray", "highland", "stirling", "falkirk"]
    corpus_people = [f"c{i}@{councils[i % len(councils)]}.example" for i in range(len(corpus))]
    for i, who in enumerate(corpus_people):
        members[who] = f"Corpus Person {i}"
    by_org = {}
    for addr, name in members.items():
        by_org.setdefault(addr.split("@")[1], []).append(section("Member", name, addr))
    by_org["fife.example"].append(section("Mentor", "Jo Smith", "jo@fife.example"))
    n = 0
    for dom, sections in sorted(by_org.items()):
        for k in range(0, len(sections), 5):
            ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{dom}", f"nom-{n}@{dom}",
                                                     "".join(sections[k:k + 5])))
            n += 1
    tap.is_(nomd(conf, "--once").returncode, 0, "nominations processed")

    start_local = (datetime.datetime.now(LONDON) + datetime.timedelta(days=30)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    r = nomctl(conf, "event", "add", "--title", "Connect Network: online session, part 1",
               "--start", start_local.strftime("%Y-%m-%d %H:%M"), "--duration", "2h",
               "--timezone", "Europe/London", "--online-url", "https://meet.example.org/connect-1",
               "--audience", "members", "--capacity", "2",
               "--description", "Two hours with breakout rooms.\nBring a question.")
    tap.is_(r.returncode, 0, f"nomctl event add exits 0 ({r.stderr.strip()})")
    event_id = int(r.stdout.strip() or 0)
    tap.ok(re.search(r"event \d+ added; \d+ mail\(s\) queued", r.stderr), "the invitations are queued at once")
    ev = ([e for e in event_list(conf) if e["id"] == event_id] or [{}])[0]
    tap.is_((ev["invited"], ev["sequence"], ev["audience"], ev["capacity"]), (len(members), 0, "members", 2),
            "every member invited, sequence 0")
    r = nomctl(conf, "event", "add", "--title", "x", "--start", "2020-01-01 10:00", "--duration", "1h",
               "--location", "Perth", "--audience", "all", expect=64)
    tap.is_(r.returncode, 64, "an event in the past is refused")
    r = nomctl(conf, "event", "add", "--title", "x", "--start", "2030-01-01 10:00", "--duration", "1h",
               "--location", "Perth", "--audience", "everyone", expect=64)
    tap.ok(r.returncode == 64 and "'everyone' is none of members, mentors, all" in r.stderr,
           f"an unknown audience is refused with the programme's words ({r.stderr.strip()})")
    r = nomctl(conf, "event", "add", "--title", "x", "--start", "2030-01-01 10:00", "--duration", "45",
               "--location", "Perth", "--audience", "all", expect=64)
    tap.ok(r.returncode == 64 and "5m to 7d" in r.stderr,
           "a duration without its unit is seconds, as in nomd.conf, so 45 is refused as too short")

    nomd(conf, "--once")
    inv = invitations(ms, "alex@fife.example")
    tap.is_(len(inv), 1, "the invitation is in Alex's own mailbox")
    tap.is_(len(invitations(ms, "jo@fife.example", expect=None)), 0, "a mentor is not invited to a members' event")
    alex_invite = inv[0] if inv else None
    if alex_invite:
        method, cal = calendar_of(alex_invite)
        e = vevent(cal)
        tap.is_((method, str(cal["METHOD"])), ("REQUEST", "REQUEST"), "text/calendar; method=REQUEST")
        tap.is_(str(e["UID"]), ev["uid"], "UID is the event's")
        tap.is_(int(e["SEQUENCE"]), 0, "SEQUENCE 0")
        start = e["DTSTART"].dt
        tap.is_((str(start.tzinfo), start.replace(tzinfo=None)), ("Europe/London", start_local.replace(tzinfo=None)),
                "DTSTART in local time with TZID=Europe/London")
        tap.is_(start.astimezone(datetime.timezone.utc), start_local.astimezone(datetime.timezone.utc),
                "the same instant in UTC")
        tap.is_(e["DTEND"].dt - start, datetime.timedelta(hours=2), "DTEND two hours later")
        tap.ok(any(str(c["TZID"]) == "Europe/London" for c in cal.walk("VTIMEZONE")), "a VTIMEZONE for the zone")
        tap.is_(str(e["ORGANIZER"]).lower(), "mailto:connect@example.org", "ORGANIZER is the programme address")
        att = e["ATTENDEE"]
        tap.is_((str(att).lower(), att.params.get("RSVP"), att.params.get("PARTSTAT")),
                ("mailto:alex@fife.example", "TRUE", "NEEDS-ACTION"), "ATTENDEE with RSVP=TRUE")
        tap.ok("https://meet.example.org/connect-1" in text_of(alex_invite), "the join link in the text")

    # Every invitation, not only Alex's.
    wrong = []
    for who in members:
        got = invitations(ms, who)
        cals = [calendar_of(m) for m in got]
        ok = len(cals) == 1 and cals[0][0] == "REQUEST"
        if ok:
            e = vevent(cals[0][1])
            ok = (str(e["UID"]) == ev["uid"] and int(e["SEQUENCE"]) == 0 and
                  str(e["ATTENDEE"]).lower() == f"mailto:{who}" and
                  e["DTSTART"].dt.astimezone(datetime.timezone.utc) == start_local.astimezone(datetime.timezone.utc))
        if not ok:
            wrong.append(who)
    tap.is_(wrong, [], f"all {len(members)} invitations: one each, same UID and instant, addressed to the invitee")

    # Alex accepts from a calendar: an iTIP REPLY sent through Postfix.
    def itip(who, name, partstat, seq=0, msgid="reply", sender=None):
        cal = ("BEGIN:VCALENDAR\r\nPRODID:-//Test//Calendar//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n"
               f"BEGIN:VEVENT\r\nUID:{ev['uid']}\r\nDTSTAMP:20261125T100000Z\r\nSEQUENCE:{seq}\r\n"
               f"ATTENDEE;PARTSTAT={partstat};CN={name}:mailto:{who}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        return (f"From: {name} <{sender or who}>\r\nTo: {INBOX_USER}\r\nSubject: Accepted: Connect\r\n"
                f"Message-ID: <{msgid}@x.example>\r\nMIME-Version: 1.0\r\n"
                'Content-Type: text/calendar; charset="utf-8"; method=REPLY\r\n\r\n' + cal).encode()

    ms.send_smtp("alex@fife.example", [INBOX_USER], itip("alex@fife.example", "Alex Morgan", "ACCEPTED",
                                                         msgid="alex-accept"))
    ms.wait_queue_empty(timeout=60)
    ms.fetch(INBOX_USER, expect=1, timeout=30)
    nomd(conf, "--once")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_(messages.get("alex-accept@x.example", {}).get("reasons"), ["rsvp_accepted"],
            "the REPLY sent through Postfix is recorded as a yes")
    ack = [m for m in map(parse, ms.fetch("alex@fife.example", expect=2, timeout=60)) if "See you there" in m["Subject"]]
    tap.is_(len(ack), 1, "Alex gets a short acknowledgement")

    # Sam says yes in words (the second and last place); Kim too: waiting.
    sam_invite = invitations(ms, "sam@fife.example")[0]
    kim_invite = invitations(ms, "kim@angus.example")[0]

    def plain(who, invite, text, msgid):
        return (f"From: {who}\r\nTo: {INBOX_USER}\r\nSubject: Re: {invite['Subject']}\r\nMessage-ID: <{msgid}>\r\n"
                f"In-Reply-To: {invite['Message-ID']}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
                f"{text}\r\n").encode()

    ms.deliver_lmtp(INBOX_USER, plain("sam@fife.example", sam_invite, "Yes please", "sam-yes@x.example"))
    ms.deliver_lmtp(INBOX_USER, plain("kim@angus.example", kim_invite, "Attending!", "kim-yes@x.example"))
    nomd(conf, "--once")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_([messages[i]["reasons"] for i in ("sam-yes@x.example", "kim-yes@x.example")],
            [["rsvp_accepted"], ["rsvp_waiting"]], "the second yes takes the last place; the third waits")
    waiting = [m for m in map(parse, ms.fetch("kim@angus.example", expect=2, timeout=60))
               if "waiting list" in m["Subject"]]
    tap.is_(len(waiting), 1, "Kim is told they are on the waiting list")

    # Kim, waiting, holds the event's UID like every invitee: a calendar
    # REPLY from Kim's address that declines for Sam must not free Sam's
    # place for Kim.
    ms.deliver_lmtp(INBOX_USER, itip("sam@fife.example", "Sam Ali", "DECLINED", msgid="kim-for-sam",
                                     sender="kim@angus.example"))
    nomd(conf, "--once")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_((messages["kim-for-sam@x.example"]["outcome"], messages["kim-for-sam@x.example"]["reasons"]),
            ("held", ["rsvp_wrong_sender"]), "a REPLY naming another invitee as ATTENDEE: held as rsvp_wrong_sender")
    ev = [e for e in event_list(conf) if e["id"] == event_id][0]
    tap.is_((ev["accepted"], ev["declined"], ev["waiting"]), (2, 0, 1), "and nobody's answer changes")

    # Alex declines after all (Gmail-style REPLY): Kim moves up and is told.
    ms.deliver_lmtp(INBOX_USER, itip("alex@fife.example", "Alex Morgan", "DECLINED", msgid="alex-decline"))
    nomd(conf, "--once")
    ev = [e for e in event_list(conf) if e["id"] == event_id][0]
    tap.is_((ev["accepted"], ev["declined"], ev["waiting"]), (2, 1, 0), "after the decline: 2 yes, 1 no, 0 waiting")
    promoted = [m for m in map(parse, ms.fetch("kim@angus.example", expect=3, timeout=60))
                if "place is free" in m["Subject"]]
    tap.is_(len(promoted), 1, "Kim moves up from the waiting list and is told")

    # The corpus: replies as Outlook, Gmail, Apple Calendar, Thunderbird and
    # people send them, to an event of its own without a capacity.
    r = nomctl(conf, "event", "add", "--title", "Connect Network: engagement session",
               "--start", (start_local + datetime.timedelta(days=7)).strftime("%Y-%m-%d %H:%M"), "--duration", "90m",
               "--location", "COSLA, Verity House, Edinburgh", "--audience", "members")
    corpus_event = int(r.stdout.strip() or 0)
    ev2 = [e for e in event_list(conf) if e["id"] == corpus_event][0]
    nomd(conf, "--once")
    expected = {}
    for i, path in enumerate(corpus):
        who = corpus_people[i]
        invite = [m for m in invitations(ms, who, expect=1) if "engagement" in m["Subject"]]
        if not invite:
            tap.ok(False, f"{os.path.basename(path)}: no invitation to answer")
            continue
        raw = fill(open(path, "rb").read(), {
            "UID": ev2["uid"], "ATTENDEE_NAME": members[who], "ATTENDEE": who,
            "INVITE_ID": invite[0]["Message-ID"].strip("<>"), "TITLE": ev2["title"], "SEQUENCE": "0",
            "DTSTART": "20270120T100000Z", "MSGID": f"corpus-{i}@x.example"})
        ms.deliver_lmtp(INBOX_USER, raw)
        expected[who] = (os.path.basename(path), json.load(open(path[:-4] + ".json")))
    nomd(conf, "--once")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    want = {"accepted": ["rsvp_accepted"], "declined": ["rsvp_declined"], "tentative": ["rsvp_tentative"],
            "none": ["rsvp_unclear"]}
    for who, (name, exp) in sorted(expected.items(), key=lambda kv: kv[1][0]):
        got = messages.get(f"corpus-{corpus_people.index(who)}@x.example", {})
        tap.is_(got.get("reasons"), want[exp["answer"]], f"corpus {name}: {exp['answer']} ({exp.get('via')})")

    # Someone withdrawn loses the event from their calendar.
    r = nomctl(conf, "withdraw", corpus_people[0])
    nomd(conf, "--once")
    ms.wait_queue_empty(timeout=60)
    gone = sorted(str(vevent(c)["UID"]) for method, c in map(calendar_of, invitations(ms, corpus_people[0], expect=4))
                  if method == "CANCEL")
    tap.is_(gone, sorted([ev["uid"], ev2["uid"]]), "a withdrawn invitee gets a CANCEL for each event they were invited to")

    # An update: SEQUENCE 1 to everyone invited; a reminder once; a cancellation.
    r = nomctl(conf, "event", "update", str(event_id), "--start",
               (start_local + datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"))
    tap.is_(r.returncode, 0, "nomctl event update exits 0")
    nomd(conf, "--once")
    updated = [calendar_of(m)[1] for m in invitations(ms, "sam@fife.example", expect=2)
               if "part 1" in m["Subject"]]
    seqs = sorted(int(vevent(c)["SEQUENCE"]) for c in updated)
    tap.is_(seqs, [0, 1], "the update is a REQUEST with SEQUENCE 1")
    if len(updated) == 2:
        tap.is_(vevent(updated[-1])["DTSTART"].dt.hour, 11, "with the new time")

    soon = (start_local - datetime.timedelta(days=1)).astimezone(datetime.timezone.utc)
    env = dict(os.environ, NOMD_NOW=soon.strftime("%Y-%m-%dT%H:%M:%SZ"))
    run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env)
    run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env)
    ms.wait_queue_empty(timeout=60)

    def reminders(who):
        return [m for m in map(parse, ms.fetch(who)) if m["Subject"].startswith("Reminder: Connect Network: online")]

    tap.is_([len(reminders(w)) for w in ("sam@fife.example", "kim@angus.example", "alex@fife.example")], [1, 1, 0],
            "a reminder once to those coming, none to who declined")

    r = nomctl(conf, "event", "cancel", str(event_id))
    tap.is_(r.returncode, 0, "nomctl event cancel exits 0")
    nomd(conf, "--once")
    cancels = [calendar_of(m) for m in invitations(ms, "sam@fife.example", expect=3) if calendar_of(m)[0] == "CANCEL"]
    tap.is_(len(cancels), 1, "a METHOD:CANCEL to each invitee")
    if cancels:
        e = vevent(cancels[0][1])
        tap.is_((str(e["STATUS"]), str(e["UID"]), int(e["SEQUENCE"])), ("CANCELLED", ev["uid"], 2),
                "STATUS:CANCELLED, the same UID, SEQUENCE 2")
    ms.deliver_lmtp(INBOX_USER, plain("sam@fife.example", sam_invite, "Yes", "sam-late@x.example"))
    nomd(conf, "--once")
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_(messages["sam-late@x.example"]["reasons"], ["event_closed"], "a yes to a cancelled event: event_closed")

tap.done()
