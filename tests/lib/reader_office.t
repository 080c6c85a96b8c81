#!/usr/bin/python3
# The document reader on Word, Excel and OpenDocument nominations: each
# shape councils send, read by $NOMD_BUILD/nomd-reader (documents on
# standard input) into text that the real form reader (doc_dump form)
# turns into exactly the organisation and nominees written in it; and
# hostile packages (zip bomb, external entity, billion laughs, damage)
# refused or read harmlessly, within the address space nomd gives the
# reader (RLIMIT_AS 256 MiB; not under ASan, which reserves far more).
# .odt and .ods go through doc_dump's own dispatch until doc_read tells
# them from the package's mimetype.
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tap  # noqa: E402
import documents  # noqa: E402

BUILD = os.environ.get("NOMD_BUILD") or os.path.join(HERE, "..", "..", "build")
READER = os.path.join(BUILD, "nomd-reader")
DUMP = os.path.join(BUILD, "tests", "doc_dump")
for prog in (READER, DUMP):
    if not os.access(prog, os.X_OK):
        tap.bail_out("%s not built (make unit)" % prog)
try:
    import docx  # noqa: F401
    import openpyxl  # noqa: F401
    import odf  # noqa: F401
except ImportError as e:
    tap.skip_all("needs python3-docx, python3-openpyxl, python3-odf: %s" % e)

with open(READER, "rb") as f:
    SANITIZED = b"__asan_init" in f.read()
LIMIT_AS = 256 << 20

# statuses of parsers/document.h
DOC_EXIT_BASE = 80
DOC_UNREADABLE, DOC_TOO_COMPLEX = 1, 5


def limit():
    if not SANITIZED:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def read(data, fmt=None):
    """(exit status, text) of the reader on `data`: nomd-reader, or
    doc_dump's reader for `fmt`."""
    cmd = [READER] if fmt is None else [DUMP, "text", fmt]
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       preexec_fn=limit, timeout=120)
    if p.returncode != 0:
        tap.note("%s: exit %d: %s" % (os.path.basename(cmd[-1]), p.returncode,
                                       p.stderr.decode(errors="replace").strip()))
    return p.returncode, p.stdout.decode("utf-8")


def form(text):
    p = subprocess.run([DUMP, "form"], input=text.encode(), stdout=subprocess.PIPE, check=True, timeout=60)
    return p.stdout.decode("utf-8")


ORG = "Highland Council"
PEOPLE = [
    dict(role="member", name="Alex Smith", email="alex.smith@highland.example",
         job_title="Policy Officer", service="Corporate Policy", service_type="Corporate",
         years=3, aspiration="Head of Service", expertise="", location="Inverness",
         format="Online"),
    dict(role="mentor", name="Jo Brown", email="jo.brown@highland.example",
         job_title="Director of Finance", service="Finance", service_type="strategic",
         years=22, aspiration="", expertise="Budgets, scrutiny", location="Dingwall",
         format="In person"),
    dict(role="member", name="Sam O'Neil", email="sam.oneil@highland.example",
         job_title="Graduate Trainee", service="Roads", service_type="operational",
         years=1, aspiration="Engineer", expertise="", location="Fort William",
         format="Either"),
]
EXPECTED = documents.expected_form(ORG, PEOPLE)


def reads_as_form(what, data, fmt=None, lines=()):
    rc, text = read(data, fmt)
    tap.is_(rc, 0, "%s: read" % what)
    tap.is_(form(text), EXPECTED, "%s: the form reader finds the organisation and the %d nominees"
            % (what, len(PEOPLE)))
    for line in lines:
        tap.ok(("\n" + text).count("\n" + line + "\n") >= 1, "%s: has the line %r" % (what, line))
    return text


# Word, shape (a): a heading per person and a two-column table.
text = reads_as_form("docx, sections", documents.docx_sections(ORG, PEOPLE),
                     lines=["Council / organisation: Highland Council", "Member 1", "Name: Alex Smith",
                            "Mentor 1", "Years in local government: 22"])
tap.is_(text.splitlines()[:3], ["Mentoring programme: nomination form",
                                 "Council / organisation: Highland Council", "Member 1"],
        "docx, sections: text in document order")
reads_as_form("docx, sections, organisation in a paragraph",
              documents.docx_sections(ORG, PEOPLE, org_in="paragraph"),
              lines=["Organisation: Highland Council"])
text = reads_as_form("docx, sections, organisation in the page header",
                     documents.docx_sections(ORG, PEOPLE, org_in="header"))
tap.is_(text.splitlines()[0], "Organisation: Highland Council", "docx: the header comes before the body")

# Word, shape (b): one wide table, a row per person.
text = reads_as_form("docx, wide table", documents.docx_wide(ORG, PEOPLE),
                     lines=["Organisation: Highland Council", "Member", "Full name: Alex Smith",
                            "Mentor", "Email: jo.brown@highland.example"])
tap.ok("Member or mentor:" not in text, "docx, wide table: the role column is the heading, not a field")

# OpenDocument text.
reads_as_form("odt, sections", documents.odt_sections(ORG, PEOPLE), fmt="odt",
              lines=["Organisation: Highland Council", "Member 2", "Name: Sam O'Neil"])

# Excel: a guidance sheet, a title row and blank rows above the header,
# shared strings (one in rich text runs), a gap column, years as "3.0",
# styled empty rows below.
text = reads_as_form("xlsx", documents.xlsx_sheet(ORG, PEOPLE),
                     lines=["Mentoring programme nominations", "Organisation: Highland Council",
                            "Full name: Alex Smith", "Years in local government: 3",
                            "Years in local government: 22"])
tap.ok("3.0" not in text and "22.0" not in text, "xlsx: whole numbers read as 3, not 3.0")
tap.ok("What to enter" not in text and "as they use it" not in text,
       "xlsx: the guidance sheet (no header row) is left out")
tap.ok("FURU" not in text, "xlsx: a phonetic reading is not text")
tap.ok(text.endswith("Preferred format: Either\n"), "xlsx: empty rows after the people write nothing")
reads_as_form("xlsx without title row or guidance",
              documents.xlsx_sheet(ORG, PEOPLE, title_row=False, guidance_sheet=False))

# OpenDocument spreadsheet: float cells, a million repeated empty rows.
text = reads_as_form("ods", documents.ods_sheet(ORG, PEOPLE), fmt="ods",
                     lines=["Years in local government: 3", "Full name: Jo Brown"])
tap.ok("3.00" not in text, "ods: a float cell reads as its value, not its display text")
tap.ok(text.endswith("Preferred format: Either\n"), "ods: the repeated empty rows write nothing")

# Damaged and hostile packages.
rc, text = read(documents.docx_corrupt())
tap.is_(rc, DOC_EXIT_BASE + DOC_UNREADABLE, "a .docx cut short is unreadable")
rc, text = read(b"PK\x03\x04" + b"\x00" * 100)
tap.is_(rc, DOC_EXIT_BASE + DOC_UNREADABLE, "a ZIP signature and nothing else is unreadable")

rc, text = read(documents.zip_bomb_docx())
tap.is_(rc, DOC_EXIT_BASE + DOC_TOO_COMPLEX, "a zip bomb (1 GiB from 1 MB) is too complex%s"
        % ("" if SANITIZED else ", within 256 MiB of address space"))

rc, text = read(documents.docx_many_members())
tap.is_(rc, DOC_EXIT_BASE + DOC_TOO_COMPLEX, "a package of over 2000 members is too complex")
rc, text = read(documents.docx_deep_folders())
tap.is_(rc, DOC_EXIT_BASE + DOC_TOO_COMPLEX, "a member 40 folders down is too complex")

rc, text = read(documents.docx_xxe())
tap.is_((rc, text.splitlines()), (0, ["Organisation:", "Member 1", "Name: Alex"]),
        "an external entity: the document reads as text without the entity")
tap.ok("root:" not in text, "an external entity: /etc/passwd is not read")

rc, text = read(documents.xlsx_billion_laughs())
tap.ok(rc in (0, DOC_EXIT_BASE + DOC_UNREADABLE, DOC_EXIT_BASE + DOC_TOO_COMPLEX),
       "billion laughs: read or refused, no crash (exit %d)%s"
       % (rc, "" if SANITIZED else ", within 256 MiB of address space"))
tap.ok("lollollol" not in text, "billion laughs: no entity expanded")

tap.done()
