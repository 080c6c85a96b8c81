#!/usr/bin/env python3
"""Seeds for fuzz_form from mail: the decoded text of each message, and its
spreadsheet attachments after the separator fuzz_form splits on.

    tests/fuzz/form_seeds.py OUTDIR FILE.eml...

For each message OUTDIR/NAME.txt holds its text/plain parts (else its
text/html parts with the tags dropped), decoded to UTF-8, then, for each
CSV attachment, "\\n%%csv\\n" and the attachment's bytes as sent. A message
Python cannot read is copied whole. Used by tests/fuzz/run.sh; without
python3 run.sh feeds the messages without their headers instead."""
import email
import email.policy
import os
import re
import sys

SEPARATOR = b"\n%%csv\n"


def is_csv(part):
    ctype = part.get_content_type()
    name = (part.get_filename() or "").lower()
    return ctype in ("text/csv", "application/csv", "application/vnd.ms-excel") or (
        ctype == "application/octet-stream" and name.endswith(".csv")
    )


def text_of(part):
    try:
        return part.get_content()
    except Exception:  # an unknown charset, broken encoding: the raw bytes
        raw = part.get_payload(decode=True) or b""
        return raw.decode("utf-8", "replace")


def seed(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    plain, html, sheets = [], [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if is_csv(part):
            sheets.append(part.get_payload(decode=True) or b"")
        elif part.get_content_type() == "text/plain" and not part.is_attachment():
            plain.append(text_of(part))
        elif part.get_content_type() == "text/html" and not part.is_attachment():
            html.append(re.sub(r"<[^>]*>", " ", text_of(part)))
    out = "\n".join(plain or html).encode("utf-8", "replace")
    for sheet in sheets:
        out += SEPARATOR + sheet
    return out


def main():
    outdir, files = sys.argv[1], sys.argv[2:]
    for path in files:
        with open(path, "rb") as f:
            raw = f.read()
        try:
            data = seed(raw)
        except Exception:
            data = raw
        name = path.replace("/", "-")
        if name.endswith(".eml"):
            name = name[: -len(".eml")]
        with open(os.path.join(outdir, "seed-" + name + ".txt"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
