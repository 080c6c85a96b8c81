#!/usr/bin/python3
# The document reader with a programme's own form (nomd-reader --spec):
# table and worksheet columns follow its labels and roles ("Citation",
# "Individual or team"), a programme of one role needs no role column,
# the built-in form reads the same documents as before, and the blank
# Word form made with the spec has the programme's fields, hints and
# role headings and reads back, filled in, into the programme's lines.
# The spec is written here by hand, as parsers/form_spec.h describes its
# text; framed on standard input as parsers/document.h says.
import io
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tap  # noqa: E402

BUILD = os.environ.get("NOMD_BUILD") or os.path.join(HERE, "..", "..", "build")
READER = os.path.join(BUILD, "nomd-reader")
if not os.access(READER, os.X_OK):
    tap.bail_out("%s not built (make)" % READER)
try:
    import docx  # python3-docx
    import openpyxl  # python3-openpyxl
except ImportError as e:
    tap.skip_all("needs python3-docx and python3-openpyxl: %s" % e)

EX_DATAERR = 65

AWARDS = """[spec]
version=1

[role individual]
label=Individual
synonyms=person;

[role team]
label=Team

[field category]
label=Category
type=choice
choices=Innovation;Digital;Team of the Year;
required=true

[field citation]
label=Citation
type=long
synonyms=why they deserve it;
max_words=50

[field name]
label=Name
type=text

[field email]
label=Email
type=email
"""

# One role: the nominee. No job title, no role column.
NOMINEE = AWARDS.replace("[role individual]\nlabel=Individual\nsynonyms=person;\n\n[role team]\nlabel=Team\n",
                         "[role nominee]\nlabel=Nominee\n")


def frame(spec):
    data = spec.encode()
    return b"%d\n" % len(data) + data


def read(doc, spec=None, args=()):
    """(exit status, text) of nomd-reader on `doc`, with `spec` if given."""
    cmd = [READER] + list(args) + (["--spec"] if spec is not None else [])
    stdin = (frame(spec) if spec is not None else b"") + doc
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        tap.note("exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()))
    return p.returncode, p.stdout


def text(doc, spec=None):
    rc, out = read(doc, spec)
    return out.decode() if rc == 0 else "exit %d" % rc


def xlsx(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def word_table(rows, before=()):
    doc = docx.Document()
    for line in before:
        doc.add_paragraph(line)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# Two roles of the programme's own, in a worksheet.
sheet = xlsx([["Awards 2025 nominations"],
              ["Individual or team", "Name", "Email", "Category", "Why they deserve it", "Notes"],
              ["Team", "Bins Crew", "bins@fife.example", "Team of the Year", "On time, every time.", "late entry"],
              ["person", "Alex Morgan", "alex@fife.example", "Digital", "Rebuilt the pothole service."],
              ["Total", "2"]])
tap.is_(text(sheet, AWARDS),
        "Awards 2025 nominations\nTeam\nName: Bins Crew\nEmail: bins@fife.example\nCategory: Team of the Year\n"
        "Why they deserve it: On time, every time.\nNotes: late entry\n"
        "Individual\nName: Alex Morgan\nEmail: alex@fife.example\nCategory: Digital\n"
        "Why they deserve it: Rebuilt the pothole service.\n",
        "a worksheet: the programme's roles in a column that names both, its own labels, each row a section")
tap.is_(text(sheet), "", "the built-in form finds no header there: the sheet is left out, as before")

# One role: a header of field labels, no role column.
table = word_table([["Name", "Email", "Category", "Citation"],
                    ["Lee Grant", "lee@angus.example", "Innovation", "Led the bins round redesign."],
                    ["", "", "", "(a note under the table)"],
                    ["Kim Lowe", "kim@angus.example", "Digital", ""]],
                   before=["Organisation: Angus Council"])
tap.is_(text(table, NOMINEE),
        "Organisation: Angus Council\n"
        "Nominee\nName: Lee Grant\nEmail: lee@angus.example\nCategory: Innovation\n"
        "Citation: Led the bins round redesign.\n"
        "Nominee\nName: Kim Lowe\nEmail: kim@angus.example\nCategory: Digital\n",
        "one role: a Word table with a header of labels and no role column, each row with a name a nominee")
tap.is_(text(table),
        "Organisation: Angus Council\nName | Email | Category | Citation\n"
        "Lee Grant | lee@angus.example | Innovation | Led the bins round redesign.\n"
        "(a note under the table)\nKim Lowe | kim@angus.example | Digital\n",
        "the built-in form: the same table is rows of text, as before")
tap.is_(text(xlsx([["Type", "Name", "Email"], ["Nominee", "Pat Reid", "pat@x.example"],
                   ["Head of HR", "Jo Smith", "jo@x.example"]]), NOMINEE),
        "Nominee\nName: Pat Reid\nEmail: pat@x.example\nNominee\nType: Head of HR\nName: Jo Smith\n"
        "Email: jo@x.example\n",
        "one role: a role column's cell that names no role is a field of that row's nominee")
pairs = word_table([["Name", "Lee Grant"], ["Email", "lee@angus.example"], ["Citation", "Led the redesign."]],
                   before=["Nominee 1"])
tap.is_(text(pairs, NOMINEE), "Nominee 1\nName: Lee Grant\nEmail: lee@angus.example\nCitation: Led the redesign.\n",
        "one role: a two-column label | value table is not a header, it reads as lines")
tap.is_(text(xlsx([["Name", "Notes"], ["Lee", "x"]]), NOMINEE), "",
        "one role: a name column alone is no header (a lookup sheet)")

# What the reader refuses.
for bad, what in ((b"12x\n", "a frame that is not a number"), (b"999999999\n", "a frame past the cap"),
                  (b"40\n[spec]\n", "a frame longer than the input"),
                  (frame("[spec]\nversion=1\n"), "a spec without a role"),
                  (frame("[spec]\nversion=7\n[role a]\nlabel=A\n"), "another version")):
    p = subprocess.run([READER, "--spec"], input=bad + sheet, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    tap.ok(p.returncode == EX_DATAERR and p.stdout == b"" and p.stderr.count(b"\n") == 1,
           "refused: %s (%d: %s)" % (what, p.returncode, p.stderr.decode(errors="replace").strip()))
p = subprocess.run([READER, "--spec", "--spec"], input=b"", capture_output=True, timeout=60)
tap.is_(p.returncode, 64, "--spec twice: usage")
p = subprocess.run([READER, "--sections", "2"], input=b"", capture_output=True, timeout=60)
tap.is_(p.returncode, 64, "--sections without --make-form: usage")

# The blank Word form of a programme of one role.
BLANK = ("Organisation: (your organisation's name)\n\nNominee 1\nName:\nEmail:\n"
         "Category: (Innovation, Digital or Team of the Year)\nCitation: (up to 50 words, on the lines below)\n")
rc, form = read(BLANK.encode(), NOMINEE, ["--make-form", "--sections", "3"])
tap.is_(rc, 0, "--make-form --spec makes the form")
doc = docx.Document(io.BytesIO(form)) if rc == 0 else docx.Document()
headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
tap.is_(headings, ["Nominee 1", "Nominee 2", "Nominee 3"], "a heading per section, the role's label")
rows = [[c.text for c in row.cells] for t in doc.tables[1:2] for row in t.rows]
tap.is_(rows, [["Name", ""], ["Email", ""], ["Category", "(Innovation, Digital or Team of the Year)"],
               ["Citation", "(up to 50 words)"]],
        "a row per field, own ones too, each with its hint; a long answer's is its word limit")
rc, builtin = read(BLANK.encode(), None, ["--make-form"])
plain = docx.Document(io.BytesIO(builtin)) if rc == 0 else None
tap.ok(plain and not [p for p in plain.paragraphs if p.style.name.startswith("Heading")]
       and "Nominee 1" in [p.text for p in plain.paragraphs],
       "without the spec the same text has no sections: the built-in form knows no nominee")
if doc.tables:
    answers = doc.tables[1]
    for row, value in zip(answers.rows, ["Lee Grant", "lee@angus.example", "Innovation",
                                         "Led the bins round redesign."]):
        row.cells[1].text = value
    doc.tables[0].rows[0].cells[1].text = "Angus Council"
out = io.BytesIO()
doc.save(out)
tap.is_(text(out.getvalue(), NOMINEE),
        "Organisation: Angus Council\nNominee 1\nName: Lee Grant\nEmail: lee@angus.example\nCategory: Innovation\n"
        "Citation: Led the bins round redesign.\nNominee 2\nName\nEmail\n"
        "Category: (Innovation, Digital or Team of the Year)\nCitation: (up to 50 words)\n"
        "Nominee 3\nName\nEmail\nCategory: (Innovation, Digital or Team of the Year)\nCitation: (up to 50 words)\n",
        "filled in, it reads back into the programme's lines")
tap.done()
