#!/usr/bin/python3
"""Document benchmark: nominations attached as Word, Excel, OpenDocument and
PDF files. Run as root (part 2 starts a throwaway Dovecot and Postfix,
tests/lib/mailstack.py); prints a Markdown section, which `make bench`
appends to docs/benchmarks.md.

    /usr/bin/python3 bench/office.py [--build BUILD] [--messages 600] [--runs 15]

1. The reader alone: each document shape (ten people) through
   BUILD/nomd-reader, a process per document as nomd runs it, beside a plain
   Python script reading the same file with python3-docx or
   python3-openpyxl (also a process per document). Median wall time of
   --runs runs and peak RSS (/usr/bin/time).
2. A backlog: N messages of bench/mailgen.py's shapes where every third is
   replaced by an office attachment (rotating .docx, .xlsx, .pdf, .xls,
   .ods, .odt), beside the same backlog with no attachments, through
   `nomd --once` with SMTP unreachable (ingest only: parse, read, decide,
   store, queue, move). Messages per second, and the peak RSS of nomd
   itself and of the largest reader child, read from /proc (VmHWM) every
   20 ms: /usr/bin/time would count the children with nomd.
"""
import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, HERE)
import documents  # noqa: E402
import documents_pdf  # noqa: E402
import mail  # noqa: E402
import mailgen  # noqa: E402
from mailstack import MailStack  # noqa: E402

TIME = "/usr/bin/time"
PY = "/usr/bin/python3"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PY_DOCX = """import docx, sys
d = docx.Document(sys.argv[1])
lines = [p.text for p in d.paragraphs]
for t in d.tables:
    for r in t.rows:
        lines.append(": ".join(c.text for c in r.cells))
print(len(lines))
"""
PY_XLSX = """import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
n = 0
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        n += any(v is not None for v in row)
print(n)
"""


def people(org_id, n, seq):
    out = []
    for i in range(n):
        seq[0] += 1
        first = mailgen.FIRST[seq[0] % len(mailgen.FIRST)]
        last = mailgen.LAST[(seq[0] * 7) % len(mailgen.LAST)]
        member = i % 2 == 0
        service, stype = mailgen.SERVICES[seq[0] % len(mailgen.SERVICES)]
        out.append({"role": "member" if member else "mentor", "name": f"{first} {last}",
                    "email": f"{first.lower()}.{last.lower()}.d{seq[0]}@{org_id}.example",
                    "job_title": (mailgen.MEMBER_JOBS if member else mailgen.MENTOR_JOBS)[seq[0] % 8],
                    "service": service, "service_type": stype, "years": 3 if member else 20,
                    "aspiration": "Head of Service" if member else "", "expertise": "" if member else "budgets",
                    "location": "Perth", "format": "online"})
    return out


SHAPES = [
    ("Word, a table per person (.docx)", "docx", DOCX, lambda o, p: documents.docx_sections(o, p)),
    ("Excel, title row and guidance sheet (.xlsx)", "xlsx", XLSX, lambda o, p: documents.xlsx_sheet(o, p)),
    ("PDF, fillable form", "pdf", "application/pdf", lambda o, p: documents_pdf.pdf_fillable(o, p)),
    ("Word, one wide table (.docx)", "docx", DOCX, lambda o, p: documents.docx_wide(o, p)),
    ("Excel 97-2003 (.xls)", "xls", "application/vnd.ms-excel", lambda o, p: documents_pdf.xls_sheet(o, p)),
    ("OpenDocument spreadsheet (.ods)", "ods", "application/vnd.oasis.opendocument.spreadsheet",
     lambda o, p: documents.ods_sheet(o, p)),
    ("PDF, printed form", "pdf", "application/pdf", lambda o, p: documents_pdf.pdf_printed(o, p)),
    ("OpenDocument text (.odt)", "odt", "application/vnd.oasis.opendocument.text",
     lambda o, p: documents.odt_sections(o, p)),
]


def timed(cmd, stdin_path=None, runs=15):
    """Median wall seconds and peak RSS (KiB) of `cmd` over `runs` runs."""
    walls, rss = [], 0
    for _ in range(runs):
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        t0 = time.perf_counter()
        p = subprocess.run([TIME, "-f", "%M"] + cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - t0)
        if stdin_path:
            stdin.close()
        if p.returncode != 0:
            raise SystemExit(f"{cmd}: exit {p.returncode}: {p.stderr.strip()[-300:]}")
        rss = max(rss, int(p.stderr.strip().splitlines()[-1]))
    return statistics.median(walls), rss


def reader_part(build, runs, wd):
    rows = []
    seq = [0]
    for name, ext, _, make in SHAPES:
        path = os.path.join(wd, f"sample.{ext}")
        with open(path, "wb") as f:
            f.write(make("Perth and Kinross Council", people("perth-kinross", 10, seq)))
        wall, rss = timed([os.path.join(build, "nomd-reader")], path, runs)
        py = None
        if ext in ("docx", "xlsx"):
            script = os.path.join(wd, f"read_{ext}.py")
            with open(script, "w") as f:
                f.write(PY_DOCX if ext == "docx" else PY_XLSX)
            py = timed([PY, script, path], None, runs)
        rows.append((name, os.path.getsize(path), wall, rss, py))
    out = ["| document (10 people) | bytes | nomd-reader: ms | peak RSS (MiB) | Python script: ms | "
           "peak RSS (MiB) |", "|---|---|---|---|---|---|"]
    for name, size, wall, rss, py in rows:
        pyc = f"{py[0] * 1000:.0f} | {py[1] / 1024:.1f}" if py else "- | -"
        out.append(f"| {name} | {size:,} | {wall * 1000:.0f} | {rss / 1024:.1f} | {pyc} |")
    return "\n".join(out)


def office_message(i, org, seq):
    org_id, org_name, sender = org
    label, ext, ctype, make = SHAPES[(i // 3) % len(SHAPES)]
    ppl = people(org_id, 2, seq)
    import email.message
    import email.policy
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m["From"] = f"Chief Executive <{sender}>"
    m["To"] = mail.NOMD_USER
    m["Subject"] = f"{org_name} nominations"
    m["Message-ID"] = f"<bench.doc.{i:06d}@{org_id}.example>"
    m["Date"] = "Tue, 01 Dec 2026 09:00:00 +0000"
    m.set_content(f"Dear Programme Team,\n\nPlease find attached {org_name}'s nominations.\n\nKind regards\n")
    maintype, subtype = ctype.split("/")
    m.add_attachment(make(org_name, ppl), maintype=maintype, subtype=subtype, filename=f"nominations.{ext}")
    return m.as_bytes(), {"kind": ext}


def backlog(n, office):
    msgs = mailgen.messages(n)
    if not office:
        return msgs
    orgs = mailgen.organisations()
    seq = [0]
    for i in range(0, n, 3):
        msgs[i] = office_message(i, orgs[i % len(orgs)], seq)
    return msgs


def sample_run(cmd, log):
    """Run `cmd`; peak VmHWM (KiB) of the process and of its largest
    nomd-reader child, sampled every 20 ms."""
    t0 = time.perf_counter()
    with open(log, "wb") as lf:
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
        own = reader = 0
        while p.poll() is None:
            own = max(own, hwm(p.pid))
            for c in mail.descendants(p.pid)[1:]:
                reader = max(reader, hwm(c, "nomd-reader"))
            time.sleep(0.02)
    wall = time.perf_counter() - t0
    if p.returncode not in (0, 75):
        raise SystemExit(f"nomd exited {p.returncode}; see {log}")
    return wall, own, reader


def hwm(pid, comm=None):
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return 0
    if comm and f"Name:\t{comm[:15]}\n" not in text:
        return 0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def backlog_part(build, n, wd):
    rows = []
    for office in (False, True):
        mwd = tempfile.mkdtemp(prefix="docs-", dir=wd)
        os.chmod(mwd, 0o755)
        ms = MailStack(os.path.join(mwd, "s")).start()
        try:
            msgs = backlog(n, office)
            mail.deliver(ms, msgs)
            conf = mail.nomd_config(ms, mwd, mail.free_port(), mail.NOMD_USER, build)
            wall, own, reader = sample_run([os.path.join(build, "nomd"), "-c", conf, "--once"],
                                           os.path.join(mwd, "nomd.log"))
            if mail.mailbox_count(ms, mail.NOMD_USER) != 0:
                raise SystemExit("nomd left messages in the inbox; see " + os.path.join(mwd, "nomd.log"))
            import sqlite3
            db = sqlite3.connect(os.path.join(mwd, "nomd.db"))
            outcomes = dict(db.execute("SELECT outcome, count(*) FROM messages GROUP BY outcome").fetchall())
            accepted = db.execute("SELECT count(*) FROM nominees WHERE status = 'accepted'").fetchone()[0]
            db.close()
        finally:
            ms.stop()
        label = "a third office attachments" if office else "no attachments (mailgen's shapes)"
        rows.append((label, wall, own, reader, outcomes, accepted))
    out = [f"| backlog of {n:,} | wall (s) | msgs/s | nomd peak RSS (MiB) | reader child peak RSS (MiB) | "
           "outcomes | nominees accepted |", "|---|---|---|---|---|---|---|"]
    for label, wall, own, reader, outcomes, accepted in rows:
        oc = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        child = f"{reader / 1024:.1f}" if reader else "-"
        out.append(f"| {label} | {wall:.1f} | {n / wall:.0f} | {own / 1024:.1f} | {child} | {oc} | {accepted:,} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--messages", type=int, default=600)
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/office.py runs a Dovecot and a Postfix: run it as root")
    build = os.path.abspath(a.build)
    for tool in (TIME, os.path.join(build, "nomd"), os.path.join(build, "nomd-reader")):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} missing (make)")
    rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True,
                         text=True).stdout.strip()
    wd = tempfile.mkdtemp(prefix="nomd-docbench-", dir="/tmp")
    os.chmod(wd, 0o755)
    t0 = time.perf_counter()
    part1 = reader_part(build, a.runs, wd)
    part2 = backlog_part(build, a.messages, wd)
    subprocess.run(["rm", "-rf", wd])
    print(f"nomd {rev}, {platform.machine()}, {os.cpu_count()} cores; one run of `bench/office.py "
          f"--messages {a.messages} --runs {a.runs}` ({time.perf_counter() - t0:.0f} s), under nice, on a machine "
          "shared with other work.\n")
    print("The reader alone, a process per document (median of the runs):\n")
    print(part1 + "\n")
    print("The backlog through `nomd --once`, ingest only (SMTP unreachable):\n")
    print(part2)


if __name__ == "__main__":
    main()
