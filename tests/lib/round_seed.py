"""A realistic round of the Connect Network, played by mail on a real mail
stack, for the staff digest to show: the 32 councils in every state (9
complete, 9 in progress, 6 with unequal numbers, 8 with nothing yet),
nominees who confirm, decline or stay silent, a stranger's message held,
pairs made after the close, their first-meeting answers (MET and NOT
YET), and an event with its answers. Used by tests/integration/glance.t,
which asserts the digest it gives, and by tests/screenshot_templates.sh,
which renders that digest in Chromium for docs/.

Everything goes through nomd: forms in by LMTP, replies to nomd's own
mail (found in each person's mailbox), `nomctl pair --commit` and
`nomctl event add`, the clock moved with NOMD_NOW."""

import datetime
import json
import os
import random
import re

from nomdtest import BUILD, INBOX_USER, form_message, parse_mail, run, section, write_config

STAFF = "programme-team@example.org"
DIGEST_AT = "2026-02-19T08:30:00Z"  # the digest glance.t and the screenshots show

# Council states by position in organisations.conf: (members, mentors).
PLAN = ([(5, 5)] * 9 + [(4, 4), (3, 3), (3, 3), (2, 2), (2, 2), (2, 2), (1, 1), (1, 1), (4, 4)]
        + [(3, 1), (2, 0), (5, 4), (1, 2), (4, 2), (0, 1)] + [(0, 0)] * 8)

FIRST = ["Aileen", "Calum", "Eilidh", "Fraser", "Isla", "Ruaridh", "Morag", "Euan", "Kirsty", "Niamh",
         "Seònaid", "Ewan", "Siobhán", "Lachlan", "Mhairi", "Hamish", "Catrìona", "Iain", "Zoë", "Ravi",
         "Aisha", "Tomasz", "Chloé", "Ross", "Fiona", "Gregor", "Shona", "Duncan", "Jamie", "Priya"]
LAST = ["Macdonald", "Campbell", "Stewart", "Robertson", "Murray", "MacLeòid", "Fraser", "Henderson",
        "Paterson", "Ó Briain", "Kowalski", "Sinclair", "Grant", "Khan", "Munro", "Reid", "Ferguson",
        "McIntyre", "Drummond", "Buchanan"]
SERVICES = [("Finance", "corporate"), ("Human Resources", "corporate"), ("Legal and Democratic", "corporate"),
            ("Policy and Performance", "strategic"), ("Economic Development", "strategic"),
            ("Planning", "strategic"), ("Education", "operational"), ("Social Work", "operational"),
            ("Roads and Transport", "operational"), ("Housing", "operational")]


def at(iso):
    return dict(os.environ, NOMD_NOW=iso)


def nomd_at(conf, iso):
    return run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=at(iso))


def nomctl_at(conf, iso, *args):
    return run([os.path.join(BUILD, "nomctl"), "-c", conf, *args], env=at(iso))


def councils(work):
    with open(os.path.join(work, "organisations.conf")) as f:
        live = "".join(line for line in f if not line.lstrip().startswith("#"))
    found = re.findall(r'id = "([^"]+)"; name = "([^"]+)"; kind = "([^"]+)";\s*nominators = \[ "([^"]+)"', live)
    return [(oid, name, ce) for oid, name, kind, ce in found if kind == "council"]


def arrives(ms, iso, raw):
    """Mail into nomd's inbox as it arrived at `iso`, a few seconds apart
    (its INTERNALDATE is what nomd records as received; Dovecot takes
    only past dates, so the round is played in the past)."""
    arrives.n = getattr(arrives, "n", 0) + 1
    when = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    ms.append(INBOX_USER, raw, when + datetime.timedelta(seconds=37 * (arrives.n % 97)))


def reply(ms, iso, who, mail, text, mid):
    """`who` answers `mail` with `text` at the top, as a mail client would."""
    arrives(ms, iso, (f"From: {who}\r\nTo: {INBOX_USER}\r\nSubject: Re: {mail['Subject']}\r\n"
                      f"Message-ID: <{mid}@reply.example>\r\nIn-Reply-To: {mail['Message-ID']}\r\n"
                      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: 8bit\r\n\r\n"
                      f"{text}\r\n\r\n> {mail['Subject']}\r\n").encode("utf-8"))


def latest(ms, who, pattern):
    got = [m for m in map(parse_mail, ms.fetch(who)) if re.search(pattern, str(m["Subject"]))]
    return got[-1] if got else None


def seed_round(ms, work):
    """Play the round up to DIGEST_AT, with the last day's answers still in
    the inbox for the pass that sends the digest (nomd_at(conf,
    DIGEST_AT)); returns (conf, facts), facts counting what was sent."""
    conf = write_config(ms, work, smtp_extra="max_replies_per_sender_per_hour = 1000;",
                        staff_extra='digest = "daily 08:00"; timezone = "Europe/London";')
    with open(conf) as f:
        text = f.read()
    text = text.replace("max_mentors = 5; };", 'max_mentors = 5; closes = "2026-01-31"; round = "2026"; };', 1)
    with open(conf, "w") as f:
        f.write(text)
    rnd = random.Random(2027)
    orgs = councils(work)
    assert len(orgs) == 32 and len(PLAN) == 32, (len(orgs), len(PLAN))
    nomctl_at(conf, "2026-01-05T09:00:00Z", "call", "--send")
    people = []  # (email, role, org id)
    for (oid, name, ce), (members, mentors) in zip(orgs, PLAN):
        sections = []
        for role, count in (("Member", members), ("Mentor", mentors)):
            for i in range(count):
                first, last = rnd.choice(FIRST), rnd.choice(LAST)
                addr = f"{role[1:3].lower()}{i}.{re.sub('[^a-z]', '', last.lower())}@{oid}.example"
                service, kind = rnd.choice(SERVICES)
                years = rnd.randint(2, 6) if role == "Member" else rnd.randint(12, 30)
                title = ("Team Leader" if role == "Member" else "Head of Service") + f", {service}"
                sections.append(section(role, f"{first} {last}", addr, job_title=title, service=service,
                                        service_type=kind, years=years))
                people.append((addr, role.lower(), oid))
        if sections:
            arrives(ms, "2026-01-11T09:00:00Z", form_message(ce, f"{oid}-1@{oid}.example", "".join(sections)))
    arrives(ms, "2026-01-11T13:00:00Z", form_message("jobs@recruiter.example", "spam-1@recruiter.example",
                                                     section("Member", "Someone", "someone@recruiter.example")))
    nomd_at(conf, "2026-01-12T09:00:00Z")
    ms.wait_queue_empty(timeout=180)

    # Consent: most say yes, two say no, the rest have not answered.
    yes, no = [], []
    for n, (addr, role, oid) in enumerate(people):
        welcome = latest(ms, addr, r"\[ref ")
        if not welcome or n % 9 == 4:
            continue
        answer = "No, sorry: not this year" if n in (7, 32) else "YES, happy to take part"
        reply(ms, "2026-01-13T10:00:00Z", addr, welcome, answer, f"consent-{n}")
        (no if answer.startswith("No") else yes).append(addr)
    nomd_at(conf, "2026-01-20T09:00:00Z")

    # After the close: pairs, then an event for everyone who confirmed.
    nomd_at(conf, "2026-02-01T09:00:00Z")
    nomctl_at(conf, "2026-02-02T09:00:00Z", "pair", "--commit")
    nomd_at(conf, "2026-02-02T10:00:00Z")
    nomctl_at(conf, "2026-02-03T09:00:00Z", "event", "add", "--title", "Connect Network launch",
              "--start", "2026-03-03 10:00", "--duration", "3h", "--location", "Perth Concert Hall",
              "--audience", "all", "--capacity", "80")
    nomd_at(conf, "2026-02-03T10:00:00Z")
    ms.wait_queue_empty(timeout=180)
    going = 0
    for n, addr in enumerate(yes):
        invite = latest(ms, addr, r"(?i)invitation|launch")
        if not invite or n % 3 == 2:
            continue
        accept = n % 5 != 1
        reply(ms, "2026-02-04T11:00:00Z", addr, invite,
              "Yes, I will be there" if accept else "Sorry, I can't make that date", f"rsvp-{n}")
        going += accept
    nomd_at(conf, "2026-02-05T09:00:00Z")

    # Day 14 of the pairs: asked whether they have met. Pairs answer over
    # three days (most at once), a digest each morning; some have not met,
    # a few say nothing; a question about the event comes on the last day.
    nomd_at(conf, "2026-02-16T09:00:00Z")
    ms.wait_queue_empty(timeout=180)
    pairs = json.loads(nomctl_at(conf, "2026-02-16T09:30:00Z", "pairs", "--format", "json").stdout)
    words = ["MET - a good first chat over Teams", "Yes, we met on Monday", "Met, thanks",
             "Met in Stirling last week"]
    for day in (16, 17, 18):
        if day > 16:
            nomd_at(conf, f"2026-02-{day}T08:05:00Z")  # the morning's digest
        for k, p in enumerate(pairs):
            if (16 if k % 20 < 11 else 17 if k % 20 < 17 else 18) != day or k % 16 == 7:
                continue
            both = [p["member"], p["mentor"]] if k % 2 == 0 else [p["member"]]
            for who in both:
                ask = latest(ms, who, r"met yet\?")
                if ask:
                    text = "NOT YET - our diaries have not matched so far" if k % 9 == 4 else words[k % 4]
                    reply(ms, f"2026-02-{day}T10:00:00Z", who, ask, text, f"met-{k}-{who.split('@')[0]}")
        if day == 18:
            invite = latest(ms, yes[1], r"(?i)invitation")
            if invite:
                reply(ms, "2026-02-18T14:00:00Z", yes[1], invite, "Could I bring a colleague from our HR team along?",
                      "rsvp-question")
            break  # the last day's mail waits for the pass that sends the digest
        nomd_at(conf, f"2026-02-{day}T17:00:00Z")
    ms.wait_queue_empty(timeout=120)
    return conf, {"people": len(people), "yes": len(yes), "no": len(no), "going": going}
