#!/usr/bin/python3
# A nomination whose fields a spreadsheet would run as formulas (cells
# starting with = + - @) arrives by mail; `nomctl export --format csv`
# prefixes each such cell with ', so it is text, and keeps the value.
import csv
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, form_message, nomctl, nomctl_json, nomd, section, workdir, write_config  # noqa: E402

work = workdir("nomd-csv-formula-")
NAME = '=HYPERLINK("http://evil.example/x","Ann Fife")'
FIELDS = {"job_title": "+Graduate Policy Officer", "service": "@SUM(1+1)*cmd|' /C calc'!A0",
          "aspiration": "-2+3 Head of Service"}

with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    ms.deliver_lmtp(INBOX_USER, form_message(
        "chief.executive@fife.example", "formula-1@fife.example",
        section("Member", NAME, "ann@fife.example", service_type="corporate", years="2", **FIELDS)))
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once exits 0")
    got = nomctl_json(conf, "export")
    tap.is_([n["name"] for n in got], [NAME], "the nominee is stored with the name as sent")
    r = nomctl(conf, "export", "--format", "csv")
    tap.is_(r.returncode, 0, "nomctl export --format csv exits 0")
    rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    row = rows[0] if rows else {}
    tap.is_(row.get("name"), "'" + NAME, "the name is prefixed with ' and otherwise unchanged")
    for key, value in FIELDS.items():
        tap.is_(row.get(key), "'" + value, f"{key} starting with {value[0]} is prefixed too")
    tap.is_(row.get("email"), "ann@fife.example", "an ordinary cell is left alone")
    bad = [cell for line in csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))) for cell in line
           if cell[:1] in ("=", "+", "-", "@")]
    tap.is_(bad, [], "no cell of the export starts a formula")
tap.done()
