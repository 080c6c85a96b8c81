#!/usr/bin/python3
# nomd and nomctl for a person at a terminal, on the real mail stack:
#   - nomctl's tables: names with accents, combining marks and wide (CJK)
#     characters line up by display width; COLUMNS narrower than the
#     table cuts the widest cells with an ellipsis and no line is wider;
#     the listings that take --format table all give one; into a pipe
#     the default stays JSON;
#   - `nomd --once` on a terminal shows one progress line for a backlog
#     (done of found, rate, time left); into a pipe, nothing of the kind.
import json
import os
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, form_message, nomd, run, run_on_tty, section, workdir,  # noqa: E402
                      write_config)


def backlog(ms, tag, n):
    for i in range(n):
        ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", f"{tag}-{i}@fife.example",
                                                 "", subject="STATUS"))


def width(s):
    """Columns on a terminal: wide characters 2, combining marks 0."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def nomctl_env(conf, *args, **env):
    e = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    e.update(env)
    return run([os.path.join(BUILD, "nomctl"), "-c", conf, *args], env=e)


NAMES = ["Zoë Ó Súilleabháin", "李小龍", "Åsa Öberg-Ñúñez", "Bob", "Jose\u0301 Mari\u0301a"]

work = workdir("nomd-tables-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    sections = [section("Member" if i % 2 == 0 else "Mentor", name, f"p{i}@fife.example", job_title="Officer")
                for i, name in enumerate(NAMES)]
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "tables-1@fife.example",
                                             "".join(sections)))
    nomd(conf, "--once")

    r = nomctl_env(conf, "export", "--format", "table")
    lines = r.stdout.splitlines()
    header = lines[0] if lines else ""
    tap.ok(header.startswith("organisation") and "email" in header, f"a header row ({header[:60]})")
    at = width(header[:header.find("email")])
    rows = [line for line in lines[1:] if "@fife.example" in line]
    tap.is_(len(rows), len(NAMES), "one row per nominee")
    offsets = sorted({width(line[:line.index("@fife") - 2]) for line in rows})
    tap.is_(offsets, [at], "the email column starts at the same display column in every row, after names with "
            "accents, combining marks and wide characters")
    name_at = width(header[:header.find("name")])
    tap.ok(all(any(width(line[:line.find(n)]) == name_at for n in NAMES if n in line) for line in rows),
           "and every name starts under its header")
    tap.ok(all("…" not in line for line in lines), "into a pipe without COLUMNS nothing is cut")

    r = nomctl_env(conf, "export", "--format", "table", COLUMNS="80")
    lines = r.stdout.splitlines()
    tap.ok(lines and max(width(line) for line in lines) <= 80,
           f"COLUMNS=80: no line wider than 80 columns (widest {max(map(width, lines)) if lines else 0})")
    tap.ok(any("…" in line for line in lines), "long cells are cut with an ellipsis")
    tap.ok(len(lines) == len(NAMES) + 1, "still one line per row")

    r = nomctl_env(conf, "export")
    tap.is_([n["name"] for n in json.loads(r.stdout)], NAMES, "into a pipe the default stays JSON")
    for args in (("messages",), ("outbox",), ("pairs",), ("event", "list"), ("status",)):
        r = nomctl_env(conf, *args, "--format", "table")
        tap.ok(r.returncode == 0 and r.stdout.strip() and not r.stdout.lstrip().startswith(("[", "{")),
               f"nomctl {' '.join(args)} --format table: a table ({r.stdout.splitlines()[:1]})")

    # A backlog of 150 (STATUS requests, answered by mail): on a terminal
    # one line counts them; the same run into a pipe shows only log lines.
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("max_replies_per_sender_per_hour", "max_replies_per_sender_per_hour = 1000; #", 1)
                if "max_replies_per_sender_per_hour" in text else
                text.replace("smtp = {", "smtp = { max_replies_per_sender_per_hour = 1000;", 1))
    backlog(ms, "tty", 150)
    rc, out = run_on_tty([os.path.join(BUILD, "nomd"), "-c", conf, "--once"])
    tap.is_(rc, 0, "nomd --once on a terminal with 150 messages waiting")
    tap.ok("\rnomd: 100 of 150 messages, " in out.replace("\x1b[K", "") and "/s, about " in out
           and "150 of 150 messages in" in out,
           "one progress line, redrawn in place: done of found, rate, time left")
    odd = [line for line in out.replace("\x1b[K", "").replace("\r\n", "\n").split("\n")
           if line.strip() and not line.lstrip("\r").startswith(("nomd[", "nomd: "))]
    tap.ok(not odd, f"every other line is an ordinary log line, above the progress line ({odd[:2]})")
    backlog(ms, "pipe", 150)
    r = nomd(conf, "--once")
    tap.ok(r.returncode == 0 and "150 message(s) to process" in r.stderr and " of 150 messages" not in r.stderr
           and "\r" not in r.stderr and "\x1b" not in r.stderr, "into a pipe: no progress line, no escapes")
tap.done()
