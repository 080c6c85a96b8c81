#!/usr/bin/python3
# A programme's own fields in the Word form, on the real Dovecot and
# Postfix: FORM's reply attaches a nomination-form.docx made for the
# programme (nomd-reader --make-form with its definition, in a child): a
# row for each of its fields with what it takes (the choices, the word
# limit), no "lines below" for a long answer. Filled in as a person would
# in Word and sent back, it is read with the definition: the nominees
# are accepted with the values of the programme's fields (nomctl export
# columns), and a table of the programme's columns in a worksheet is read
# too. The made form is kept: a second FORM does not run the reader
# again (one note of it in the log).
import email.message
import email.policy
import io
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, form_message, nomctl_json, nomd, parse_mail, text_of,  # noqa: E402
                      with_fields, workdir, write_config)

try:
    import docx  # python3-docx
    import openpyxl  # python3-openpyxl
except ImportError as e:
    tap.skip_all("needs python3-docx and python3-openpyxl: %s" % e)

ANGUS = "chief.executive@angus.example"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEOPLE = {
    "Member 1": {"name": "Lee Grant", "email": "lee@angus.example", "category": "Team of the Year",
                 "citation": "Lee led the bins round redesign.", "team size": "12"},
    "Mentor 1": {"name": "Ann Hay", "email": "ann@angus.example", "category": "digital",
                 "citation": "Ann mentored three graduates."},
}

SPELT = {"Team of the Year": "Team of the Year", "digital": "Digital"}




def word_form(msg):
    for part in msg.iter_attachments():
        if (part.get_filename() or "") == "nomination-form.docx":
            return part.get_content_type(), part.get_payload(decode=True)
    return None, b""


def labelled_rows(doc):
    """(heading, row) for each row of the form's tables, under the last
    paragraph of text above it."""
    heading = None
    tables = {t._tbl: t for t in doc.tables}
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")).strip()
            heading = text or heading
        elif tag == "tbl" and child in tables:
            for row in tables[child].rows:
                yield heading, row


def rows_of(doc):
    """(heading, label, hint) for each labelled row, in order."""
    return [(heading, row.cells[0].text.strip(), row.cells[1].text.strip()) for heading, row in labelled_rows(doc)]


def fill(data):
    doc = docx.Document(io.BytesIO(data))
    written = 0
    for heading, row in labelled_rows(doc):
        label = row.cells[0].text.strip().lower()
        if label == "organisation":
            row.cells[1].text = "Angus Council"
            written += 1
        elif heading in PEOPLE and label in PEOPLE[heading]:
            row.cells[1].text = PEOPLE[heading][label]
            written += 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), written


def send_attached(ms, message_id, data, mime_type, filename):
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = f"Office of the Chief Executive <{ANGUS}>"
    m["To"] = INBOX_USER
    m["Subject"] = "Nominations"
    m["Message-ID"] = f"<{message_id}>"
    m["Date"] = "Thu, 26 Nov 2026 10:00:00 +0000"
    m.set_content("Please find attached our nominations.\n\nKind regards\n")
    maintype, subtype = mime_type.split("/")
    m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    ms.deliver_lmtp(INBOX_USER, m.as_bytes())


work = workdir("nomd-fields-docx-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = with_fields(write_config(ms, work))
    for n in (1, 2):
        ms.deliver_lmtp(INBOX_USER, form_message(ANGUS, f"form-{n}@angus.example", "", subject="FORM"))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "two FORM requests are answered")
    ms.wait_queue_empty(timeout=60)
    replies = [parse_mail(m) for m in ms.fetch(ANGUS, expect=2, timeout=60)]
    forms = [word_form(m) for m in replies]
    tap.ok(len(forms) == 2 and all(t == DOCX_TYPE for t, _ in forms) and forms[0][1] == forms[1][1],
           "each reply attaches nomination-form.docx, the same document")
    made = re.findall(r"made the programme's Word form", r.stderr)
    tap.ok(len(made) == 1 and "left out" not in r.stderr, f"the Word form is made once, not per mail ({len(made)})")
    data = forms[0][1] if forms else b""
    doc = docx.Document(io.BytesIO(data))
    rows = rows_of(doc)
    member = [(label, hint) for heading, label, hint in rows if heading == "Member 1"]
    mentor = [(label, hint) for heading, label, hint in rows if heading == "Mentor 5"]
    own = [("Category", "(Innovation, Digital or Team of the Year)"), ("Citation", "(up to 30 words)"),
           ("Team size", "(a number)")]
    tap.is_(member[-3:], own, "Member 1 ends with the programme's fields and what each takes")
    tap.is_(mentor[-3:], own, "so does the last mentor section")
    tap.ok(("Name", "") in member and ("Service type", "(corporate, strategic or operational)") in member,
           "nomd's own fields are still there")
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    tap.is_(headings, [f"Member {i}" for i in range(1, 6)] + [f"Mentor {i}" for i in range(1, 6)],
            "five sections of each role")
    text = text_of(replies[0]) if replies else ""
    tap.ok("Citation: (up to 30 words, on the lines below)" in text, "the text form in the body keeps its hints")

    filled, written = fill(data)
    tap.is_(written, 1 + sum(len(p) for p in PEOPLE.values()), "every answer cell the test fills exists")
    send_attached(ms, "filled@angus.example", filled, DOCX_TYPE, "nomination-form.docx")
    tap.is_(nomd(conf, "--once").returncode, 0, "the filled-in Word form is processed")
    got = {m["message_id"]: m for m in nomctl_json(conf, "messages")}.get("filled@angus.example", {})
    tap.is_((got.get("outcome"), got.get("reasons")), ("accepted", []), "accepted, every nominee")
    rows = {n["email"]: n for n in nomctl_json(conf, "export")}
    for heading, p in PEOPLE.items():
        row = rows.get(p["email"], {})
        tap.is_((row.get("status"), row.get("role"), row.get("category"), row.get("citation"), row.get("team_size")),
                ("accepted", heading.split()[0].lower(), SPELT[p["category"]], p["citation"], p.get("team size")),
                f"{heading}: the programme's fields as filled in, the choice as the programme spells it")

    # A worksheet of the programme's columns.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Organisation", "Angus Council"])
    sheet.append(["Member or mentor", "Name", "Email", "Category", "Why they deserve it", "Team size"])
    sheet.append(["Mentee", "Rae Bell", "rae@angus.example", "Innovation", "Rae started the repair cafe.", 3])
    out = io.BytesIO()
    book.save(out)
    send_attached(ms, "sheet@angus.example", out.getvalue(), XLSX_TYPE, "nominations.xlsx")
    tap.is_(nomd(conf, "--once").returncode, 0, "the worksheet is processed")
    rae = {n["email"]: n for n in nomctl_json(conf, "export")}.get("rae@angus.example", {})
    tap.is_((rae.get("status"), rae.get("category"), rae.get("citation"), rae.get("team_size")),
            ("accepted", "Innovation", "Rae started the repair cafe.", "3"),
            "a worksheet's columns of the programme's fields are read into them")
tap.done()
