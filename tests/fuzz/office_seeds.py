#!/usr/bin/python3
"""Seeds for fuzz_office (tests/fuzz/fuzz_office.c) from the documents of
tests/lib/documents.py: the small packages as they are, and every package
as "%%NAME" sections of the members the readers read. Writes into
tests/fuzz/seeds-office/ (or the directory given); run with /usr/bin/python3
(python3-docx, python3-openpyxl, python3-odf)."""
import io
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import documents  # noqa: E402

READ = re.compile(r"^(word/document\.xml|word/header\d*\.xml|content\.xml|mimetype|xl/workbook\.xml|"
                  r"xl/_rels/workbook\.xml\.rels|xl/sharedStrings\.xml|xl/worksheets/[^/]+\.xml)$")


def sections(data):
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            if READ.match(name):
                out.append(b"%%" + name.encode() + b"\n" + z.read(name) + b"\n")
    return b"".join(out)


def main():
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "seeds-office")
    os.makedirs(dest, exist_ok=True)
    org, people = "Highland Council", documents.SAMPLE_PEOPLE
    docs = {
        "sections.docx": documents.docx_sections(org, people),
        "header.docx": documents.docx_sections(org, people, org_in="header"),
        "wide.docx": documents.docx_wide(org, people),
        "sections.odt": documents.odt_sections(org, people),
        "sheet.xlsx": documents.xlsx_sheet(org, people),
        "sheet.ods": documents.ods_sheet(org, people),
        "xxe.docx": documents.docx_xxe(),
        "laughs.xlsx": documents.xlsx_billion_laughs(),
    }
    for name, data in sorted(docs.items()):
        with open(os.path.join(dest, name + ".sections"), "wb") as f:
            f.write(sections(data))
        if len(data) < 16384:
            with open(os.path.join(dest, name), "wb") as f:
                f.write(data)
    with open(os.path.join(dest, "table.txt"), "wb") as f:
        f.write(b"Organisation | Fife Council\n\nMember or mentor|Full name|Email|Years\n"
                b"Mentor|Jo Smith|jo@x.example|3\nnotes||\n")


main()
