#!/usr/bin/python3
# `nomctl forget` reaches every copy of a person with a non-ASCII name,
# by id: the reply to their nominator, their welcome, the pair notices,
# the staff digest (their row in its CSV attachment) and the notice telling
# their partner that the pair ended (their name only, no address). The
# outbox keeps the facts of each mail, rendered at delivery (sent as
# quoted-printable, RFC 2047 subjects and base64 CSV). Afterwards
# no table, no decoded outbox body and no byte of the rewritten database
# holds the name or address in any encoding. A reader holding the
# database open makes forget fail (its write-ahead log still has the old
# pages) until it can rewrite the file. The original messages that named
# the person leave the server's folders, unless --keep-mail. nomd's info
# lines name nobody.
import base64
import os
import quopri
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, form_message, nomctl, nomd, parse_mail, section, write_config,  # noqa: E402
                      workdir)

NAME = "Siobhán Ní Bhriain"
EMAIL = "Siobhan.NiBhriain@fife.example"
PARTNER = "pat@angus.example"
WORDS = [EMAIL.lower(), "nibhriain", "bhriain", "siobhán", "siobh\u0061\u0301n"]


def qp_nomination(sender, message_id, body, subject):
    """A nomination whose body is quoted-printable and subject RFC 2047."""
    head = (f"From: {sender}\r\nTo: {INBOX_USER}\r\n"
            f"Subject: =?utf-8?b?{base64.b64encode(subject.encode()).decode()}?=\r\n"
            f"Message-ID: <{message_id}>\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n")
    return head.encode() + quopri.encodestring(body.replace("\n", "\r\n").encode())


def encoded_forms(text):
    """The byte strings `text` becomes: UTF-8, quoted-printable (as in
    bodies and RFC 2047 Q words) and base64 at each of the three offsets
    it can start at (only the quanta that hold nothing but `text`)."""
    raw = text.encode()
    forms = {raw, quopri.encodestring(raw).rstrip(b"=\n"), raw.replace(b" ", b"_")}
    for k in range(3):
        b64 = base64.b64encode(b"\0" * k + raw)
        core = b64[4 if k else 0:len(b64) - 4]
        if len(core) >= 8:
            forms.add(core)
    return forms


def raw_traces(work):
    data = b""
    for suffix in ("", "-wal", "-journal"):
        path = os.path.join(work, "nomd.db" + suffix)
        if os.path.exists(path):
            data += open(path, "rb").read()
    found = []
    for text in (NAME, EMAIL, EMAIL.lower(), "Bhriain", "Siobhán", "NiBhriain"):
        for form in encoded_forms(text):
            if form in data:
                found.append(form.decode("latin-1"))
    return found


def decoded(raw):
    """Every header (decoded) and every part (decoded) of a stored mail, lower case."""
    msg = parse_mail(raw)
    out = [str(v) for _, v in msg.items()]
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        out.append(payload.decode("utf-8", "replace"))
    return "\n".join(out).lower()


def naming(db):
    """Outbox rows whose facts or decoded MIME (mail queued before facts)
    name the person."""
    rows = db.execute("SELECT id, body, facts FROM outbox WHERE length(body) > 0 OR facts IS NOT NULL").fetchall()
    return [i for i, body, facts in rows
            if any(w in (decoded(body) if body else "") + bytes(facts or b"").decode("utf-8", "replace").lower()
                   for w in WORDS)]


def table_traces(db):
    found = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in db.execute(f'SELECT * FROM "{table}"').fetchall():
            text = " ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row).lower()
            found += [f"{table}: {w}" for w in WORDS if w in text]
    return found


def message_ids(ms, folder):
    return [str(parse_mail(raw)["Message-ID"]).strip("<>") for raw in ms.fetch(INBOX_USER, folder)]


work = workdir("nomd-forget-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, extra="pairing = { require_consent = false; };")
    dbpath = os.path.join(work, "nomd.db")
    logs = ""
    ms.deliver_lmtp(INBOX_USER, qp_nomination("chief.executive@fife.example", "fife-1@fife.example",
                                              section("Member", NAME, EMAIL, job_title="Graduate Planner",
                                                      aspiration="Head of Planning") +
                                              section("Member", "Alex Morgan", "alex@fife.example"),
                                              f"Nomination of {NAME}"))
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@angus.example", "angus-1@angus.example",
                                             section("Mentor", "Pat Reid", PARTNER, job_title="Head of Planning")))
    r = nomd(conf, "--once")
    logs += r.stderr
    welcome = ms.fetch(EMAIL.lower(), expect=1, timeout=60)
    token = re.search(r"\[ref ([0-9a-f]{12})\]", str(parse_mail(welcome[0])["Subject"])) if welcome else None
    ms.deliver_lmtp(INBOX_USER, (f"From: =?utf-8?q?Siobh=C3=A1n_N=C3=AD_Bhriain?= <{EMAIL}>\r\n"
                                 f"To: {INBOX_USER}\r\nSubject: Re: Welcome [ref {token.group(1) if token else ''}]\r\n"
                                 "Message-ID: <consent-1@fife.example>\r\nContent-Type: text/plain\r\n\r\n"
                                 "Yes\r\n").encode())
    r = nomd(conf, "--once")
    logs += r.stderr
    r = nomctl(conf, "pair", "--commit")
    tap.ok(r.returncode == 0 and "1 pair(s) recorded" in r.stderr, f"the person is paired ({r.stderr.strip()})")
    r = nomctl(conf, "digest", "--send")
    tap.is_(r.returncode, 0, f"a digest is sent to staff ({r.stderr.strip()})")
    r = nomctl(conf, "withdraw", EMAIL)
    tap.is_(r.returncode, 0, f"the person withdraws; their partner is told ({r.stderr.strip()})")
    r = nomd(conf, "--once")
    logs += r.stderr
    partner_mail = ms.fetch(PARTNER, expect=3, timeout=60)  # welcome, pair, pair ended
    last = decoded(partner_mail[-1]) if len(partner_mail) == 3 else ""
    tap.ok("bhriain" in last and EMAIL.lower() not in last,
           "the partner is told the pair ended, with the person's name and not their address")

    # The log: message ids and nominee rows, never the person.
    info = [line for line in logs.splitlines() if ": debug: " not in line]
    leaks = [line for line in info if any(w in line.lower() for w in WORDS + ["siobhan"])]
    tap.is_(leaks, [], "nomd's info and warning lines carry neither the name nor the address")
    tap.ok(any("outcome=accepted" in line for line in info) and any("sent outbox #" in line for line in info),
           "while still saying what happened")

    db = sqlite3.connect(dbpath)
    before = naming(db)
    kinds = db.execute("SELECT group_concat(idem_key, ' ') FROM outbox WHERE id IN (%s)" %
                       ",".join(str(i) for i in before or [0])).fetchone()[0] or ""
    tap.ok(all(k in kinds for k in ("reply:", "welcome:", "digest:", "pair-ended:", "pair:")),
           f"before: the reply, welcome, pair notices, digest and pair-ended notice name the person ({kinds})")
    facts = db.execute("SELECT count(*) FROM outbox WHERE id IN (%s) AND facts IS NOT NULL AND length(body) = 0"
                       % ",".join(str(i) for i in before or [0])).fetchone()[0]
    tap.ok(before and facts == len(before),
           f"{facts} of the {len(before)} are kept as facts, not MIME: erasure finds them by id")
    db.close()
    tap.ok(raw_traces(work), "the database file holds the person before")
    processed = message_ids(ms, "Processed")
    tap.ok("fife-1@fife.example" in processed and "consent-1@fife.example" in processed,
           f"their nomination and their answer are in Processed ({processed})")

    # A reader keeps the write-ahead log's old pages: forget must not say it is done.
    reader = sqlite3.connect(dbpath, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM nominees").fetchone()
    r = nomctl(conf, "forget", EMAIL, expect=75)
    tap.ok(r.returncode != 0 and "write-ahead log" in r.stderr and "erased:" not in r.stdout,
           f"with a reader holding the database, forget fails and says why ({r.returncode}: {r.stderr.strip()})")
    reader.execute("ROLLBACK")
    reader.close()
    r = nomctl(conf, "forget", EMAIL)
    tap.is_(r.returncode, 0, f"run again once the reader is gone, it finishes ({r.stdout.strip()} {r.stderr.strip()})")

    db = sqlite3.connect(dbpath)
    tap.is_(naming(db), [], "no outbox body or subject names the person, decoded")
    tap.is_(table_traces(db), [], "no table holds the name or address")
    tap.is_(db.execute("PRAGMA integrity_check").fetchone()[0], "ok", "the database is intact")
    tap.ok(db.execute("SELECT count(*) FROM outbox WHERE length(body) > 0 OR facts IS NOT NULL").fetchone()[0] > 0,
           "mail about others keeps its content")
    db.close()
    tap.is_(raw_traces(work), [], "the database file holds no plain, quoted-printable or base64 form of them")

    processed = message_ids(ms, "Processed")
    tap.ok("fife-1@fife.example" not in processed and "consent-1@fife.example" not in processed,
           f"the messages that named them are gone from the server ({processed})")
    tap.ok("angus-1@angus.example" in processed, "others' messages stay")
    # Retention: what sent mail said is emptied after retain_days, facts too.
    db = sqlite3.connect(dbpath)
    with db:
        db.execute("UPDATE outbox SET sent_at = '2020-01-01T00:00:00Z' WHERE status = 'sent'")
    kept = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent' AND instr(facts, CAST('Pat Reid' AS BLOB)) > 0"
                      ).fetchone()[0]
    db.close()
    with open(conf) as f:
        text = f.read().replace("max_mentors = 5; };", "max_mentors = 5; retain_days = 30; };", 1)
    with open(conf, "w") as f:
        f.write(text)
    nomd(conf, "--once")
    db = sqlite3.connect(dbpath)
    left = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent' AND (facts IS NOT NULL OR length(body) > 0)"
                      ).fetchone()[0]
    db.close()
    tap.ok(kept > 0 and left == 0,
           f"retention empties the facts of old sent mail ({kept} naming the partner before, {left} kept after)")
    r = nomctl(conf, "forget", "--keep-mail", PARTNER)
    tap.ok(r.returncode == 0 and "angus-1@angus.example" in message_ids(ms, "Processed"),
           f"with --keep-mail the messages stay on the server ({r.stdout.strip()})")

tap.done()
