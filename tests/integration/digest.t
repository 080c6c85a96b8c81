#!/usr/bin/python3
# The staff digest with an injected clock (NOMD_NOW): a missed digest is
# sent once at start-up, then exactly one per period across restarts and
# three days of downtime; every section is present with the right counts
# for a seeded data set; the CSV attachment opens cleanly (UTF-8 with a
# byte order mark); nomctl digest --preview and --send.
import csv
import io
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, form_message, nomctl, nomd, run, section, write_config,  # noqa: E402
                      workdir)
from nomdtest import parse_mail as parse, text_of  # noqa: E402

STAFF = "programme-team@example.org"


def at(conf, iso, *args):
    """nomd --once with the clock at `iso`."""
    return run([os.path.join(BUILD, "nomd"), "-c", conf, "--once", *args], env=dict(os.environ, NOMD_NOW=iso))


def once_at(conf, iso):
    """at(), which must exit 0: a nomd that fails to start sends nothing too."""
    r = at(conf, iso)
    tap.is_(r.returncode, 0, f"nomd --once at {iso} exits 0 ({r.stderr.strip()[-200:]})")
    return r


def digests(ms):
    ms.wait_queue_empty(timeout=60)
    return [m for m in map(parse, ms.fetch(STAFF)) if " digest " in m["Subject"]]


work = workdir("nomd-digest-")
with MailStack(os.path.join(work, "stack")) as ms:
    # The CSV attachment here; the workbook (the default) in workbook.t.
    conf = write_config(ms, work, staff_extra='digest = "daily 08:00"; timezone = "Europe/London";'
                        ' digest_attachment = "csv";', extra="events = { require_consent = false; };")
    # Seed: Fife 2 members and 1 mentor (unbalanced), Angus 1 and 1, a
    # stranger's message held, and Highland a refused nominee only.
    ms.deliver_lmtp(INBOX_USER, form_message(
        "chief.executive@fife.example", "fife-1@fife.example",
        section("Member", "Alex Morgan", "alex@fife.example") + section("Member", "Sam Ali", "sam@fife.example") +
        section("Mentor", "Jo Smith", "jo@fife.example")))
    ms.deliver_lmtp(INBOX_USER, form_message(
        "chief.executive@angus.example", "angus-1@angus.example",
        section("Member", "Kim Lowe", "kim@angus.example") + section("Mentor", "Pat Reid", "pat@angus.example")))
    ms.deliver_lmtp(INBOX_USER, form_message("someone@spammer.example", "spam-1@spammer.example",
                                             section("Member", "Nobody", "nobody@spammer.example")))
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@highland.example", "highland-1@highland.example",
                                             section("Member", "No Address", "not-an-address")))

    # First start, after the 08:00 of 19 January: that digest was missed.
    once_at(conf, "2027-01-20T06:00:00Z")
    tap.is_(len(digests(ms)), 1, "the first pass sends the missed digest")
    # An event for the members, added at the same clock.
    r = run([os.path.join(BUILD, "nomctl"), "-c", conf, "event", "add", "--title", "Connect session",
             "--start", "2027-02-10 10:00", "--duration", "2h", "--location", "Perth", "--audience", "members",
             "--capacity", "2"], env=dict(os.environ, NOMD_NOW="2027-01-20T06:30:00Z"))
    tap.is_(r.returncode, 0, f"an event added ({r.stderr.strip()})")
    r = at(conf, "2027-01-20T06:45:00Z")
    tap.is_(r.returncode, 0, f"a restart exits 0 ({r.stderr.strip()[-200:]})")
    got = digests(ms)
    tap.is_(len(got), 1, "the missed digest is sent once")
    # The same digest, as it would read now: every section with the event.
    r = run([os.path.join(BUILD, "nomctl"), "-c", conf, "digest", "--preview"],
            env=dict(os.environ, NOMD_NOW="2027-01-20T07:00:00Z"))
    tap.ok(re.search(r"Connect session\s+Wednesday 10 February 2027, 10:00 to 12:00 \(GMT\)\s+0\s+0\s+0\s+0\s+3",
                     r.stdout), "upcoming events: yes, no, maybe, waiting and no answer (3 invited)")
    d = got[0] if got else None
    text = text_of(d) if d else ""
    tap.like(d["Subject"] if d else "", r"digest 2027-01-20: 6 new, 1 held, 0 mail problems",
             "subject: date, new nominations, held, mail problems")
    for heading in ("New nominations since the last digest", "Held mail that needs a person",
                    "Outgoing mail that failed or bounced", "Organisations with no nominations yet",
                    "Nominations by organisation", "Consent and pairing", "Upcoming events"):
        tap.ok(heading in text, f"section: {heading}")
    tap.ok(re.search(r"Fife Council\s+member\s+Alex Morgan\s+alex@fife.example\s+accepted", text),
           "new nominations listed by organisation")
    tap.ok(re.search(r"The Highland Council\s+member\s+No Address\s+not-an-address\s+refused \(invalid_email\)", text),
           "refused ones with their reason")
    tap.ok("30 of 32:" in text, "30 of the 32 councils have no accepted nominations yet")
    tap.ok(re.search(r"Fife Council\s+2 of 5\s+1 of 5\s+unbalanced", text), "Fife: 2 of 5 members, 1 of 5, unbalanced")
    tap.ok(re.search(r"Angus Council\s+1 of 5\s+1 of 5\s*\n", text), "Angus: balanced, no note")
    tap.ok(re.search(r"someone@spammer.example\s+Nominations\s+not_authorised", text), "the held message: who and why")
    tap.ok("Members: 0 confirmed, 3 not yet answered; 0 paired." in text, "consent and pairing counts")
    tap.ok("None planned." in text, "no events yet")
    html = d.get_body(preferencelist=("html",)) if d else None
    tap.ok(html is not None and "<table" in html.get_content(), "an HTML part with tables")
    h = html.get_content() if html is not None else ""
    tap.ok("At a glance: 5 nominations in; 0 of 32 organisations complete;" in text
           and ">5</div>" in h and "nominations in" in h and "organisations complete" in h,
           "the round at a glance, in words and as a headline strip")
    rows = re.findall(r"<tr><td[^>]*>([^<]+)<br>(.*)</tr>\r?$", h, re.M)  # one organisation a line
    bars = {name: body for name, body in rows if "of 5 members" in body}
    tap.is_(len(bars), 32, "every organisation has a row of bars")
    fife = bars.get("Fife Council", "")
    tap.ok('bgcolor="#c62828"' in fife and "2 of 5 members" in fife and "1 of 5 mentors" in fife
           and 'width="32"' in fife and 'width="16"' in fife and ">unequal</span>" in fife,
           "Fife: 2 and 1 of 5 as bars 32 and 16 px wide (of 80), red for unequal, with the counts in words")
    angus = bars.get("Angus Council", "")
    tap.ok('bgcolor="#e69f00"' in angus and "in progress" in angus, "Angus: 1 and 1, amber, in progress")
    moray = bars.get("The Moray Council", "")
    tap.ok("none yet" in moray and 'bgcolor="#d9d9d9"' in moray,
           "Moray: empty bars, none yet")
    tap.ok(not re.search(r"display:\s*(flex|grid)|<svg|@font-face", h), "no flex, grid, SVG or web fonts")
    tap.ok("the sender is not a nominator for this organisation" in h and "not_authorised" in text,
           "why mail is held: in words in the HTML, the code nomctl messages shows in the text")
    # The chart: drawn when the mail is sent, inline by Content-ID.
    related = [p for p in d.walk() if p.get_content_type() == "multipart/related"] if d else []
    pics = [p for p in d.walk() if p.get_content_type() == "image/png"] if d else []
    png = pics[0].get_content() if pics else b""
    tap.ok(len(related) == 1 and len(pics) == 1 and pics[0]["Content-ID"] == "<round-chart@nomd>"
           and pics[0].get_content_disposition() == "inline", "one PNG inline, in a multipart/related with the HTML")
    tap.ok(png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (480, 150),
           "a PNG of 480 x 150")
    alt = re.search(r'<img src="cid:round-chart@nomd"[^>]*alt="([^"]*)"', h)
    tap.ok(alt and alt.group(1) == "Organisations by state: 30 none yet, 1 in progress, 0 complete, 1 unequal",
           f"shown by its Content-ID, with its facts as alt text ({alt.group(1) if alt else None})")
    att = [p for p in d.iter_attachments()] if d else []
    tap.is_([a.get_filename() for a in att], ["nominees-2027-01-20.csv"], "a CSV attachment")
    if att:
        raw = att[0].get_content()
        raw = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        tap.ok(raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark (Excel)")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        tap.is_(len(rows), 5, "one row per current nominee")
        tap.is_(sorted(r["email"] for r in rows),
                ["alex@fife.example", "jo@fife.example", "kim@angus.example", "pat@angus.example", "sam@fife.example"],
                "the accepted nominees")
        tap.is_(rows[0].keys() >= {"organisation", "role", "name", "email", "consent"}, True, "named columns")

    # A restart before the next 08:00: nothing more.
    once_at(conf, "2027-01-20T07:59:00Z")
    tap.is_(len(digests(ms)), 1, "a restart in the same period sends nothing")
    # 08:00 passes: one digest, whatever the number of passes.
    once_at(conf, "2027-01-20T08:00:30Z")
    once_at(conf, "2027-01-20T08:05:00Z")
    got = digests(ms)
    tap.is_(len(got), 2, "one digest for the 20th, across two passes")
    tap.like(got[-1]["Subject"] if len(got) > 1 else "", r"0 new, 0 held",
             "nothing new since the last digest")
    # Three days down: one digest on return, not three.
    once_at(conf, "2027-01-23T12:00:00Z")
    once_at(conf, "2027-01-23T12:01:00Z")
    tap.is_(len(digests(ms)), 3, "three days of downtime: one digest on return")

    # nomctl.
    r = run([os.path.join(BUILD, "nomctl"), "-c", conf, "digest", "--preview"],
            env=dict(os.environ, NOMD_NOW="2027-01-23T13:00:00Z"))
    tap.ok(r.returncode == 0 and "Nominations by organisation" in r.stdout and r.stdout.startswith("Subject:"),
           "digest --preview prints it")
    tap.is_(len(digests(ms)), 3, "and sends nothing")
    r = nomctl(conf, "digest", "--send")
    tap.is_(r.returncode, 0, f"digest --send exits 0 ({r.stderr.strip()})")
    tap.is_(len(digests(ms)), 4, "and sends it now")
    r = nomctl(conf, "digest", expect=64)
    tap.is_(r.returncode, 64, "digest without --preview or --send: usage")

    bad = write_config(ms, work, staff_extra='digest = "hourly";')
    r = nomd(bad, "--check-config", expect=78)
    tap.ok(r.returncode == 78 and re.search(r"nomd.conf:\d+: 'hourly' is not a schedule", r.stderr),
           f"a bad schedule is a config error at FILE:LINE ({r.stderr.strip()})")

tap.done()
