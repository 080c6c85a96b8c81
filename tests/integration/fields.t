#!/usr/bin/python3
# A programme's own fields (programme.fields), on the real Dovecot and
# Postfix: a choice that is required, a long text with a word limit and
# synonyms, a number. Forms come in by mail; each nominee is accepted or
# refused with the field named in the reply (a choice not offered, one
# left out, too many words, not a number); the values are stored and
# `nomctl export` and the workbook have a column for each; an amendment
# replaces a value; `nomctl forget` erases them; a definition with a
# mistake is refused at FILE:LINE by --check-config.
import csv
import io
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, OWN_FIELDS, form_message, nomctl, nomctl_json, nomd, parse_mail,  # noqa: E402
                      text_of, with_fields, workdir, write_config)





def block(role, name, email, *lines):
    return "\n".join([role, f"Name: {name}", f"Email: {email}", *lines]) + "\n\n"


work = workdir("nomd-fields-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = with_fields(write_config(ms, work))
    r = nomd(conf, "--check-config")
    tap.ok(r.returncode == 0 and "configuration OK" in r.stdout, f"the definition is taken ({r.stderr.strip()})")
    body = ("Organisation: Fife Council\n\n"
            + block("Member", "Alex Morgan", "alex@fife.example", "Category: digital",
                    "Citation: Alex rebuilt the pothole reporting service.", "It now answers within a day.", "",
                    "Residents noticed: complaints fell by half.", "Team size: 4")
            + block("Member", "Sam Ali", "sam@fife.example", "Category: Gardening")
            + block("Mentor", "Jo Smith", "jo@fife.example", "Citation: forgot the category")
            + block("Mentor", "Pat Reid", "pat@fife.example", "Category: Innovation",
                    "Why they deserve it: " + " ".join(f"word{i}" for i in range(40)))
            + block("Mentor", "Kim Lowe", "kim@fife.example", "Category: Team of the Year", "Team size: about ten")
            + "Kind regards\nChief Executive\n")
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "fields-1@fife.example", body))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd takes the form")
    replies = [parse_mail(raw) for raw in ms.fetch("chief.executive@fife.example", expect=1, timeout=60)]
    reply = text_of(replies[0]) if replies else ""
    flat = " ".join(reply.split())
    tap.ok("Alex Morgan" in flat and "1 of 5 nominations have been accepted" in flat,
           "the reply: one of five accepted")
    for words, what in (('"Category: Gardening" is not one of the choices: Innovation; Digital; Team of the Year',
                         "a choice not offered, with the choices"),
                        ('the form needs "Category:" filled in', "a required field left out, by its label"),
                        ('"Citation:" has 40 words; the programme takes at most 30', "too long, and how long"),
                        ('"Team size:" takes a number', "not a number")):
        tap.ok(words in flat, f"the reply says {what}")
    if not all(w in flat for w in ("Gardening", "needs", "40 words", "takes a number")):
        tap.diag(reply)

    rows = {n["email"]: n for n in nomctl_json(conf, "export")}
    alex = rows.get("alex@fife.example", {})
    tap.is_((alex.get("category"), alex.get("team_size")), ("Digital", "4"),
            "export: a column per field, the choice as the programme spells it")
    tap.is_(alex.get("citation"), "Alex rebuilt the pothole reporting service. It now answers within a day.\n\n"
            "Residents noticed: complaints fell by half.", "the citation whole, over lines and a paragraph")
    tap.is_({e: rows[e]["reason"] for e in rows if e != "alex@fife.example"},
            {"sam@fife.example": "not_a_choice", "jo@fife.example": "field_missing",
             "pat@fife.example": "too_long", "kim@fife.example": "not_a_number"}, "each refusal's code")
    r = nomctl(conf, "export", "--format", "csv")
    header = r.stdout.splitlines()[0] if r.stdout else ""
    tap.ok(header.endswith("undeliverable,category,citation,team_size"), f"CSV columns end with the fields: {header}")

    # An amendment: Alex again with another category keeps the citation.
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "fields-2@fife.example",
                                             block("Member", "Alex Morgan", "alex@fife.example",
                                                   "Category: Innovation")))
    nomd(conf, "--once")
    alex = {n["email"]: n for n in nomctl_json(conf, "export")}.get("alex@fife.example", {})
    tap.ok(alex.get("category") == "Innovation" and alex.get("citation", "").startswith("Alex rebuilt"),
           "an amendment replaces the value given and keeps the others")

    try:
        import openpyxl
        out = os.path.join(work, "report.xlsx")
        nomctl(conf, "report", "--output", out)
        sheet = openpyxl.load_workbook(out)["Nominees"]
        head = [c.value for c in sheet[1]]
        tap.ok(head[-3:] == ["category", "citation", "team_size"], f"the workbook's Nominees sheet too ({head[-3:]})")
    except ImportError:
        tap.skip("python3-openpyxl is not installed")

    # The digest's CSV of current nominees has the fields too.
    csv_conf = os.path.join(work, "csv.conf")
    with open(conf) as f, open(csv_conf, "w") as g:
        g.write(f.read().replace('digest = "off";', 'digest = "off"; digest_attachment = "csv";'))
    os.chmod(csv_conf, 0o600)
    r = nomctl(csv_conf, "digest", "--send")
    nomd(csv_conf, "--once")
    staff = [parse_mail(raw) for raw in ms.fetch("programme-team@example.org", expect=1, timeout=60)]
    att = [a for m in staff for a in m.iter_attachments() if (a.get_filename() or "").endswith(".csv")]
    raw = att[0].get_content() if att else b""
    raw = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    tap.ok(rows and rows[0].keys() >= {"category", "citation", "team_size"} and "status" not in rows[0]
           and {r["email"] for r in rows} >= {"alex@fife.example"} and all(r["category"] for r in rows),
           f"the digest's CSV: current nominees, a column for each field ({list(rows[0].keys()) if rows else None})")

    # The blank form carries the fields, with what each takes; filled in
    # as people do (the citation on the lines under its label), it is read.
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@angus.example", "form-1@angus.example", "",
                                             subject="FORM"))
    nomd(conf, "--once")
    got = [m for m in map(parse_mail, ms.fetch("chief.executive@angus.example", expect=1, timeout=60))]
    blank = text_of(got[-1]).replace("\r\n", "\n") if got else ""
    tap.ok("Category: (Innovation, Digital or Team of the Year)" in blank
           and "Citation: (up to 30 words, on the lines below)" in blank and "Team size: (a number)" in blank
           and "{{" not in blank, "FORM: the blank form has the programme's fields and what they take")
    filled = blank[blank.index("Organisation:"):blank.index("Mentor 1")] if "Mentor 1" in blank else ""
    filled = (filled.replace("(your organisation's name)", "Angus Council")
              .replace("Name:\n", "Name: Lee Grant\n", 1).replace("Email:\n", "Email: lee@angus.example\n", 1)
              .replace("Category: (Innovation, Digital or Team of the Year)", "Category: Team of the Year")
              .replace("Citation: (up to 30 words, on the lines below)",
                       "Citation: (up to 30 words, on the lines below)\nLee led the bins round redesign.\n"
                       "Collections are now on time."))
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@angus.example", "form-2@angus.example", filled))
    nomd(conf, "--once")
    lee = {n["email"]: n for n in nomctl_json(conf, "export")}.get("lee@angus.example", {})
    tap.is_((lee.get("status"), lee.get("category"), lee.get("citation")),
            ("accepted", "Team of the Year", "Lee led the bins round redesign. Collections are now on time."),
            "the filled-in form: accepted, the hint left beside the label not taken for the citation")

    r = nomctl(conf, "forget", "alex@fife.example")
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    left = db.execute("SELECT count(*) FROM nominee_fields f JOIN nominees n ON n.id = f.nominee"
                      " WHERE n.email IS NULL").fetchone()[0]
    kept = db.execute("SELECT count(*) FROM nominee_fields").fetchone()[0]
    db.close()
    tap.ok(r.returncode == 0 and left == 0, f"forget erases the person's field values ({kept} others kept)")

    # Mistakes in a definition, at FILE:LINE.
    for name, fields, message in (
            ("dup", 'fields = ( { id = "a"; label = "Alpha"; }, { id = "b"; label = "alpha"; } );',
             r"field b: the label 'alpha' is taken already \(by a\)"),
            ("type", 'fields = ( { id = "a"; label = "A"; type = "date"; } );',
             "field a: type must be text, email, number, choice or long"),
            ("choices", 'fields = ( { id = "a"; label = "A"; type = "choice"; } );',
             "field a: choices go with type choice"),
            ("own", 'fields = ( { id = "email"; label = "Contact"; type = "text"; } );',
             "field email is nomd's own, of type email"),
            ("key", 'fields = ( { id = "a"; label = "A"; size = 3; } );', "unknown field setting 'size'")):
        bad = os.path.join(work, f"bad-{name}")
        os.makedirs(bad, exist_ok=True)
        own = OWN_FIELDS[OWN_FIELDS.index("fields"):OWN_FIELDS.rindex(");") + 2]
        c = with_fields(write_config(ms, bad), OWN_FIELDS.replace(own, fields))
        r = nomd(c, "--check-config", expect=78)
        tap.ok(r.returncode == 78 and re.search(r"nomd\.conf:\d+: " + message, r.stderr),
               f"refused at FILE:LINE: {r.stderr.strip()}")
tap.done()
