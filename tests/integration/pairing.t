#!/usr/bin/python3
# Pairing end to end on a real Dovecot and Postfix: nominations from three
# councils, consent by YES replies, `nomctl pair --dry-run` and `--commit`,
# then both notices read from the mentor's and the member's own mailboxes
# (and the staff copy); withdrawing a paired person tells the partner, and
# a second run pairs only the unpaired.
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import confirm_reply, confirmation_request, INBOX_USER, form_message, nomctl, nomctl_json, nomd, section, write_config, workdir  # noqa: E402
from nomdtest import parse_mail as parse, text_of  # noqa: E402

FIFE = "chief.executive@fife.example"
ANGUS = "chief.executive@angus.example"
MORAY = "chief.executive@moray.example"
STAFF = "programme-team@example.org"


def say_yes(ms, who, n):
    """Answer the welcome in `who`'s mailbox with YES."""
    w = [parse(m) for m in ms.fetch(who, expect=1, timeout=60)]
    w = [m for m in w if m["Subject"].startswith("Welcome to the")][0]
    raw = (f"From: {who}\r\nTo: {INBOX_USER}\r\nSubject: Re: {w['Subject']}\r\nMessage-ID: <yes-{n}@x.example>\r\n"
           f"In-Reply-To: {w['Message-ID']}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nYes\r\n")
    ms.deliver_lmtp(INBOX_USER, raw.encode())


work = workdir("nomd-pairing-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, extra="pairing = { copy_staff = true; };")
    people = {
        # Fife: a finance member and an HR mentor.
        "fm@fife.example": ("Member", "Fiona Member", dict(job_title="Graduate Accountant", service="Finance",
                                                            service_type="corporate",
                                                            aspiration="Head of Finance")),
        "ft@fife.example": ("Mentor", "Frank Mentor", dict(job_title="Head of HR", service="Human Resources",
                                                           service_type="corporate",
                                                           expertise="workforce planning")),
        # Angus: an HR member and a finance mentor.
        "am@angus.example": ("Member", "Aileen Member", dict(job_title="HR Adviser", service="Human Resources",
                                                             service_type="corporate",
                                                             aspiration="Head of HR, workforce planning")),
        "at@angus.example": ("Mentor", "Angus Mentor", dict(job_title="Head of Finance", service="Finance",
                                                            service_type="corporate", expertise="budgets")),
        # Moray: a member with no consent yet.
        "mm@moray.example": ("Member", "Morven Member", dict(job_title="Planner")),
    }
    by_org = {}
    for addr, (role, name, fields) in people.items():
        by_org.setdefault(addr.split("@")[1], []).append(section(role, name, addr, **fields))
    for i, (dom, sections) in enumerate(sorted(by_org.items())):
        ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{dom}", f"nom-{i}@{dom}", "".join(sections)))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nominations processed")
    for n, who in enumerate(("fm@fife.example", "ft@fife.example", "am@angus.example", "at@angus.example")):
        say_yes(ms, who, n)
    nomd(conf, "--once")
    export = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_(sorted(e for e, n in export.items() if n["consent"] == "confirmed"),
            ["am@angus.example", "at@angus.example", "fm@fife.example", "ft@fife.example"], "four said YES")

    # The preview changes nothing and explains itself.
    r = nomctl(conf, "pair", "--dry-run")
    tap.is_(r.returncode, 0, "pair --dry-run exits 0")
    tap.ok("2 pair(s) proposed" in r.stdout, "the table proposes two pairs")
    tap.ok(re.search(r"mm@moray.example.*consent pending", r.stdout), "Morven left out: consent pending")
    r = nomctl(conf, "pair", "--dry-run", "--format", "json")
    plan = json.loads(r.stdout) if r.returncode == 0 else []
    pairs = sorted((p["member"], p["mentor"]) for p in plan if p["kind"] == "pair")
    tap.is_(pairs, [("am@angus.example", "ft@fife.example"), ("fm@fife.example", "at@angus.example")],
            "each member gets the mentor from the other council whose post they aspire to")
    tap.ok(all(p["why"] and p["score"] > 0 for p in plan if p["kind"] == "pair"), "each pair has a score and reasons")
    tap.is_(nomctl_json(conf, "pairs"), [], "a dry run records nothing")
    r = nomctl(conf, "pair", "--dry-run", "--format", "csv")
    tap.ok(r.stdout.startswith("kind,member,member_organisation,mentor"), "CSV has a header")
    r = nomctl(conf, "pair", expect=64)
    tap.is_(r.returncode, 64, "pair without --dry-run or --commit is a usage error")

    # A ban changes the plan: with Frank forbidden for Aileen, no pair
    # across councils is left for her.
    r = nomctl(conf, "pair", "--dry-run", "--format", "json", "--forbid", "am@angus.example", "ft@fife.example")
    plan = json.loads(r.stdout) if r.returncode == 0 else []
    tap.is_(sorted((p["member"], p["mentor"]) for p in plan if p["kind"] == "pair"),
            [("fm@fife.example", "at@angus.example")], "--forbid is honoured")

    r = nomctl(conf, "pair", "--commit")
    tap.is_(r.returncode, 0, "pair --commit exits 0")
    tap.ok("2 pair(s) recorded; 4 notice(s) queued" in r.stderr, "two pairs, four notices")
    recorded = nomctl_json(conf, "pairs")
    tap.is_(sorted((p["member"], p["mentor"]) for p in recorded), pairs, "the committed pairs are the previewed ones")
    r = nomd(conf, "--once")

    # The notices, in the mentor's and the member's own mailboxes.
    def notices(who, expect):
        return [m for m in map(parse, ms.fetch(who, expect=expect, timeout=60)) if "pairing:" in m["Subject"]]

    to_mentor = notices("ft@fife.example", 3)
    to_member = notices("am@angus.example", 3)
    tap.is_(len(to_mentor), 1, "the mentor has one pairing notice")
    tap.is_(len(to_member), 1, "the member has one pairing notice")
    if to_mentor:
        t = text_of(to_mentor[0])
        tap.ok("Aileen Member" in to_mentor[0]["Subject"] and "Angus Council" in to_mentor[0]["Subject"],
               f"the mentor's notice names the member ({to_mentor[0]['Subject']})")
        tap.ok("am@angus.example" in t and "HR Adviser" in t and "Head of HR, workforce planning" in t,
               "with email, job title and aspiration")
        tap.is_(to_mentor[0]["Cc"], STAFF, "copied to staff")
    if to_member:
        t = text_of(to_member[0])
        tap.ok("Frank Mentor" in to_member[0]["Subject"] and "ft@fife.example" in t and "Head of HR" in t,
               "the member's notice introduces the mentor")
        tap.ok("Why we paired you:" in t, "and says why")
    ms.wait_queue_empty(timeout=60)
    staff = [m for m in map(parse, ms.fetch(STAFF)) if "pairing:" in m["Subject"]]
    tap.is_(len(staff), 4, "staff have a copy of each notice")

    # Re-running pairs only the unpaired: nothing left to pair now.
    r = nomctl(conf, "pair", "--commit")
    tap.ok(r.returncode == 0 and "0 pair(s) recorded" in r.stderr, "a second commit pairs nobody twice")

    # The member withdraws through staff: the pair ends, the mentor is told.
    r = nomctl(conf, "withdraw", "am@angus.example")
    tap.is_(r.returncode, 0, "nomctl withdraw exits 0")
    nomd(conf, "--once")
    ended = [m for m in map(parse, ms.fetch("ft@fife.example", expect=4, timeout=60)) if "has ended" in m["Subject"]]
    tap.is_(len(ended), 1, "the mentor is told the pairing has ended")
    tap.ok(ended and "Aileen Member" in ended[0]["Subject"], "naming the member who left")
    active = nomctl_json(conf, "pairs")
    tap.is_(sorted((p["member"], p["mentor"], p["ended_at"] is None) for p in active),
            [("am@angus.example", "ft@fife.example", False), ("fm@fife.example", "at@angus.example", True)],
            "the pair is ended, not deleted; the other stays")
    r = nomctl(conf, "withdraw", "nobody@fife.example", expect=65)
    tap.is_(r.returncode, 65, "withdrawing an unknown address: EX_DATAERR")

    # The nominator withdraws the other mentor with the WITHDRAW command.
    # Unauthenticated, it asks the nominator to confirm by reply first.
    ms.deliver_lmtp(INBOX_USER, form_message(ANGUS, "wd-1@angus.example", "", subject="WITHDRAW at@angus.example"))
    nomd(conf, "--once")
    request = confirmation_request(ms, ANGUS)
    tap.ok(request is not None, "the nominator is asked to confirm the WITHDRAW")
    if request is not None:
        ms.deliver_lmtp(INBOX_USER, confirm_reply(ANGUS, request, "wd-1-yes@angus.example"))
    nomd(conf, "--once")
    ended = [m for m in map(parse, ms.fetch("fm@fife.example", expect=3, timeout=60)) if "has ended" in m["Subject"]]
    tap.is_(len(ended), 1, "WITHDRAW of a paired mentor tells their member")

    # Frank is free again: with Morven confirmed he can be paired anew.
    say_yes(ms, "mm@moray.example", 9)
    nomd(conf, "--once")
    r = nomctl(conf, "pair", "--commit", "--format", "json")
    plan = json.loads(r.stdout) if r.returncode == 0 else []
    tap.is_(sorted((p["member"], p["mentor"]) for p in plan if p["kind"] == "pair"),
            [("mm@moray.example", "ft@fife.example")],
            "the next commit pairs only the unpaired: Morven with Frank (Fiona has no mentor from elsewhere)")
    tap.ok(any(p["kind"] == "unpaired" and p["member"] == "fm@fife.example" for p in plan),
           "Fiona is listed as unpaired, with why")

tap.done()
