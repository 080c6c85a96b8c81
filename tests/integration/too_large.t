#!/usr/bin/python3
# A message over imap.max_message_bytes is held as too_large from its
# RFC822.SIZE alone: its body is never fetched. nomd talks plain IMAP on
# loopback through a proxy in this process that records both directions;
# no BODY[] fetch names the large message's UID, and none of its bytes
# reach nomd, while the messages around it are read and processed.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Recorder, form_message, nomctl_json, nomd, section, uid_set, workdir, write_config  # noqa: E402

LIMIT = 20000
MARK = "LARGE-BODY-MARKER"
work = workdir("nomd-too-large-")


with MailStack(os.path.join(work, "stack")) as ms:
    proxy = Recorder(("127.0.0.1", ms.imap_port))
    conf = write_config(ms, work, imap_security="none", imap_extra=f"max_message_bytes = {LIMIT};")
    text = open(conf).read().replace(f"port = {ms.imap_port};", f"port = {proxy.port};")
    open(conf, "w").write(text)

    ce = "chief.executive@fife.example"
    padding = "".join(f"{MARK} line {i} of the attached minutes, kept for the record.\n" for i in range(600))
    bodies = [section("Member", "Ann Small", "ann@fife.example"),
              section("Member", "Bea Large", "bea@fife.example") + padding,
              section("Member", "Cal Small", "cal@fife.example")]
    for i, body in enumerate(bodies):
        ms.deliver_lmtp(INBOX_USER, form_message(ce, f"large-{i}@fife.example", body))
    uids = [uid for uid, _ in ms.fetch_uids(INBOX_USER)]
    large_uid = sorted(uids)[1] if len(uids) == 3 else None
    tap.ok(large_uid is not None, f"three messages in the inbox, the large one is UID {large_uid}")

    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once exits 0" + (f": {r.stderr[-400:]}" if r.returncode else ""))
    held = [m for m in nomctl_json(conf, "messages") if "too_large" in (m["reasons"] or [])]
    tap.is_(len(held), 1, "the large message is held as too_large")
    tap.like(held[0]["detail"] if held else "", rf"^\d+ bytes, limit {LIMIT}$", "with its size and the limit")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["ann@fife.example", "cal@fife.example"],
            "the messages around it are processed; nothing of it is applied")
    tap.is_(len(ms.fetch(INBOX_USER, "Held")), 1, "it is moved to Held")

    with proxy.lock:
        sent = proxy.sent.decode("latin-1")
        received = bytes(proxy.received)
    fetched = set()
    for m in re.finditer(r"UID FETCH (\S+) \(([^\r\n]*)\)", sent):
        if re.search(r"BODY(\.PEEK)?\[", m.group(2), re.I) or "RFC822 " in m.group(2) + " ":
            fetched |= uid_set(m.group(1))
    small = set(uids) - {large_uid}
    tap.ok(small and small <= fetched, f"the bodies of the small messages were fetched (UIDs {sorted(fetched)})")
    tap.ok(large_uid not in fetched, f"no body fetch named UID {large_uid}")
    tap.ok(received and MARK.encode() not in received,
           f"none of its body reached nomd ({len(received)} bytes from the server in all)")
tap.done()
