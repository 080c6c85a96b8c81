#!/usr/bin/python3
# The blank form as a Word file, round trip: a nominator sends FORM, the
# reply carries nomination-form.docx; they fill it in as a person would in
# Word (python3-docx writes into the answer cells, leaving the spare
# sections blank) and send it back attached to "please find attached". Every
# nominee filled in is accepted with every field, and nothing from the
# spare sections. Through Postfix, Dovecot and nomd, with the real reader.
import email.message
import email.policy
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl_json, nomd, parse_mail, write_config, workdir  # noqa: E402

try:
    import docx  # python3-docx
except ImportError:
    tap.skip_all("python3-docx is not installed (scripts/install-deps.sh installs it)")

FIFE = "chief.executive@fife.example"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PEOPLE = {
    "Member 1": {"name": "Alex Morgan", "email": "alex.morgan@fife.example", "job title": "Graduate Policy Officer",
                 "service": "Policy and Performance", "service type": "corporate",
                 "years in local government": "2", "aspiration": "To manage a policy team",
                 "location": "Glenrothes", "format": "online"},
    "Member 2": {"name": "Sam Ali", "email": "sam.ali@fife.example", "job title": "Trainee Planner",
                 "service": "Planning", "service type": "operational", "years in local government": "1"},
    "Mentor 1": {"name": "Joanna Smith", "email": "joanna.smith@fife.example", "job title": "Head of Finance",
                 "service": "Finance", "service type": "strategic", "years in local government": "22",
                 "expertise": "Budgets and service redesign", "format": "either"},
    "Mentor 2": {"name": "Rory Bain", "email": "rory.bain@fife.example", "job title": "Roads Manager",
                 "service": "Roads", "service type": "operational", "years in local government": "17"},
}


def docx_attachments(msg):
    out = []
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        if name.endswith(".docx"):
            out.append((name, part.get_content_type(), part.get_payload(decode=True)))
    return out


def fill(data):
    """Fill the form as a person would: the organisation, then the answer
    cell of each labelled row under the headings in PEOPLE. Returns the
    document and the number of cells written."""
    doc = docx.Document(io.BytesIO(data))
    heading, written = None, 0
    body = doc.element.body
    tables = {t._tbl: t for t in doc.tables}
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")).strip()
            if text:
                heading = text
        elif tag == "tbl" and child in tables:
            for row in tables[child].rows:
                cells = row.cells
                if len(cells) < 2:
                    continue
                label = cells[0].text.strip().rstrip(":").lower()
                if label in ("organisation", "organization", "council / organisation", "council"):
                    cells[1].text = "Fife Council"
                    written += 1
                elif heading in PEOPLE and label in PEOPLE[heading]:
                    cells[1].text = PEOPLE[heading][label]
                    written += 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), written


def headings(data):
    doc = docx.Document(io.BytesIO(data))
    return [p.text.strip() for p in doc.paragraphs if p.text.strip()[:6] in ("Member", "Mentor")]


work = workdir("nomd-form-docx-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    ms.deliver_lmtp(INBOX_USER, form_message(FIFE, "form-request@fife.example", "Could you send the form?\n",
                                             subject="FORM"))
    tap.is_(nomd(conf, "--once").returncode, 0, "the FORM request is processed")
    ms.wait_queue_empty(timeout=60)
    replies = [parse_mail(m) for m in ms.fetch(FIFE, expect=1, timeout=60)]
    reply = next((m for m in replies if m["In-Reply-To"] == "<form-request@fife.example>"), None)
    tap.ok(reply is not None, "the form reply arrives")
    attached = docx_attachments(reply) if reply else []
    tap.is_([(n, t) for n, t, _ in attached], [("nomination-form.docx", DOCX_TYPE)],
            "it attaches nomination-form.docx as a Word document")
    data = attached[0][2] if attached else b""
    try:
        found = headings(data)
    except Exception as e:  # a document python3-docx cannot open fails here
        tap.diag(f"python3-docx: {e}")
        found = []
    tap.is_(found, [f"Member {i}" for i in range(1, 6)] + [f"Mentor {i}" for i in range(1, 6)],
            "it opens in python3-docx with five Member and five Mentor sections")

    filled, written = fill(data) if found else (b"", 0)
    tap.is_(written, 1 + sum(len(p) for p in PEOPLE.values()), "every answer cell the test fills exists")
    back = email.message.EmailMessage(policy=email.policy.SMTP)
    back["From"] = f"Office of the Chief Executive <{FIFE}>"
    back["To"] = INBOX_USER
    back["Subject"] = "RE: FORM"
    back["Message-ID"] = "<form-filled@fife.example>"
    back["Date"] = "Thu, 26 Nov 2026 10:00:00 +0000"
    back.set_content("Dear colleagues,\n\nPlease find attached our nominations.\n\nKind regards\n")
    back.add_attachment(filled, maintype="application", subtype=DOCX_TYPE.split("/")[1],
                        filename="nomination-form.docx")
    ms.deliver_lmtp(INBOX_USER, back.as_bytes())
    tap.is_(nomd(conf, "--once").returncode, 0, "the filled-in form is processed")
    got = {m["message_id"]: m for m in nomctl_json(conf, "messages")}.get("form-filled@fife.example", {})
    tap.is_((got.get("outcome"), got.get("reasons")), ("accepted", []), "accepted, every nominee")
    rows = {n["email"]: n for n in nomctl_json(conf, "export") if n.get("message_id") == "form-filled@fife.example"}
    want = {p["email"] for p in PEOPLE.values()}
    tap.is_(set(rows), want, "exactly the four people filled in, nothing from the spare sections")
    for heading, p in PEOPLE.items():
        row = rows.get(p["email"], {})
        have = {"role": row.get("role"), "name": row.get("name"), "job_title": row.get("job_title"),
                "service": row.get("service"), "service_type": row.get("service_type"),
                "years": str(row.get("years"))}
        expect = {"role": heading.split()[0].lower(), "name": p["name"], "job_title": p["job title"],
                  "service": p["service"], "service_type": p["service type"],
                  "years": p["years in local government"]}
        tap.is_(have, expect, f"{heading}: every field as filled in")

tap.done()
