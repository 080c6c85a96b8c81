#!/usr/bin/python3
# Memory is bounded before parsing: each of the message shapes that cost a
# MIME parser the most (tests/lib/worst_shapes.py), at the size nomd
# accepts (imap.max_message_bytes, 10 MiB), is either held as too_complex
# without GMime building a tree of it, or read as usual; and the whole
# nomd process, fetch included, peaks under 64 MiB for it. The peak is
# the kernel's (ru_maxrss of `nomd --once`); under ASan or valgrind it
# means nothing and only the outcomes are checked.
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
import worst_shapes  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, INBOX_USER, WRAP, form_message, nomctl_json, section, wrapped, write_config, workdir  # noqa: E402

LIMIT_KIB = 64 * 1024
# Dovecot adds a few header fields on delivery.
SIZE = 10 * 1024 * 1024 - 4096
work = workdir("nomd-shapes-")
nomd_bin = os.path.join(BUILD, "nomd")
with open(nomd_bin, "rb") as f:
    measured = b"__asan_init" not in f.read() and not WRAP
if not measured:
    tap.diag("sanitizer or valgrind build: peak memory not checked")


def run_once(conf):
    """nomd --once under /usr/bin/time: (exit status, peak RSS in KiB, stderr).
    Not os.wait4() here: a child forked from this Python process starts
    with its high-water mark, which exec keeps."""
    out = conf + ".rss"
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + wrapped([nomd_bin, "-c", conf, "--once"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(out) as f:
        peak = int(f.read().split()[-1])
    return r.returncode, peak, r.stderr.decode(errors="replace")


with MailStack(os.path.join(work, "stack")) as ms:
    def feed(name, raw):
        sub = os.path.join(work, name)
        os.mkdir(sub)
        conf = write_config(ms, sub)
        ms.deliver_lmtp(INBOX_USER, raw, fix_eols=False)
        rc, peak, err = run_once(conf)
        tap.is_(rc, 0, f"{name}: nomd --once exits 0")
        if rc != 0:
            tap.diag(err[-2000:])
        messages = nomctl_json(conf, "messages")
        return messages[0] if len(messages) == 1 else None, peak

    # An ordinary nomination: what nomd needs anyway.
    msg, base = feed("ordinary", form_message("chief.executive@moray.example", "ordinary@moray.example",
                                              section("Member", "Alex Morgan", "alex.morgan@moray.example")))
    tap.ok(msg and "too_complex" not in msg["reasons"], "an ordinary nomination is read")
    tap.diag(f"ordinary nomination: peak {base} KiB")

    for shape in worst_shapes.SHAPES:
        name = shape.__name__
        raw, limit = shape(SIZE)
        msg, peak = feed(name, raw)
        tap.diag(f"{name}: {len(raw)} bytes, peak {peak} KiB")
        reasons = msg["reasons"] if msg else None
        if limit:
            tap.is_(reasons, ["too_complex"], f"{name}: held as too_complex")
            tap.like(msg["detail"] if msg else "", limit, f"{name}: for its {limit}")
        else:
            tap.ok(reasons is not None and "too_complex" not in reasons, f"{name}: read ({reasons})")
        if measured:
            tap.ok(peak < LIMIT_KIB, f"{name}: nomd peaks at {peak} KiB, under {LIMIT_KIB} KiB")

tap.done()
