#!/usr/bin/python3
# Workbooks for staff, on the real mail stack, read back with openpyxl:
#   - `nomctl export --format xlsx --output FILE`: sheet Nominees, the
#     header bold and frozen, an autofilter over every row, years as
#     numbers, times as Excel dates in staff.timezone, and names that look
#     like formulas kept as text; every value as `nomctl export` gives it;
#   - `nomctl report --output FILE`: sheets Nominees, Organisations,
#     Pairs, Events and Held mail, each organisation with its state;
#   - --format xlsx without --output, or into nowhere, is refused;
#   - LibreOffice, where installed, converts it without complaint.
import datetime
import email
import email.policy
import io
import os
import re
import shutil
import subprocess
import sys
import zoneinfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import openpyxl  # noqa: E402
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl, nomctl_json, nomd, section, workdir, write_config  # noqa: E402

work = workdir("nomd-workbook-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    people = [
        ("Member", "=HYPERLINK(\"http://x.example\",\"click\")", "f1@fife.example", dict(years="2")),
        ("Mentor", "Zoë Ó Súilleabháin", "f2@fife.example", dict(years="22", job_title="+44 1592 583 000")),
        ("Member", "@SUM(A1:A9)", "f3@fife.example", dict(years="1", job_title="-1+1")),
        ("Mentor", "Åsa Öberg", "f4@fife.example", dict(years="15")),
    ]
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "wb-1@fife.example",
                                             "".join(section(r, n, e, **f) for r, n, e, f in people)))
    ms.deliver_lmtp(INBOX_USER, form_message("stranger@elsewhere.example", "wb-2@elsewhere.example", "Hello"))
    nomd(conf, "--once")
    export = nomctl_json(conf, "export")
    out = os.path.join(work, "nominees.xlsx")
    r = nomctl(conf, "export", "--format", "xlsx", "--output", out)
    tap.ok(r.returncode == 0 and os.path.exists(out) and f"4 row(s) written to {out}" in r.stderr,
           f"export --format xlsx --output writes the file ({r.stderr.strip()})")
    tap.is_(oct(os.stat(out).st_mode & 0o777), "0o640", "readable by its owner and group only")
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    tap.is_(wb.sheetnames, ["Nominees"], "one sheet, Nominees")
    header = [c.value for c in ws[1]]
    tap.is_(header, list(export[0].keys()), "the header is export's columns, in order")
    tap.ok(all(c.font.b for c in ws[1]), "in bold")
    tap.is_(ws.freeze_panes, "A2", "frozen under the header")
    tap.is_(ws.auto_filter.ref, f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(export) + 1}",
            "an autofilter over every row")
    london = zoneinfo.ZoneInfo("Europe/London")
    mismatch = []
    for i, person in enumerate(export):
        row = {h: c for h, c in zip(header, ws[i + 2])}
        for key, want in person.items():
            cell = row[key]
            if want is None or want == "":
                ok = cell.value in (None, "")
            elif key == "years":
                ok = cell.data_type == "n" and cell.value == int(want)
            elif key.endswith("_at"):
                t = datetime.datetime.fromisoformat(want.replace("Z", "+00:00")).astimezone(london)
                ok = cell.is_date and cell.value == t.replace(tzinfo=None)
            else:
                ok = cell.data_type == "s" and cell.value == want
            if not ok:
                mismatch.append((key, want, cell.value, cell.data_type))
    tap.is_(mismatch, [], "every cell as nomctl export gives it: years numbers, times Excel dates, the rest text")
    names = {ws.cell(row=i + 2, column=header.index("name") + 1).value for i in range(len(export))}
    tap.ok('=HYPERLINK("http://x.example","click")' in names and "@SUM(A1:A9)" in names,
           "names that look like formulas are text, not formulas")
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(k + 1)].width for k in range(len(header))]
    tap.ok(all(w and 8 <= w <= 52 for w in widths), f"every column has a width that fits its content ({widths[:5]})")

    rep = os.path.join(work, "report.xlsx")
    r = nomctl(conf, "report", "--output", rep)
    tap.is_(r.returncode, 0, "nomctl report --output writes every sheet")
    wb = openpyxl.load_workbook(rep)
    tap.is_(wb.sheetnames, ["Nominees", "Organisations", "Pairs", "Events", "Held mail"], "the five sheets")
    orgs = {row[0]: row for row in wb["Organisations"].iter_rows(min_row=2, values_only=True)}
    tap.ok(orgs.get("fife", ())[3:5] == (2, 2) and orgs["fife"][7] == "in progress"
           and orgs.get("angus", ())[7] == "none yet", f"organisations with counts and state ({orgs.get('fife')})")
    held = [row for row in wb["Held mail"].iter_rows(min_row=2, values_only=True)]
    tap.ok(len(held) == 1 and held[0][0] == "stranger@elsewhere.example", "the held message from a stranger")
    tap.is_(wb["Nominees"].max_row, len(export) + 1, "and the nominees")
    tap.is_((wb["Pairs"]["A1"].value, wb["Pairs"].max_row, wb["Events"]["A1"].value), ("None.", 1, "None."),
            "a sheet with nothing in it says so")

    r = nomctl(conf, "export", "--format", "xlsx", expect=64)
    tap.ok(r.returncode == 64 and "needs --output" in r.stderr, "--format xlsx without --output: a usage error")
    r = nomctl(conf, "export", "--output", out, expect=64)
    tap.ok(r.returncode == 64 and "goes with --format xlsx" in r.stderr, "--output without --format xlsx too")
    r = nomctl(conf, "report", "--output", os.path.join(work, "no-such-folder", "r.xlsx"), expect=73)
    tap.ok(r.returncode == 73 and "no-such-folder" in r.stderr, "a folder that is not there: EX_CANTCREAT, said")

    # The digest carries the same workbook (staff.digest_attachment's default).
    r = nomctl(conf, "digest", "--send")
    tap.is_(r.returncode, 0, "nomctl digest --send")
    mails = [email.message_from_bytes(raw, policy=email.policy.default)
             for raw in ms.fetch("programme-team@example.org", expect=1, timeout=60)]
    att = [a for m in mails for a in m.iter_attachments()]
    tap.ok(len(att) == 1 and re.fullmatch(r"nominations-\d{4}-\d\d-\d\d\.xlsx", att[0].get_filename() or "")
           and att[0].get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           f"the digest attaches nominations-DATE.xlsx ({[a.get_filename() for a in att]})")
    if att:
        wb = openpyxl.load_workbook(io.BytesIO(att[0].get_content()))
        tap.ok(wb.sheetnames == ["Nominees", "Organisations", "Pairs", "Events", "Held mail"]
               and wb["Nominees"].max_row == len(export) + 1, "with the five sheets, every nominee in the first")
        body = mails[0].get_body(preferencelist=("plain",)).get_content()
        tap.ok("Attached: the round as a workbook" in body, "and the digest says what it is")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        tap.skip("LibreOffice is not installed here", 1)
    else:
        p = subprocess.run([soffice, "--headless", "--convert-to", "csv", "--outdir", work, out],
                           capture_output=True, text=True, timeout=120)
        csv_out = os.path.join(work, "nominees.csv")
        tap.ok(p.returncode == 0 and os.path.exists(csv_out) and "Åsa Öberg" in open(csv_out).read(),
               "LibreOffice opens and converts it")
tap.done()
