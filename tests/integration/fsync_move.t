#!/usr/bin/python3
# Commit before acknowledge, on the wire: the batch's commits are made
# durable (an fsync of SQLite's write-ahead log) before the UID MOVE that
# takes its messages out of the inbox. nomd runs under strace over plain
# IMAP on loopback, so the MOVE command can be read in its write(2); every
# MOVE must come after an fsync that follows the last write to the log.
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, INBOX_USER, form_message, nomctl_json, section, workdir, write_config  # noqa: E402

STRACE = shutil.which("strace") or "/usr/bin/strace"
ORGS = ("fife", "angus", "moray", "highland", "falkirk")
work = workdir("nomd-fsync-move-")
if not os.path.exists(STRACE):
    tap.bail_out("strace is not installed (scripts/install-deps.sh installs it)")


def events(trace):
    """(pid, kind) in order: "write" to the -wal file, "sync" of it, "move"
    (a UID MOVE or UID COPY command sent)."""
    out = []
    for line in trace.splitlines():
        m = re.match(r"(\d+)\s+(\w+)\((\d+)<([^>]*)>(.*)", line)
        if not m:
            continue
        pid, call, _, target, rest = m.groups()
        if call in ("fsync", "fdatasync") and target.endswith("-wal"):
            out.append((pid, "sync"))
        elif call in ("write", "pwrite64", "pwritev", "pwritev2") and target.endswith("-wal"):
            out.append((pid, "write"))
        elif call in ("write", "sendto", "sendmsg") and re.search(r"UID (MOVE|COPY) ", rest):
            out.append((pid, "move"))
    return out


with MailStack(os.path.join(work, "stack")) as ms:
    # Two batches of moves (batch_size 3, five messages).
    conf = write_config(ms, work, imap_security="none", imap_extra="batch_size = 3;")
    for org in ORGS:
        ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{org}.example", f"fsync-{org}@x.example",
                                                 section("Member", f"Ann {org.title()}", f"ann@{org}.example")))
    trace_file = os.path.join(work, "strace.out")
    r = subprocess.run([STRACE, "-f", "-y", "-s", "256", "-o", trace_file,
                        "-e", "trace=fsync,fdatasync,write,pwrite64,pwritev,pwritev2,sendto,sendmsg",
                        os.path.join(BUILD, "nomd"), "-c", conf, "--once"],
                       capture_output=True, text=True, timeout=120,
                       # LeakSanitizer cannot work under ptrace (an ASan build).
                       env=dict(os.environ, ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
                                .lstrip(":")))
    tap.is_(r.returncode, 0, "nomd --once under strace exits 0" + (f": {r.stderr[-500:]}" if r.returncode else ""))
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), sorted(f"ann@{o}.example" for o in ORGS),
            "all five messages were processed")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "and moved out of the inbox")

    ev = events(open(trace_file, errors="replace").read())
    moves = [i for i, (_, kind) in enumerate(ev) if kind == "move"]
    tap.is_(len(moves), 2, "two move commands seen on the wire, one per batch")
    writes_before = sum(1 for _, kind in ev[:moves[0]] if kind == "write") if moves else 0
    tap.ok(writes_before > 0, f"the log was written before the first move ({writes_before} writes)")
    unsynced = []
    for i in moves:
        pid = ev[i][0]
        pending = False
        for p, kind in ev[:i]:
            if p != pid:
                continue
            if kind == "write":
                pending = True
            elif kind == "sync":
                pending = False
        if pending:
            unsynced.append(i)
    tap.is_(unsynced, [], "every move follows an fsync of everything written to the log before it")
tap.done()
