#!/usr/bin/python3
"""The reference for bench/mail.py: nomd's job as an ordinary Python script
would do it (standard library only). Fetch each message of the inbox over
IMAPS, read the form (text, HTML by a naive tag strip, CSV attachments,
attached forwards), check it (known nominator, required fields, address
syntax, duplicates, quota), store the message and its nominees and queue a
reply plus a welcome per accepted nominee in one SQLite transaction, move
the message to a folder; then send the queue over one SMTP connection with
STARTTLS, marking each mail sent. SQLite in WAL mode with synchronous=FULL:
the same durability as nomd.

    reference.py --port IMAPS --smtp-port PORT --ca CERT --user USER --db FILE
"""
import argparse, csv, email, email.policy, html, imaplib, io, re, smtplib, sqlite3, ssl, time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

LABELS = {"name": "name", "full name": "name", "email": "email", "e-mail": "email", "email address": "email",
          "job title": "job_title", "service": "service", "department": "service", "service type": "service_type",
          "category": "service_type", "years in local government": "years", "years": "years",
          "aspiration": "aspiration", "expertise": "expertise", "format": "format"}
ROLE = re.compile(r"^\W*(member|mentee|mentor)\b", re.I)
FIELD = re.compile(r"^([A-Za-z][A-Za-z -]*?)\s*:\s*(.*)$")
EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
FROM = "Local Government Connect Network <connect@example.org>"
SCHEMA = """CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, message_id TEXT UNIQUE, sender TEXT,
  organisation TEXT, outcome TEXT, subject TEXT);
CREATE TABLE IF NOT EXISTS nominees (id INTEGER PRIMARY KEY, message INTEGER, organisation TEXT, role TEXT,
  name TEXT, email TEXT, job_title TEXT, service TEXT, service_type TEXT, years TEXT, aspiration TEXT,
  expertise TEXT, format TEXT, status TEXT, reason TEXT);
CREATE INDEX IF NOT EXISTS nominees_email ON nominees (email, status);
CREATE INDEX IF NOT EXISTS nominees_org ON nominees (organisation, role, status);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, message INTEGER, envelope_from TEXT, recipient TEXT,
  body BLOB, status TEXT DEFAULT 'pending');"""


def load_orgs(path):
    """nominator address -> (organisation id, name), from organisations.conf."""
    orgs, text = {}, open(path, encoding="utf-8").read()
    for m in re.finditer(r'^\s*\{ id = "([^"]+)"; name = "([^"]+)".*?nominators = \[([^\]]*)\]', text, re.M | re.S):
        for addr in re.findall(r'"([^"]+)"', m.group(3)):
            orgs[addr.lower()] = (m.group(1), m.group(2))
    return orgs


def strip_tags(s):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", s)).split())


def html_to_text(h):
    h = re.sub(r"(?is)<(style|head|script)\b.*?</\1>|<!--.*?-->", "", h)
    h = re.sub(r"(?is)<tr\b.*?</tr>", lambda m: "\n" + ": ".join(
        strip_tags(c) for c in re.findall(r"(?is)<t[dh]\b[^>]*>(.*?)</t[dh]>", m.group(0))) + "\n", h)
    h = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h\d)>", "\n", h)
    return html.unescape(re.sub(r"<[^>]+>", "", h)).replace("\xa0", " ")


def parse_form(text):
    people, cur = [], None
    for line in text.splitlines():
        line = line.strip().strip("*").strip()
        if line.startswith(">"):
            continue
        m = ROLE.match(line)
        if m and ":" not in line:
            cur = {"role": "mentor" if m.group(1).lower() == "mentor" else "member"}
            people.append(cur)
            continue
        m = FIELD.match(line)
        if cur is not None and m and m.group(1).lower() in LABELS:
            cur.setdefault(LABELS[m.group(1).lower()], m.group(2).strip())
    return people


def parse_csv(data):
    text = data.decode("utf-8-sig", "replace")
    first = text.split("\n", 1)[0]
    people = []
    for row in csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        role = row.get("nominee type") or row.get("role") or row.get("type") or ""
        p = {"role": "mentor" if role.lower().startswith("mentor") else "member"}
        p.update({LABELS[k]: v for k, v in row.items() if k in LABELS and v})
        people.append(p)
    return people


def nominees_of(msg):
    people = []
    for m in [msg] + [p.get_content() for p in msg.walk() if p.get_content_type() == "message/rfc822"]:
        part = m.get_body(preferencelist=("plain", "html"))
        if part is not None:
            text = part.get_content()
            people += parse_form(html_to_text(text) if part.get_content_type() == "text/html" else text)
    for part in msg.walk():
        name = (part.get_filename() or "").lower()
        if part.get_content_disposition() == "attachment" and (
                part.get_content_type() in ("text/csv", "application/vnd.ms-excel") or name.endswith(".csv")):
            people += parse_csv(part.get_payload(decode=True))
    return people


def mail(to, subject, text, reply_to=None):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Date"] = FROM, to, subject, formatdate()
    m["Message-ID"] = make_msgid(domain="example.org")
    m["Auto-Submitted"] = "auto-replied" if reply_to else "auto-generated"
    if reply_to:
        m["In-Reply-To"] = m["References"] = reply_to
    m.set_content(text)
    return m.as_bytes()


def process(db, orgs, raw, quota):
    """Store one message and queue its mail, in one transaction: the folder it goes to."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    sender = parseaddr(str(msg["From"]))[1].lower()
    org = orgs.get(sender)
    with db:
        if org is None:
            db.execute("INSERT INTO messages (message_id, sender, outcome, subject) VALUES (?, ?, 'held', ?)",
                       (msg["Message-ID"], sender, msg["Subject"]))
            return "Held"
        cur = db.execute("INSERT INTO messages (message_id, sender, organisation, outcome, subject) "
                         "VALUES (?, ?, ?, '', ?)", (msg["Message-ID"], sender, org[0], msg["Subject"]))
        row, seen, lines, welcomes = cur.lastrowid, set(), [], []
        for p in nominees_of(msg):
            email_ = p.get("email", "").lower()
            reason = None
            if not p.get("name") or not email_:
                reason = "missing_field"
            elif not EMAIL.match(email_):
                reason = "invalid_email"
            elif email_ in seen or db.execute("SELECT 1 FROM nominees WHERE email = ? AND status = 'accepted'",
                                              (email_,)).fetchone():
                reason = "duplicate"
            elif db.execute("SELECT count(*) FROM nominees WHERE organisation = ? AND role = ? AND status = "
                            "'accepted'", (org[0], p["role"])).fetchone()[0] >= quota:
                reason = "quota_exceeded"
            seen.add(email_)
            db.execute("INSERT INTO nominees (message, organisation, role, name, email, job_title, service, "
                       "service_type, years, aspiration, expertise, format, status, reason) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (row, org[0], p["role"], p.get("name"), email_, p.get("job_title"), p.get("service"),
                        p.get("service_type"), p.get("years"), p.get("aspiration"), p.get("expertise"),
                        p.get("format"), "refused" if reason else "accepted", reason))
            lines.append(f"- {p.get('name')} <{email_}> ({p['role']}): {reason or 'accepted'}")
            if not reason:
                welcomes.append(p)
        outcome = ("accepted" if len(welcomes) == len(lines) else "partial") if welcomes else "rejected"
        db.execute("UPDATE messages SET outcome = ? WHERE id = ?", (outcome, row))
        text = f"Thank you for the nominations for {org[1]}.\n\n" + "\n".join(lines or ["(none found)"]) + "\n"
        out = [("", sender, mail(sender, "Re: " + str(msg["Subject"]), text, msg["Message-ID"]))]
        for p in welcomes:
            out.append(("connect@example.org", p["email"].lower(), mail(
                p["email"], "Welcome to the Local Government Connect Network",
                f"Dear {p['name']},\n\nYou have been nominated as a {p['role']} by {org[1]}.\n"
                "Please reply YES to take part or NO to decline.\n")))
        db.executemany("INSERT INTO outbox (message, envelope_from, recipient, body) VALUES (?, ?, ?, ?)",
                       [(row, f, t, b) for f, t, b in out])
    return "Rejected" if outcome == "rejected" else "Processed"


def main():
    ap = argparse.ArgumentParser()
    for a in ("--port", "--smtp-port", "--quota"):
        ap.add_argument(a, type=int, default=1000)
    for a in ("--host", "--ca", "--user", "--password", "--db", "--orgs"):
        ap.add_argument(a)
    a = ap.parse_args()
    t0 = time.perf_counter()
    ctx = ssl.create_default_context(cafile=a.ca)
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.executescript(SCHEMA)
    orgs = load_orgs(a.orgs)
    imap = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx)
    imap.login(a.user, a.password)
    for folder in ("Processed", "Rejected", "Held"):
        imap.create(folder)
    imap.select("INBOX")
    uids = imap.uid("SEARCH", None, "ALL")[1][0].split()
    for uid in uids:
        typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        folder = process(db, orgs, data[0][1], a.quota)
        imap.uid("MOVE", uid, folder)
    imap.logout()
    t_ingest = time.perf_counter()
    smtp = smtplib.SMTP(a.host, a.smtp_port, local_hostname="localhost")
    smtp.starttls(context=ctx)
    sent, last = 0, 0
    while True:
        rows = db.execute("SELECT id, envelope_from, recipient, body FROM outbox WHERE status = 'pending' "
                          "AND id > ? ORDER BY id LIMIT 500", (last,)).fetchall()
        if not rows:
            break
        for id_, env_from, rcpt, body in rows:
            smtp.sendmail(env_from, [rcpt], body)
            with db:
                db.execute("UPDATE outbox SET status = 'sent' WHERE id = ?", (id_,))
            sent, last = sent + 1, id_
    smtp.quit()
    t_end = time.perf_counter()
    print(f"reference: {len(uids)} messages in {t_ingest - t0:.2f} s, {sent} mails sent in {t_end - t_ingest:.2f} s")


if __name__ == "__main__":
    main()
