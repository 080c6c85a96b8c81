"""Nomination forms as office documents, for the document reader's tests.

Every generator returns the document's bytes. Made with Debian's
python3-docx, python3-openpyxl and python3-odf (run with /usr/bin/python3);
the hostile ones are put together by hand with zipfile and struct.

people: a list of dicts with the keys role ('member' or 'mentor'), name,
email, job_title, service, service_type, years (int), aspiration,
expertise, location, format; an empty string is a field left blank.

    docx_sections(org, people)   "Member 1" heading, then a two-column table
                                 per person; the organisation in a table row
                                 "Council / organisation" (org_in="paragraph":
                                 "Organisation: X"; "header": in the page header)
    docx_wide(org, people)       one table, a header row and a row per person
    odt_sections(org, people)    as docx_sections, OpenDocument text
    xlsx_sheet(org, people, title_row=True, guidance_sheet=True)
                                 a title row and blank rows above the
                                 organisation and the header, a guidance sheet
                                 first, styled empty rows after the people
    ods_sheet(org, people)       a sheet, with the million repeated empty rows
                                 LibreOffice writes
    docx_corrupt()               a .docx cut short
    zip_bomb_docx()              word/document.xml inflates to over 1 GiB
    docx_xxe()                   an external entity (file:///etc/passwd) in
                                 the text
    docx_many_members(), docx_deep_folders()
                                 2100 members more; a member 40 folders down
    xlsx_billion_laughs()        nested entities in sharedStrings.xml

expected_form(org, people) is what the form reader should make of any of
them (the lines tests/tools/doc_dump prints with "form").
"""

import io
import re
import struct
import zipfile
import zlib

# The labels a council's form uses, by field; each is a label the form
# reader knows.
SECTION_LABELS = [
    ("name", "Name"),
    ("email", "Email address"),
    ("job_title", "Job title"),
    ("service", "Service area"),
    ("service_type", "Service type"),
    ("years", "Years in local government"),
    ("aspiration", "Career aspiration"),
    ("expertise", "Areas of expertise"),
    ("location", "Location"),
    ("format", "Preferred format"),
]
WIDE_LABELS = [
    ("name", "Full name"),
    ("email", "Email"),
    ("job_title", "Job title"),
    ("service", "Service"),
    ("service_type", "Service type"),
    ("years", "Years in local government"),
    ("aspiration", "Aspiration"),
    ("expertise", "Expertise"),
    ("location", "Location"),
    ("format", "Preferred format"),
]
ROLE_LABEL = "Member or mentor"


def _text(v):
    return "" if v is None else str(v)


def _headings(people):
    """("Member 1", person), ("Mentor 1", person), ... numbered by role."""
    counts = {}
    for p in people:
        counts[p["role"]] = counts.get(p["role"], 0) + 1
        yield "%s %d" % (p["role"].capitalize(), counts[p["role"]]), p


def _save(doc):
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx_sections(org, people, org_in="table"):
    import docx
    d = docx.Document()
    if org_in == "header":
        d.sections[0].header.paragraphs[0].text = "Organisation: %s" % org
    d.add_heading("Mentoring programme: nomination form", level=1)
    if org_in == "paragraph":
        d.add_paragraph("Organisation: %s" % org)
    elif org_in == "table":
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text = "Council / organisation"
        t.cell(0, 1).text = org
    for heading, p in _headings(people):
        d.add_heading(heading, level=2)
        rows = [(label, _text(p.get(key))) for key, label in SECTION_LABELS]
        t = d.add_table(rows=len(rows), cols=2)
        for i, (label, value) in enumerate(rows):
            t.cell(i, 0).text = label
            t.cell(i, 1).text = value
    d.add_paragraph("Thank you. Please return this form by email.")
    return _save(d)


def docx_wide(org, people):
    import docx
    d = docx.Document()
    d.add_paragraph("Organisation: %s" % org)
    d.add_paragraph("One row for each member or mentor.")
    t = d.add_table(rows=1 + len(people), cols=1 + len(WIDE_LABELS))
    header = [ROLE_LABEL] + [label for _, label in WIDE_LABELS]
    for c, label in enumerate(header):
        t.cell(0, c).text = label
    for r, p in enumerate(people, start=1):
        t.cell(r, 0).text = p["role"].capitalize()
        for c, (key, _) in enumerate(WIDE_LABELS, start=1):
            t.cell(r, c).text = _text(p.get(key))
    return _save(d)


def odt_sections(org, people):
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableColumn, TableRow, TableCell
    from odf.text import H, P
    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Mentoring programme: nomination form"))
    doc.text.addElement(P(text="Organisation: %s" % org))
    for n, (heading, p) in enumerate(_headings(people)):
        doc.text.addElement(H(outlinelevel=2, text=heading))
        t = Table(name="Person%d" % n)
        t.addElement(TableColumn(numbercolumnsrepeated=2))
        for key, label in SECTION_LABELS:
            row = TableRow()
            for v in (label, _text(p.get(key))):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=v))
                row.addElement(cell)
            t.addElement(row)
        doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def xlsx_sheet(org, people, title_row=True, guidance_sheet=True):
    """Years are written as "3.0" (as some programs write whole numbers);
    column D is left empty between Email and Job title."""
    import openpyxl
    from openpyxl.styles import PatternFill
    wb = openpyxl.Workbook()
    ws = wb.active
    if guidance_sheet:
        ws.title = "Guidance"
        for row in (["How to fill in this workbook"],
                    [],
                    ["Column", "What to enter"],
                    [ROLE_LABEL, "Member or Mentor"],
                    ["Full name", "The nominee's name as they use it"],
                    ["Email", "A work address"]):
            ws.append(row)
        ws = wb.create_sheet("Nominations")
    else:
        ws.title = "Nominations"
    r = 1
    if title_row:
        ws.cell(row=1, column=1, value="Mentoring programme nominations")
        r = 3  # a blank row under the title
    ws.cell(row=r, column=1, value="Organisation")
    ws.cell(row=r, column=2, value=org)
    r += 2
    labels = [ROLE_LABEL] + [label for _, label in WIDE_LABELS]
    keys = [None] + [key for key, _ in WIDE_LABELS]
    # Column D stays empty: a gap that must stay a gap.
    cols = [1, 2, 3] + list(range(5, 5 + len(labels) - 3))
    for c, label in zip(cols, labels):
        ws.cell(row=r, column=c, value=label)
    for p in people:
        r += 1
        for c, key in zip(cols, keys):
            if key is None:
                v = p["role"].capitalize()
            elif key == "years":
                v = p["years"]
            else:
                v = _text(p.get(key)) or None
            ws.cell(row=r, column=c, value=v)
    fill = PatternFill("solid", fgColor="FFFF00")
    for extra in range(r + 1, r + 6):
        ws.cell(row=extra, column=1).fill = fill
    return _shared_strings(_save(wb), keep_inline="Mentoring programme nominations")


_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*) t="inlineStr"><is><t>([^<]*)</t></is></c>')


def _shared_strings(data, keep_inline=None):
    """Excel's way with text: openpyxl writes each string in its cell
    (t="inlineStr"); Excel keeps them in xl/sharedStrings.xml and the cell
    holds an index (t="s"). Rewrites the package that way, but for the
    cells holding `keep_inline`; "Full name" becomes rich text in two runs
    with a phonetic reading that is not text."""
    strings = []

    def shared(m):
        text = m.group(3)
        if keep_inline is not None and text == keep_inline.encode():
            return m.group(0)
        if text not in strings:
            strings.append(text)
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2), strings.index(text))

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = _INLINE.sub(shared, body)
                body = re.sub(rb'( t="n"><v>)([0-9]+)(</v>)', rb"\1\2.0\3", body)
            elif item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                    b'sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            zout.writestr(item.filename, body)
        si = []
        for text in strings:
            if text == b"Full name":
                si.append(b'<si><r><t xml:space="preserve">Full </t></r><r><rPr><b/></rPr><t>name</t></r>'
                          b'<rPh sb="0" eb="1"><t>FURU</t></rPh></si>')
            else:
                si.append(b"<si><t>%s</t></si>" % text)
        zout.writestr("xl/sharedStrings.xml",
                      b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
                      b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
                      % (len(strings), len(strings), b"".join(si)))
    return out.getvalue()


def ods_sheet(org, people):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableColumn, TableRow, TableCell
    from odf.text import P
    doc = OpenDocumentSpreadsheet()
    t = Table(name="Nominations")
    t.addElement(TableColumn(numbercolumnsrepeated=1024))

    def row(values):
        tr = TableRow()
        for v in values:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                cell = TableCell(valuetype="float", value=v)
                cell.addElement(P(text="%.2f" % v))
            elif v:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=v))
            else:
                cell = TableCell()
            tr.addElement(cell)
        tr.addElement(TableCell(numbercolumnsrepeated=1000))
        t.addElement(tr)

    row(["Organisation", org])
    row([])
    row([ROLE_LABEL] + [label for _, label in WIDE_LABELS])
    for p in people:
        row([p["role"].capitalize()] +
            [p["years"] if key == "years" else _text(p.get(key)) for key, _ in WIDE_LABELS])
    # LibreOffice's "rest of the sheet".
    rest = TableRow(numberrowsrepeated=1048000)
    rest.addElement(TableCell(numbercolumnsrepeated=1024))
    t.addElement(rest)
    doc.spreadsheet.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def _replace_member(data, name, content):
    """The package `data` with member `name` replaced by `content`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = content if item.filename == name else zin.read(item.filename)
            zout.writestr(item.filename, body)
    return out.getvalue()


SAMPLE_PEOPLE = [
    dict(role="member", name="Alex Smith", email="alex.smith@highland.example",
         job_title="Policy Officer", service="Corporate Policy", service_type="corporate",
         years=3, aspiration="Head of Service", expertise="", location="Inverness",
         format="online"),
    dict(role="mentor", name="Jo Brown", email="jo.brown@highland.example",
         job_title="Director of Finance", service="Finance", service_type="strategic",
         years=22, aspiration="", expertise="Budgets, scrutiny", location="Dingwall",
         format="in person"),
]


def docx_corrupt():
    data = docx_sections("Highland Council", SAMPLE_PEOPLE)
    return data[:len(data) // 2]


def docx_xxe():
    body = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            b'<!DOCTYPE w:document [ <!ENTITY xxe SYSTEM "file:///etc/passwd">'
            b' <!ENTITY net SYSTEM "http://127.0.0.1:9/x"> ]>\n'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b'<w:body><w:p><w:r><w:t>Organisation: &xxe;&net;</w:t></w:r></w:p>'
            b'<w:p><w:r><w:t>Member 1</w:t></w:r></w:p>'
            b'<w:p><w:r><w:t>Name: Alex &xxe;</w:t></w:r></w:p>'
            b'</w:body></w:document>')
    return _replace_member(docx_sections("Highland Council", SAMPLE_PEOPLE), "word/document.xml", body)


def _with_members(data, names):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        for name in names:
            zout.writestr(name, b"")
    return out.getvalue()


def docx_many_members(count=2100):
    """A .docx with `count` empty members more (DOC_MAX_MEMBERS is 2000)."""
    return _with_members(docx_sections("Highland Council", SAMPLE_PEOPLE),
                         ["media/%d.xml" % i for i in range(count)])


def docx_deep_folders(depth=40):
    """A .docx with a member `depth` folders down."""
    return _with_members(docx_sections("Highland Council", SAMPLE_PEOPLE), ["/".join(["d"] * depth) + "/x.xml"])


def xlsx_billion_laughs():
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        ents.append('<!ENTITY lol%d "%s">' % (i, "&lol%d;" % (i - 1) * 10))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [ %s ]>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            '<si><t>&lol9;</t></si></sst>' % " ".join(ents)).encode()
    data = xlsx_sheet("Highland Council", SAMPLE_PEOPLE)
    return _replace_member(data, "xl/sharedStrings.xml", body)


def _zip_entry(name, data, method, crc, size):
    """A local header for `data` and the central directory entry to match."""
    name = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0x21,
                        crc, len(data), size, len(name), 0) + name + data
    central = lambda offset: struct.pack(  # noqa: E731
        "<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, method, 0, 0x21,
        crc, len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name
    return local, central


def zip_bomb_docx(gib=1):
    """A .docx whose word/document.xml inflates to `gib` GiB and 1 MiB of
    zeros from about a megabyte. The deflate stream is one compressed MiB
    repeated: after a full flush the compressor starts afresh, so each
    MiB compresses to the same bytes."""
    mib = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(mib)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    count = gib * 1024 + 1
    stream = block * count + b"\x03\x00"  # an empty final block
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(mib, crc)
    size = count << 20
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
             b'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
             b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    out = io.BytesIO()
    centrals = []
    for name, data, method, crc_, size_ in (
            ("[Content_Types].xml", types, 0, zlib.crc32(types), len(types)),
            ("word/document.xml", stream, 8, crc, size)):
        local, central = _zip_entry(name, data, method, crc_, size_)
        centrals.append(central(out.tell()))
        out.write(local)
    start = out.tell()
    for c_ in centrals:
        out.write(c_)
    out.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(centrals), len(centrals),
                          out.tell() - start, start, 0))
    return out.getvalue()


def _format(v):
    low = v.lower()
    if "either" in low or "both" in low:
        return "either"
    if "person" in low:
        return "in person"
    if "online" in low:
        return "online"
    return low


def expected_form(org, people):
    """The lines doc_dump form prints for these people."""
    lines = ["organisation\t%s" % org]
    for p in people:
        fields = [p["role"], p["name"], p["email"], p["job_title"], p["service"],
                  p["service_type"].lower(), str(p["years"]), p["aspiration"], p["expertise"],
                  p["location"], _format(p["format"])]
        lines.append("nominee\t" + "\t".join(_text(f) for f in fields))
    return "\n".join(lines) + "\n"
