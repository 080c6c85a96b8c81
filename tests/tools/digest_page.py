#!/usr/bin/python3
"""The staff digest of a realistic round (tests/lib/round_seed.py) as a
page a browser can open: plays the round on a throwaway mail stack, reads
the digest back from the staff mailbox over IMAP, and writes its HTML part
to OUTDIR/digest.html with the inline chart beside it (digest-chart.png,
the cid: reference pointed at it) and the workbook it attaches. Prints
the page's path. Used by tests/screenshot_templates.sh.
    tests/tools/digest_page.py OUTDIR"""

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from mailstack import MailStack  # noqa: E402
from nomdtest import parse_mail, workdir  # noqa: E402
import round_seed  # noqa: E402


def main(out):
    os.makedirs(out, exist_ok=True)
    work = workdir("nomd-digest-page-")
    with MailStack(os.path.join(work, "stack")) as ms:
        conf, _ = round_seed.seed_round(ms, work)
        r = round_seed.nomd_at(conf, round_seed.DIGEST_AT)
        if r.returncode != 0:
            sys.exit(f"nomd at {round_seed.DIGEST_AT} exited {r.returncode}: {r.stderr[-500:]}")
        ms.wait_queue_empty(timeout=60)
        day = round_seed.DIGEST_AT[:10]
        got = [m for m in map(parse_mail, ms.fetch(round_seed.STAFF)) if f"digest {day}" in str(m["Subject"])]
        if not got:
            sys.exit(f"no digest for {day} in {round_seed.STAFF}'s mailbox")
        digest = got[-1]
    html = digest.get_body(preferencelist=("html",)).get_content()
    for part in digest.walk():
        cid = (part["Content-ID"] or "").strip("<>")
        if part.get_content_type() == "image/png" and cid:
            with open(os.path.join(out, "digest-chart.png"), "wb") as f:
                f.write(part.get_content())
            html = html.replace(f"cid:{cid}", "digest-chart.png")
    for part in digest.iter_attachments():
        with open(os.path.join(out, part.get_filename()), "wb") as f:
            f.write(part.get_content())
    path = os.path.join(out, "digest.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)
    with open(os.path.join(out, "digest.txt"), "w", encoding="utf-8") as f:
        f.write(f"Subject: {digest['Subject']}\n\n" + digest.get_body(preferencelist=("plain",)).get_content())
    print(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
