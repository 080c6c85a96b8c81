#!/usr/bin/python3
# The staff digest of a realistic round (tests/lib/round_seed.py: 32
# councils in every state, consent, pairs and their first answers, an
# event and its answers, a question held), played on the real Dovecot and
# Postfix with NOMD_NOW, read back from the staff mailbox: the figures at
# a glance agree with what nomctl lists; every council is a row of bars
# in its state, counted as nomctl export counts them; the chart's alt
# text gives the same counts; only the day's answers are "since the last
# digest", whose time is given in the staff's zone and words; held mail
# says why in words; the frame is fluid (a phone's width) with Outlook's
# fixed width kept in a conditional comment; the workbook's sheets hold
# the round. tests/screenshot_templates.sh renders this same digest.
import collections
import io
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import nomctl, nomctl_json, parse_mail, text_of, workdir  # noqa: E402
import round_seed  # noqa: E402

work = workdir("nomd-glance-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf, facts = round_seed.seed_round(ms, work)
    r = round_seed.nomd_at(conf, round_seed.DIGEST_AT)
    tap.is_(r.returncode, 0, f"nomd at {round_seed.DIGEST_AT} exits 0 ({r.stderr.strip()[-200:]})")
    ms.wait_queue_empty(timeout=60)
    got = [m for m in map(parse_mail, ms.fetch(round_seed.STAFF)) if "digest 2026-02-19" in str(m["Subject"])]
    tap.is_(len(got), 1, "one digest for 19 February in the staff mailbox")
    d = got[0] if got else None
    text = text_of(d) if d else ""
    part = d.get_body(preferencelist=("html",)) if d else None
    h = part.get_content() if part else ""
    nominees = nomctl_json(conf, "export")
    pairs = nomctl_json(conf, "pairs")
    events = json.loads(nomctl(conf, "event", "list", "--format", "json").stdout)
    messages = nomctl_json(conf, "messages")

    # What nomctl says, counted here.
    counted = collections.Counter((n["organisation"], n["role"]) for n in nominees if n["consent"] != "declined")
    orgs = round_seed.councils(work)

    def state(oid):
        m, t = counted[(oid, "member")], counted[(oid, "mentor")]
        return ("none yet" if m + t == 0 else "unequal" if m != t else "complete" if m >= 5 and t >= 5
                else "in progress")

    states = collections.Counter(state(oid) for oid, _, _ in orgs)
    tap.ok(all(states[s] >= 5 for s in ("none yet", "in progress", "complete", "unequal")),
           f"the round has councils in every state ({dict(states)})")
    active = [p for p in pairs if p.get("status", "active") == "active"]
    yes = events[0]["accepted"] if events else None
    tap.ok(f"At a glance: {sum(counted.values())} nominations in; {states['complete']} of 32 organisations complete; "
           f"{facts['yes']} confirmed their place; {len(active)} pairs; next event Connect Network launch, "
           f"Tuesday 3 March 2026, 10:00 to 13:00 (GMT): {yes} yes." in " ".join(text.split()),
           "the glance in words agrees with nomctl export, pairs and event list")
    strip = re.findall(r'<td class="nomd-glance"[^>]*><div[^>]*>([^<]*)</div><div[^>]*>([^<]*)</div></td>', h)
    tap.is_([f for f, _ in strip], [str(sum(counted.values())), f"{states['complete']} of 32", str(facts["yes"]),
                                    str(len(active)), f"{yes} yes"], "the headline strip: the same five figures")

    # Every council a row of bars, in the state nomctl's numbers give.
    rows = re.findall(r'<tr><td valign="top"[^>]*>([^<]+)<br><span[^>]*>&#9632;</span> <span[^>]*>([^<]+)</span></td>'
                      r'(.*)</tr>\r?$', h, re.M)
    shown = {name: (word, body) for name, word, body in rows}
    tap.is_(sorted(shown), sorted(name for _, name, _ in orgs), "every one of the 32 councils has a row")
    wrong = [name for oid, name, _ in orgs if shown.get(name, ("?",))[0] != state(oid)]
    tap.is_(wrong, [], "each council's state word is the one its counts give")
    wrong = [name for oid, name, _ in orgs
             if f"{counted[(oid, 'member')]} of 5 members" not in shown.get(name, ("", ""))[1]
             or f"{counted[(oid, 'mentor')]} of 5 mentors" not in shown.get(name, ("", ""))[1]]
    tap.is_(wrong, [], "and its members and mentors in words beside the bars")
    alt = re.search(r'<img src="cid:round-chart@nomd"[^>]*alt="([^"]*)"', h)
    tap.is_(alt.group(1) if alt else None,
            f"Organisations by state: {states['none yet']} none yet, {states['in progress']} in progress, "
            f"{states['complete']} complete, {states['unequal']} unequal", "the chart's alt text: the same counts")

    # Since the last digest: the staff's time, and only the day's answers.
    tap.ok("What came in since the last digest (Wednesday 18 February 2026, 08:05)" in " ".join(text.split()),
           "the last digest's time in words, in the staff's zone")
    day18 = [m for m in messages if m["message_id"].startswith("met-") and m["received_at"] >= "2026-02-18"]
    answers = text.split("Answers from pairs since the last digest")[-1].split("Upcoming events")[0]
    listed = re.findall(r"first meeting\s+(MET|NOT YET)", answers)
    tap.ok(day18 and len(listed) == len(day18), f"the answers since then: the {len(day18)} of the 18th ({len(listed)})")
    needs = text.split("Pairs that need a person")[-1].split("Answers from pairs")[0]
    not_yet = {p["member"] for p in pairs if (p.get("meeting") or "") == "not yet"}
    tap.ok(not_yet and needs.count("have not met yet") == len(not_yet),
           f"pairs that have not met are the ones that need a person ({len(not_yet)})")
    held = text.split("Held mail that needs a person")[-1].split("Outgoing mail")[0]
    tap.ok("rsvp_unclear" in held and "Wed 18 Feb 14:" in held,
           "held: the code, and when it came in the staff's zone")
    tap.ok("a reply to an invitation that says neither yes nor no" in h, "and in the HTML, why in words")

    # The frame a phone can read, Outlook's fixed width kept for Outlook.
    tap.ok('<meta name="viewport" content="width=device-width, initial-scale=1">' in h,
           "a viewport for phones")
    tap.ok(re.search(r'<table role="presentation" width="100%"[^>]*style="max-width:600px;', h)
           and '<!--[if mso]><table role="presentation" width="600"' in h,
           "fluid up to 600 px, fixed at 600 px for Outlook's renderer only")
    tap.ok(not re.search(r"display:\s*(flex|grid)|<svg|@font-face", h), "no flex, grid, SVG or web fonts")

    # The workbook it attaches.
    att = [p for p in d.iter_attachments()] if d else []
    tap.is_([a.get_filename() for a in att], ["nominations-2026-02-19.xlsx"], "the workbook attached")
    try:
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(att[0].get_content())) if att else None
    except ImportError:
        wb = None
        tap.skip("python3-openpyxl is not installed")
    if wb is not None:
        tap.is_((wb["Nominees"].max_row - 1, wb["Organisations"].max_row - 1, wb["Pairs"].max_row - 1),
                (len(nominees), len(orgs), len(pairs)), "its sheets: every nominee, every council, every pair")
tap.done()
