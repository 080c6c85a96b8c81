#!/usr/bin/python3
# Events after the first invitations: a nominee accepted after the event
# was added is invited on nomd's next pass, once; and each update raises
# SEQUENCE again, for every invitee, the late one included (two updates:
# every invitee gets the same UID at SEQUENCE 0, 1 and 2).
import datetime
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import icalendar  # noqa: E402
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl, nomd, section, workdir, write_config  # noqa: E402
from nomdtest import parse_mail as parse  # noqa: E402

LONDON = zoneinfo.ZoneInfo("Europe/London")
EARLY = ["ann@fife.example", "ben@fife.example"]
LATE = "cat@angus.example"
work = workdir("nomd-events2-")


def requests(ms, who, expect):
    """(UID, SEQUENCE) of each method=REQUEST calendar in who's mailbox, in arrival order."""
    out = []
    for msg in map(parse, ms.fetch(who, expect=expect, timeout=60)):
        for part in msg.walk():
            if part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST":
                e = list(icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT"))[0]
                out.append((str(e["UID"]), int(e["SEQUENCE"])))
    return out


with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, extra="events = { require_consent = false; };")
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "ev2-1@fife.example",
                                             section("Member", "Ann Fife", EARLY[0])
                                             + section("Member", "Ben Fife", EARLY[1])))
    tap.is_(nomd(conf, "--once").returncode, 0, "the first nominations are processed")
    start = (datetime.datetime.now(LONDON) + datetime.timedelta(days=30)).replace(hour=10, minute=0, second=0,
                                                                                microsecond=0)
    r = nomctl(conf, "event", "add", "--title", "Connect Network: spring session", "--start",
               start.strftime("%Y-%m-%d %H:%M"), "--duration", "1h", "--timezone", "Europe/London",
               "--location", "Perth", "--audience", "members")
    tap.is_(r.returncode, 0, f"nomctl event add exits 0 {r.stderr.strip()}")
    event_id = r.stdout.strip()
    nomd(conf, "--once")
    first = {who: requests(ms, who, 2) for who in EARLY}  # the welcome and the invitation
    uid = next((inv[0][0] for inv in first.values() if inv), None)
    tap.is_({who: [s for _, s in inv] for who, inv in first.items()}, {who: [0] for who in EARLY},
            "the members nominated before the event are invited (SEQUENCE 0)")

    # A member accepted later: invited on the next pass, once.
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@angus.example", "ev2-2@angus.example",
                                             section("Member", "Cat Angus", LATE)))
    tap.is_(nomd(conf, "--once").returncode, 0, "the late nomination is processed")
    nomd(conf, "--once")
    ms.wait_queue_empty(timeout=30)
    tap.is_(requests(ms, LATE, 2), [(uid, 0)], "the member accepted later is invited to the same event, once")
    tap.is_({who: len(requests(ms, who, None)) for who in EARLY}, {who: 1 for who in EARLY},
            "the others are not invited again")

    # Two updates: each one a REQUEST with SEQUENCE raised, to every invitee.
    for n, hours in ((1, 1), (2, 2)):
        r = nomctl(conf, "event", "update", event_id, "--start",
                   (start + datetime.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M"))
        tap.is_(r.returncode, 0, f"update {n}: nomctl event update exits 0")
        nomd(conf, "--once")
    ms.wait_queue_empty(timeout=30)
    got = {who: sorted(requests(ms, who, 4 if who in EARLY else 3)) for who in EARLY + [LATE]}
    tap.is_(got, {who: [(uid, 0), (uid, 1), (uid, 2)] for who in EARLY + [LATE]},
            "every invitee got SEQUENCE 0, 1 and 2 for the same UID")
tap.done()
