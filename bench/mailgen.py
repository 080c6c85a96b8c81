"""Nomination messages for the mail benchmark (bench/mail.py): the shapes
nominators really send (see tests/corpus/main), from the chief executives
of the 32 councils in etc/organisations.conf, with unique nominees.

    messages(n, seed) -> list of (raw bytes, expected) where expected is
    {"org": id, "members": k, "mentors": k, "invalid": k}

Shapes, by share of the backlog: plain-text form 35 %, Gmail-like
multipart/alternative 20 %, Outlook HTML table 20 %, CSV attachment 15 %,
forwards 10 % (half inline, half attached as message/rfc822). About 3 % of
messages carry one nominee with a malformed address (accepted in part).
"""
import base64
import csv
import io
import os
import quopri
import random
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

FIRST = ("Alex Jo Morgan Rachel Lewis Niamh Andrew Ewan Nicola Sophie Iain Jamie Lorraine Greg Fiona Callum Eilidh "
         "Ross Kirsty Fraser Isla Hamish Mhairi Euan Catriona Duncan Morag Struan Ailsa Craig Shona Gordon Heather "
         "Calum Rhona Douglas Kirsteen Angus Moira Finlay").split()
LAST = ("Smith Brown Wilson Campbell Stewart Thomson Robertson Anderson MacDonald Scott Reid Murray Taylor Clark "
        "Ross Watson Morrison Paterson Young Mitchell Fraser Walker Docherty Kerr Bell Hamilton Duncan Baxter Kelly "
        "Maxwell Sweeney Grant McLean Ferguson Cameron Johnston Hunter Gray Graham Henderson").split()
MEMBER_JOBS = ["Graduate Policy Officer", "Trainee Accountant", "Roads Technician", "Assistant Education Officer",
               "Housing Officer", "Planning Assistant", "Digital Project Officer", "Community Learning Worker"]
MENTOR_JOBS = ["Head of Finance", "Director of Communities", "Head of Housing and Construction",
               "Strategic Director, Partnership and Performance", "Head of Roads and Infrastructure",
               "Chief Social Work Officer", "Head of Planning and Building Standards", "Director of Education"]
SERVICES = [("Policy and Performance", "corporate"), ("Corporate Finance", "corporate"),
            ("Neighbourhood Services", "operational"), ("Economy and Infrastructure", "operational"),
            ("Education, Learning and Development", "strategic"), ("Strategy, Performance and Policy", "strategic"),
            ("Place", "operational"), ("Health and Social Care", "strategic")]
ASPIRATIONS = ["Head of Service", "Director of Finance", "Chief Finance Officer", "Roads Service Manager",
               "Director of Communities", "Chief Executive"]
EXPERTISE = ["budgets and scrutiny", "Housing repairs, tenant participation", "Leading change, City Deal governance",
             "Rural roads, flood resilience", "Transformation, shared services", "Community planning"]
FORMATS = ["online", "in person", "either"]


def organisations(path=os.path.join(ROOT, "etc", "organisations.conf")):
    """[(id, name, nominator)] of the active entries of organisations.conf."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith("#"):
                continue
            m = re.search(r'id = "([^"]+)"; name = "([^"]+)"', line)
            if m:
                out.append([m.group(1), m.group(2), None])
            m = re.search(r'nominators = \[ "([^"]+)"', line)
            if m and out and out[-1][2] is None:
                out[-1][2] = m.group(1)
    return [tuple(o) for o in out]


class Nominee:
    def __init__(self, role, name, email, job, service, stype, years, aspiration, expertise, fmt):
        self.role, self.name, self.email, self.job = role, name, email, job
        self.service, self.stype, self.years = service, stype, years
        self.aspiration, self.expertise, self.format = aspiration, expertise, fmt

    def fields(self):
        f = [("Name", self.name), ("Email", self.email), ("Job title", self.job), ("Service", self.service),
             ("Service type", self.stype), ("Years in local government", str(self.years))]
        f.append(("Aspiration", self.aspiration) if self.role == "Member" else ("Expertise", self.expertise))
        f.append(("Format", self.format))
        return f


def _nominees(rng, org_id, seq, invalid):
    out = []
    n_members = 1 if rng.random() < 0.7 else 2
    r = rng.random()
    n_mentors = 1 if r < 0.6 else (0 if r < 0.85 else 2)
    for role, count in (("Member", n_members), ("Mentor", n_mentors)):
        for _ in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            seq[0] += 1
            email = f"{first.lower()}.{last.lower()}.{seq[0]}@{org_id}.example"
            service, stype = rng.choice(SERVICES)
            member = role == "Member"
            out.append(Nominee(role, f"{first} {last}", email, rng.choice(MEMBER_JOBS if member else MENTOR_JOBS),
                               service, stype, rng.randint(1, 4) if member else rng.randint(11, 30),
                               rng.choice(ASPIRATIONS), rng.choice(EXPERTISE), rng.choice(FORMATS)))
    if invalid:
        bad = out[-1]
        bad.email = bad.email.replace("@", " at ")
    return out


def form_text(org_name, nominees):
    lines = [f"Organisation: {org_name}", ""]
    counters = {}
    for n in nominees:
        counters[n.role] = counters.get(n.role, 0) + 1
        lines.append(f"{n.role} {counters[n.role]}")
        lines += [f"{k}: {v}" for k, v in n.fields()]
        lines.append("")
    return "\n".join(lines)


def form_html_table(org_name, nominees):
    """An Outlook (Word) table: one row per label and value."""
    td = ('<td width="200" valign="top" style="width:150.0pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm '
          '5.4pt">\n<p class="MsoNormal"><b>{}<o:p></o:p></b></p>\n</td>\n')
    tdv = ('<td width="401" valign="top" style="width:300.8pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm '
           '5.4pt">\n<p class="MsoNormal">{}<o:p></o:p></p>\n</td>\n')
    head = ('<td width="601" colspan="2" valign="top" style="width:450.8pt;border:solid windowtext 1.0pt;'
            'background:#D9E2F3;padding:0cm 5.4pt 0cm 5.4pt">\n<p class="MsoNormal"><b>{}<o:p></o:p></b></p>\n'
            '</td>\n')
    rows = ["<tr>\n" + td.format("Organisation") + tdv.format(org_name) + "</tr>\n"]
    counters = {}
    for n in nominees:
        counters[n.role] = counters.get(n.role, 0) + 1
        rows.append("<tr>\n" + head.format(f"{n.role} {counters[n.role]}") + "</tr>\n")
        for k, v in n.fields():
            if k == "Email" and "@" in v:
                v = f'<a href="mailto:{v}">{v}</a>'
            rows.append("<tr>\n" + td.format(k) + tdv.format(v.replace("'", "&#8217;")) + "</tr>\n")
    return ('<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse;border:none">\n<tbody>\n' + "".join(rows) + "</tbody>\n</table>\n")


OUTLOOK_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" \
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" \
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
\t{font-family:"Cambria Math";
\tpanose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
\t{font-family:Calibri;
\tpanose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{margin:0cm;
\tfont-size:11.0pt;
\tfont-family:"Calibri",sans-serif;
\tmso-fareast-language:EN-US;}
span.EmailStyle17
\t{mso-style-type:personal-compose;
\tfont-family:"Calibri",sans-serif;
\tcolor:windowtext;}
.MsoChpDefault
\t{mso-style-type:export-only;
\tfont-family:"Calibri",sans-serif;
\tmso-fareast-language:EN-US;}
@page WordSection1
\t{size:612.0pt 792.0pt;
\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
\t{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
"""


def _qp(text):
    return quopri.encodestring(text.replace("\r\n", "\n").encode("utf-8")).decode("ascii")


def _b64(data):
    return base64.encodebytes(data).decode("ascii")


def _head(sender_name, sender, subject, msgid, date, extra=""):
    return (f"From: {sender_name} <{sender}>\nTo: Local Government Connect Network <nominations@example.org>\n"
            f"Subject: {subject}\nDate: {date}\nMessage-ID: <{msgid}>\nMIME-Version: 1.0\n{extra}")


def message(rng, i, org, seq):
    """One nomination message: (raw bytes with CRLF, expected dict)."""
    org_id, org_name, sender = org
    invalid = rng.random() < 0.03
    nominees = _nominees(rng, org_id, seq, invalid)
    ce = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    date = f"Tue, {1 + i % 28:02d} Dec 2026 {8 + i % 9:02d}:{i % 60:02d}:{(i * 7) % 60:02d} +0000"
    tag = f"{i:06d}{rng.getrandbits(40):010x}"
    shape = rng.random()
    greeting = f"Dear Programme Team,\n\nPlease find {org_name}'s nominations below.\n\n"
    signoff = f"Kind regards\n{ce}\nChief Executive | {org_name}\n"
    if shape < 0.35:
        kind = "plain"
        body = greeting + form_text(org_name, nominees) + "\n" + signoff
        raw = _head(ce, sender, f"{org_name} nominations", f"bench.{tag}@{org_id}.example", date,
                    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n") + "\n" + body
    elif shape < 0.55:
        kind = "alternative"
        text = "Hi,\n\n" + form_text(org_name, nominees) + "\nBest wishes,\n" + ce.split()[0] + "\n"
        html = ('<div dir="ltr">' + "".join(f"<div>{line}</div>" if line else "<div><br></div>"
                                            for line in text.splitlines()) + "</div>\n")
        b = f"000000000000{tag}"
        raw = (_head(ce, sender, f"{org_name.split()[0]} nominations", f"CA{tag}x@mail.gmail.com", date,
                     f'Content-Type: multipart/alternative; boundary="{b}"\n') +
               f"\n--{b}\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
               + _qp(text) +
               f"\n--{b}\nContent-Type: text/html; charset=\"UTF-8\"\nContent-Transfer-Encoding: quoted-printable\n\n"
               + _qp(html) + f"\n--{b}--\n")
    elif shape < 0.75:
        kind = "outlook-html"
        html = (OUTLOOK_HEAD + '<p class="MsoNormal">Dear Programme Team,<o:p></o:p></p>\n'
                '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
                f'<p class="MsoNormal">Please find the nominations in the table below.<o:p></o:p></p>\n'
                + form_html_table(org_name, nominees) +
                '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n<p class="MsoNormal">Kind regards<o:p></o:p></p>\n'
                f'<p class="MsoNormal"><b><span style="color:#1F3864">{ce}<o:p></o:p></span></b></p>\n'
                f'<p class="MsoNormal"><span style="color:#1F3864">Chief Executive | {org_name}<o:p></o:p>'
                '</span></p>\n</div>\n</body>\n</html>\n')
        raw = (_head(f'"{ce}"', sender, f"{org_name} nominations", f"GV1PR07MB{tag}@GV1PR07MB8763.eurprd07.prod."
                     "outlook.com", date, "Thread-Topic: nominations\nAccept-Language: en-GB, en-US\n"
                     "Content-Language: en-GB\nX-MS-Has-Attach:\n"
                     'Content-Type: text/html; charset="us-ascii"\nContent-Transfer-Encoding: quoted-printable\n')
               + "\n" + _qp(html))
    elif shape < 0.90:
        kind = "csv"
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["Nominee type", "Name", "Email", "Job title", "Department", "Category", "Years",
                    "Aspiration", "Expertise"])
        for n in nominees:
            w.writerow([n.role, n.name, n.email, n.job, n.service, n.stype.capitalize(), n.years,
                        n.aspiration if n.role == "Member" else "", n.expertise if n.role == "Mentor" else ""])
        ctype, fname = rng.choice([("text/csv", "LGCN nominations.csv"),
                                   ("application/vnd.ms-excel", f"{org_id} nominations.csv")])
        b = f"----=_NextPart_000_{tag}"
        raw = (_head(ce, sender, f"{org_name} - nominations (spreadsheet attached)",
                     f"PR3PR08MB{tag}@PR3PR08MB5690.eurprd08.prod.outlook.com", date,
                     f'X-MS-Has-Attach: yes\nContent-Type: multipart/mixed; boundary="{b}"\n') +
               f"\nThis is a multi-part message in MIME format.\n\n--{b}\n"
               "Content-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n\n"
               f"Good afternoon,\n\nOur nominations are in the attached spreadsheet.\n\n{signoff}\n--{b}\n"
               f'Content-Type: {ctype}; name="{fname}"\nContent-Transfer-Encoding: base64\n'
               f'Content-Disposition: attachment; filename="{fname}"\n\n'
               + _b64(buf.getvalue().encode("utf-8")) + f"\n--{b}--\n")
    elif shape < 0.95:
        kind = "forward-inline"
        inner = (f"Hi, here are the nominations as agreed at CMT.\n\n" + form_text(org_name, nominees) +
                 "\nThanks\nLinda\nOffice Manager\n")
        body = (f"Please accept these nominations, which my office has put together.\n\n{ce.split()[0]}\n\n"
                "---------- Forwarded message ---------\n"
                f"From: Office of the Chief Executive <office.manager@{org_id}.example>\n"
                f"Date: {date}\nSubject: Connect Network nominations\nTo: {ce} <{sender}>\n\n\n" + inner)
        raw = _head(ce, sender, "Fwd: Connect Network nominations", f"CAM9{tag}@mail.gmail.com", date,
                    'Content-Type: text/plain; charset="UTF-8"\n') + "\n" + body
    else:
        kind = "forward-attached"
        b = f"_004_LO6P265MB{tag}_"
        inner = (f"From: Office Manager <office.manager@{org_id}.example>\nTo: Chief Executive <{sender}>\n"
                 f"Subject: LGCN nominations for you to send\nDate: {date}\n"
                 f"Message-ID: <inner.{tag}@{org_id}.example>\n"
                 "Content-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n"
                 "MIME-Version: 1.0\n\nHi, these are ready to go if you are happy to forward them.\n\n"
                 + form_text(org_name, nominees) + "\nThanks\nKaren\n")
        raw = (_head(ce, sender, "FW: LGCN nominations for you to send",
                     f"LO6P265MB{tag}@LO6P265MB5710.GBRP265.PROD.OUTLOOK.COM", date,
                     f'X-MS-Has-Attach: yes\nContent-Type: multipart/mixed; boundary="{b}"\n') +
               f"\n--{b}\nContent-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: "
               f"quoted-printable\n\nForwarding my office's nominations - please process.\n\n{ce.split()[0]}\n\n"
               f"--{b}\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n" + inner + f"\n--{b}--\n")
    data = raw.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    members = sum(1 for n in nominees if n.role == "Member")
    return data, {"org": org_id, "kind": kind, "members": members, "mentors": len(nominees) - members,
                  "invalid": int(invalid)}


def messages(n, seed=20261201):
    rng = random.Random(seed)
    orgs = organisations()
    seq = [0]
    return [message(rng, i, orgs[i % len(orgs)], seq) for i in range(n)]


if __name__ == "__main__":
    import sys
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mailgen-sample"
    os.makedirs(out, exist_ok=True)
    for i, (raw, exp) in enumerate(messages(int(sys.argv[2]) if len(sys.argv) > 2 else 12)):
        with open(os.path.join(out, f"{i:03d}-{exp['kind']}.eml"), "wb") as f:
            f.write(raw)
    print(out)
