#!/usr/bin/python3
"""Writes tests/corpus/documents/: nominations sent the way councils send
them, as attached Word, Excel, OpenDocument and PDF files, each message
with its expectations (NN-name.json, see tests/corpus/README.md).

The documents come from the generators in tests/lib/documents.py and
tests/lib/documents_pdf.py (python3-docx, python3-openpyxl, python3-odf,
python3-xlwt, reportlab). Each accepted message's expected nominees are
the very people the document was made from, field by field: the same
nominees the equivalent text form gives.

    /usr/bin/python3 tests/tools/make_document_corpus.py [OUTDIR]

Run it again only to change the corpus: the documents differ byte for byte
from run to run (timestamps inside the packages), the outcomes do not."""
import email.message
import io
import re
import zipfile
import email.policy
import email.utils
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import documents  # noqa: E402
import documents_pdf  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "corpus", "documents")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODT = "application/vnd.oasis.opendocument.text"
XLS = "application/vnd.ms-excel"
PDF = "application/pdf"
OCTET = "application/octet-stream"

ORGS = {
    "highland": "The Highland Council",
    "fife": "Fife Council",
    "stirling": "Stirling Council",
    "angus": "Angus Council",
    "moray": "The Moray Council",
    "perth-kinross": "Perth and Kinross Council",
    "dundee-city": "Dundee City Council",
    "falkirk": "Falkirk Council",
    "east-lothian": "East Lothian Council",
    "midlothian": "Midlothian Council",
    "glasgow-city": "Glasgow City Council",
    "edinburgh": "City of Edinburgh Council",
    "aberdeen-city": "Aberdeen City Council",
    "aberdeenshire": "Aberdeenshire Council",
    "inverclyde": "Inverclyde Council",
    "orkney": "Orkney Islands Council",
}

FIRST = ["Alex", "Jordan", "Morgan", "Fiona", "Callum", "Isla", "Ruaridh", "Eilidh", "Niamh", "Hamish",
         "Catriona", "Lewis", "Mhairi", "Kenneth", "Shona", "Euan"]
LAST = ["MacLeod", "Fraser", "Robertson", "Campbell", "Stewart", "Paterson", "Duncan", "Munro", "Sinclair",
        "Cameron", "Grant", "Ross", "Gillies", "Murray", "Kerr", "Bain"]
MEMBER_JOBS = [("Graduate Policy Officer", "Policy and Performance", "corporate"),
               ("Trainee Planner", "Planning and Building Standards", "operational")]
MENTOR_JOBS = [("Head of Finance", "Finance", "strategic"),
               ("Service Manager, Roads", "Roads and Transport", "operational")]


def people_for(org_id, seed):
    """Two members and two mentors of the organisation, on its own domain."""
    out = []
    for i in range(4):
        first = FIRST[(seed * 3 + i) % len(FIRST)]
        last = LAST[(seed * 5 + i * 7) % len(LAST)]
        member = i < 2
        job, service, stype = (MEMBER_JOBS if member else MENTOR_JOBS)[i % 2]
        out.append({
            "role": "member" if member else "mentor",
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}@{org_id}.example",
            "job_title": job,
            "service": service,
            "service_type": stype,
            "years": 3 if member else 18 + i,
            "aspiration": "To lead a service team within five years" if member else "",
            "expertise": "" if member else "Budget planning and service redesign",
            "location": "Inverness" if member else "Perth",
            "format": "online" if member else "either",
        })
    return out


def docx_xxe_form(org, people):
    """The wide Word form, with a document type that declares an external
    entity (file:///etc/passwd) used in a paragraph of its own."""
    data = documents.docx_wide(org, people)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    decl_end = xml.index("?>") + 2
    root = re.search(r"<w:document\b", xml).start()
    xml = (xml[:decl_end] + '\n<!DOCTYPE w:document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n' +
           xml[root:])
    xml = xml.replace("<w:body>", "<w:body><w:p><w:r><w:t>Notes: &xxe;</w:t></w:r></w:p>", 1)
    return documents._replace_member(data, "word/document.xml", xml.encode())


def message(n, org_id, subject, body, attachments, sender=None):
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = sender or f"Office of the Chief Executive <chief.executive@{org_id}.example>"
    m["To"] = "Local Government Connect Network <nominations@example.org>"
    m["Subject"] = subject
    m["Date"] = email.utils.format_datetime(email.utils.localtime().replace(year=2026, month=11, day=24,
                                                                            hour=9, minute=n, second=0,
                                                                            microsecond=0))
    m["Message-ID"] = f"<documents-{n:02d}-{org_id}@{org_id}.example>"
    m.set_content(body)
    for data, ctype, filename in attachments:
        maintype, subtype = ctype.split("/", 1)
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return m


def nominees_expected(people):
    rows = []
    for p in people:
        rows.append({
            "email": p["email"], "role": p["role"], "status": "accepted", "reason": None,
            "name": p["name"], "job_title": p["job_title"], "service": p["service"],
            "service_type": p["service_type"], "years": p["years"],
        })
    return rows


def accepted(description, org_id, people, extra_contains=()):
    return {
        "description": description,
        "outcome": "accepted",
        "reasons": [],
        "warnings": [],
        "nominees": nominees_expected(people),
        "reply": True,
        "reply_contains": [f"on behalf of {ORGS[org_id]}", f"All {len(people)} nominations have been accepted.",
                           *extra_contains],
    }


COVER = ("Dear colleagues,\n\nPlease find attached {org}'s nominations for the Local Government Connect "
         "Network.\n\nKind regards,\n\nOffice of the Chief Executive\n")


def main():
    cases = []  # (slug, org_id, subject, attachments, expectation, sender)

    def add(slug, org_id, attachments, expectation, subject=None, sender=None, body=None):
        cases.append((slug, org_id, subject or f"Nominations from {ORGS[org_id]}", attachments, expectation,
                      sender, body))

    seed = 0

    def ppl(org_id):
        nonlocal seed
        seed += 1
        return people_for(org_id, seed)

    p = ppl("highland")
    add("highland-docx-sections", "highland",
        [(documents.docx_sections(ORGS["highland"], p), DOCX, "Highland nominations.docx")],
        accepted("Word form: a heading per person and a two-column table under each, the organisation in a "
                 "table row", "highland", p))
    p = ppl("fife")
    add("fife-docx-wide-table", "fife",
        [(documents.docx_wide(ORGS["fife"], p), DOCX, "LGCN nominations - Fife.docx")],
        accepted("Word document with one wide table: a header row and a row per person", "fife", p))
    p = ppl("stirling")
    add("stirling-xlsx-title-guidance", "stirling",
        [(documents.xlsx_sheet(ORGS["stirling"], p, title_row=True, guidance_sheet=True), XLSX,
          "Stirling_nominations.xlsx")],
        accepted("Excel workbook: a guidance sheet first, then a title row and blank rows above the header; "
                 "years as numbers", "stirling", p))
    p = ppl("angus")
    add("angus-xlsx-octet-stream", "angus",
        [(documents.xlsx_sheet(ORGS["angus"], p, title_row=False, guidance_sheet=False), OCTET,
          "nominations.xlsx")],
        accepted("Excel workbook sent as application/octet-stream", "angus", p))
    p = ppl("moray")
    add("moray-xls-legacy", "moray",
        [(documents_pdf.xls_sheet(ORGS["moray"], p), XLS, "Moray nominations.xls")],
        accepted("Legacy Excel 97-2003 workbook (.xls)", "moray", p))
    p = ppl("perth-kinross")
    add("perth-ods", "perth-kinross",
        [(documents.ods_sheet(ORGS["perth-kinross"], p), ODS, "nominations.ods")],
        accepted("OpenDocument spreadsheet (.ods)", "perth-kinross", p))
    p = ppl("dundee-city")
    add("dundee-odt", "dundee-city",
        [(documents.odt_sections(ORGS["dundee-city"], p), ODT, "Dundee nominations.odt")],
        accepted("OpenDocument text (.odt) form", "dundee-city", p))
    p = ppl("falkirk")
    add("falkirk-pdf-fillable", "falkirk",
        [(documents_pdf.pdf_fillable(ORGS["falkirk"], p), PDF, "Falkirk LGCN form.pdf")],
        accepted("Fillable PDF form (AcroForm fields, one section named only in the tooltips)", "falkirk", p))
    p = ppl("east-lothian")
    add("east-lothian-pdf-printed", "east-lothian",
        [(documents_pdf.pdf_printed(ORGS["east-lothian"], p), PDF, "East Lothian nominations.pdf")],
        accepted("The form printed to PDF: text lines", "east-lothian", p))
    add("midlothian-pdf-scanned", "midlothian",
        [(documents_pdf.pdf_scanned(), PDF, "scan0001.pdf")],
        {"description": "A scanned PDF: no text to read; the reply names the file and asks for the Word form "
                        "or the text in the body",
         "outcome": "rejected", "reasons": ["document_no_text"], "warnings": [], "nominees": [], "reply": True,
         "reply_contains": ["scan0001.pdf"]})
    add("glasgow-docx-corrupt", "glasgow-city",
        [(documents.docx_corrupt(), DOCX, "nominations.docx")],
        {"description": "A damaged Word file: rejected, the reply names it and says what to send instead",
         "outcome": "rejected", "reasons": ["document_unreadable"], "warnings": [], "nominees": [],
         "reply": True, "reply_contains": ["nominations.docx"]})
    add("edinburgh-zip-bomb", "edinburgh",
        [(documents.zip_bomb_docx(), DOCX, "nominations.docx")],
        {"description": "A zip bomb dressed as a Word file: held for staff as too_complex, no reply",
         "outcome": "held", "reasons": ["too_complex"], "warnings": [], "nominees": [], "reply": False})
    p = ppl("aberdeen-city")
    add("aberdeen-docx-xxe", "aberdeen-city",
        [(docx_xxe_form(ORGS["aberdeen-city"], p), DOCX, "nominations.docx")],
        dict(accepted("A Word form whose XML declares an external entity (file:///etc/passwd) and uses it in a "
                      "cell: read without the entity", "aberdeen-city", p), reply_lacks=["root:"]))
    add("aberdeenshire-xlsx-billion-laughs", "aberdeenshire",
        [(documents.xlsx_billion_laughs(), XLSX, "nominations.xlsx")],
        {"description": "Billion laughs in an Excel workbook's shared strings: never expanded; the workbook "
                        "cannot be read, and the reply says so",
         "outcome": "rejected", "reasons": ["document_unreadable"], "warnings": [], "nominees": [],
         "reply": True, "reply_contains": ["nominations.xlsx"], "reply_lacks": ["lollol"]})
    p = ppl("inverclyde")
    add("stranger-docx", "inverclyde",
        [(documents.docx_sections(ORGS["inverclyde"], p), DOCX, "nominations.docx")],
        {"description": "A good Word form from an address that is not Inverclyde's nominator: held, the "
                        "attachment bypasses nothing",
         "outcome": "held", "reasons": ["not_authorised"], "warnings": [], "nominees": [], "reply": False},
        sender="Helpful Person <someone@inverclyde-community.example>")
    p = ppl("orkney")
    add("orkney-docx-and-text", "orkney",
        [(documents.docx_sections(ORGS["orkney"], p[:2] + p[2:3]), DOCX, "members.docx"),
         (documents.docx_corrupt(), DOCX, "mentor.docx")],
        dict(accepted("Two attachments: one read, one damaged: the nominees of the first are taken and the "
                      "reply names the file that could not be read", "orkney", p[:3], ["mentor.docx"]),
             warnings=["unbalanced", "document_unread"]))

    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for n, (slug, org_id, subject, attachments, expectation, sender, body) in enumerate(cases, 1):
        m = message(n, org_id, subject, body or COVER.format(org=ORGS[org_id]), attachments, sender)
        with open(os.path.join(OUT, f"{n:02d}-{slug}.eml"), "wb") as f:
            f.write(m.as_bytes())
        with open(os.path.join(OUT, f"{n:02d}-{slug}.json"), "w") as f:
            json.dump(expectation, f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(f"make_document_corpus: {len(cases)} messages in {OUT}")


if __name__ == "__main__":
    main()
