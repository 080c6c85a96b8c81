"""Test documents for nomd-reader: PDF (fillable, printed, scanned,
encrypted), legacy Excel .xls, and bare OLE2 files standing in for a legacy
Word .doc and a password-protected Office package. Each generator returns
the document's bytes. Needs Debian's python3-reportlab and python3-xlwt
(run with /usr/bin/python3).

people is a list of dicts with the keys role ('member' or 'mentor'), name,
email, job_title, service, service_type, years (int), aspiration,
expertise, location, format (as tests/lib/documents.py uses them).
"""

import io
import struct

# The form's labels, in its order, for each person's keys.
FIELDS = [
    ("name", "Name"),
    ("email", "Email"),
    ("job_title", "Job title"),
    ("service", "Service"),
    ("service_type", "Service type"),
    ("years", "Years in local government"),
    ("aspiration", "Aspiration"),
    ("expertise", "Expertise"),
    ("location", "Location"),
    ("format", "Format"),
]


def sample_people():
    """Two members and a mentor, every field filled where the role has it."""
    return [
        dict(role="member", name="Alex Morgan", email="alex.morgan@fife.example",
             job_title="Policy Officer", service="Housing", service_type="operational",
             years=4, aspiration="Lead a housing team", expertise="", location="Glenrothes",
             format="online"),
        dict(role="member", name="Priya Shah", email="priya.shah@fife.example",
             job_title="Accountant", service="Finance", service_type="corporate",
             years=7, aspiration="Head of finance", expertise="", location="Kirkcaldy",
             format="either"),
        dict(role="mentor", name="Dana O'Neill", email="dana.oneill@fife.example",
             job_title="Director of Place", service="Planning", service_type="strategic",
             years=22, aspiration="", expertise="Leading change", location="Dunfermline",
             format="in person"),
    ]


def sections(people):
    """(heading, person) in form order: "Member 1", "Member 2", "Mentor 1"."""
    count = {"member": 0, "mentor": 0}
    out = []
    for p in people:
        count[p["role"]] += 1
        out.append(("%s %d" % (p["role"].capitalize(), count[p["role"]]), p))
    return out


def form_lines(org, people):
    """The text form the reader is expected to give for a filled form:
    "Organisation: X", then per section its heading and "Label: value"
    lines for each non-empty field."""
    lines = ["Organisation: %s" % org]
    for heading, p in sections(people):
        lines.append(heading)
        for key, label in FIELDS:
            if p.get(key) not in (None, ""):
                lines.append("%s: %s" % (label, p[key]))
    return lines


def _canvas(buf, **kw):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    return canvas.Canvas(buf, pagesize=A4, invariant=1, **kw)


def pdf_fillable(org, people, tooltip_section=None):
    """An AcroForm with one text field per line, named like "Member 1
    Name"; the section whose heading is tooltip_section (default: the
    last) has generic names ("Text7") and says what it is only in the
    tooltip."""
    buf = io.BytesIO()
    c = _canvas(buf)
    form = c.acroForm
    secs = sections(people)
    tooltip_section = tooltip_section or secs[-1][0]
    y = 800
    generic = 0

    def field(name, tooltip, value):
        nonlocal y
        if y < 60:
            c.showPage()
            y = 800
        c.setFont("Helvetica", 9)
        c.drawString(40, y + 4, tooltip)
        form.textfield(name=name, tooltip=tooltip, value=value, x=230, y=y, width=300,
                       height=16, borderWidth=1, fontSize=9)
        y -= 22

    field("Organisation", "Organisation", org)
    for heading, p in secs:
        for key, label in FIELDS:
            value = "" if p.get(key) is None else str(p[key])
            if heading == tooltip_section:
                generic += 1
                field("Text%d" % generic, "%s %s" % (heading, label), value)
            else:
                field("%s %s" % (heading, label), "%s %s" % (heading, label), value)
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_printed(org, people):
    """The text form drawn as text lines, as a printed or exported form."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont("Helvetica", 11)
    y = 800
    for line in form_lines(org, people):
        if y < 60:
            c.showPage()
            c.setFont("Helvetica", 11)
            y = 800
        c.drawString(50, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_scanned():
    """A page holding only an image (a scan): no text, no fields."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    img = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(img)
    for i in range(10):
        draw.line((20, 20 + 16 * i, 380, 20 + 16 * i), fill=0, width=3)
    buf = io.BytesIO()
    c = _canvas(buf)
    c.drawImage(ImageReader(img), 50, 500, width=400, height=200)
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_encrypted(org, people, password="secret"):
    """The printed form, opened only with a user password."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    buf = io.BytesIO()
    c = _canvas(buf, encrypt=StandardEncryption(password, ownerPassword=password + "-owner"))
    c.setFont("Helvetica", 11)
    y = 800
    for line in form_lines(org, people):
        c.drawString(50, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def pdf_with_link(org, people, url="http://127.0.0.1:9/nomd-reader-test"):
    """The printed form with a URI link and a launch action: the reader
    must not follow either."""
    buf = io.BytesIO()
    c = _canvas(buf)
    c.setFont("Helvetica", 11)
    y = 800
    for line in form_lines(org, people):
        c.drawString(50, y, line)
        y -= 16
    c.linkURL(url, (50, y - 20, 300, y), relative=0)
    c.drawString(50, y - 16, url)
    c.showPage()
    c.save()
    return buf.getvalue()


def xls_sheet(org, people):
    """A legacy .xls: a title row, "Organisation | X", an empty row, the
    header row, one row per person (years as numbers), and a notes row."""
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Nominations")
    ws.write(0, 0, "Mentoring programme nominations")
    ws.write(1, 0, "Organisation")
    ws.write(1, 1, org)
    header = ["Member or mentor", "Full name", "Email", "Job title", "Service", "Service type",
              "Years in local government", "Aspiration", "Expertise", "Location", "Format"]
    keys = ["role", "name", "email", "job_title", "service", "service_type", "years",
            "aspiration", "expertise", "location", "format"]
    for col, h in enumerate(header):
        ws.write(3, col, h)
    for row, p in enumerate(people, start=4):
        for col, k in enumerate(keys):
            v = p.get(k)
            if k == "role":
                v = v.capitalize()
            if v not in (None, ""):
                ws.write(row, col, v)
    guide = wb.add_sheet("Guidance")
    guide.write(0, 0, "Fill in one row per nominee.")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ole2(stream_name, size=4096):
    """A minimal OLE2 compound file holding one stream `stream_name` of
    `size` bytes (4096 or more, so that it lives in the main FAT): what
    the reader looks at to tell a legacy Word .doc ("WordDocument") or a
    password-protected package ("EncryptedPackage") from a workbook."""
    sector = 512
    nsec = (size + sector - 1) // sector
    free, end, fatsect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = [fatsect, end] + [i + 1 for i in range(2, 2 + nsec - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))
    fat_bytes = struct.pack("<%dI" % len(fat), *fat)

    def dirent(name, kind, child, start, length):
        n = (name + "\0").encode("utf-16-le")
        return (n.ljust(64, b"\0") + struct.pack("<HBB", len(n), kind, 1)
                + struct.pack("<III", nostream, nostream, child) + b"\0" * 16
                + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, length))

    dirs = dirent("Root Entry", 5, 1, end, 0) + dirent(stream_name, 2, nostream, 2, size)
    dirs = dirs.ljust(sector, b"\0")
    data = bytes((i * 7) & 0xFF for i in range(nsec * sector))
    return header + fat_bytes + dirs + data
