#!/usr/bin/python3
# nomd under a service manager: with NOTIFY_SOCKET pointed at a socket this
# test reads, nomd says READY=1, keeps STATUS current and pings WATCHDOG=1
# at half the WATCHDOG_USEC interval (here 4 s: every 2 s) while it
# waits in IDLE; SIGHUP with a broken configuration is refused and the old
# configuration stays in force; SIGTERM says STOPPING=1.
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, write_config, workdir  # noqa: E402

work = workdir("nomd-notify-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    path = os.path.join(work, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    got = []  # (monotonic time, message)

    def read_for(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                got.append((time.monotonic(), sock.recv(4096).decode()))
            except socket.timeout:
                pass

    d = Daemon(conf, "-v", env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"})
    read_for(9)
    texts = [m for _, m in got]
    tap.ok(texts and "READY=1" in texts[0], f"READY=1 first ({texts[:1]})")
    tap.ok(any(re.search(r"STATUS=idle, 0 queued", m) for m in texts), "STATUS says idle, 0 queued")
    pings = [t for t, m in got if "WATCHDOG=1" in m]
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    tap.ok(len(pings) >= 3, f"WATCHDOG=1 while waiting in IDLE ({len(pings)} in 9 s)")
    tap.ok(gaps and max(gaps) < 4.0 and min(gaps) > 1.0,
           f"about every 2 s, half the 4 s watchdog (gaps {min(gaps) if gaps else 0:.2f} to {max(gaps) if gaps else 0:.2f} s)")

    # A broken configuration on SIGHUP: refused, the old one stays.
    good = open(conf).read()
    with open(conf, "w") as f:
        f.write(good.replace("imap = {", "imap = { bogus_key = 1;", 1))
    mark = d.mark()
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_for(r"reload refused, keeping the running configuration: .*unknown setting 'imap.bogus_key'", 10,
                      since=mark), "SIGHUP with a broken config: refused, with the FILE:LINE error")
    read_for(1)
    tap.is_(d.proc.poll(), None, "nomd keeps running")
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "after-hup@fife.example",
                                             section("Member", "Alex Morgan", "alex@fife.example")))
    tap.ok(d.wait_for(r"after-hup@fife.example .* outcome=accepted", 20, since=mark),
           "and goes on working with the configuration it had")
    with open(conf, "w") as f:
        f.write(good)
    tap.is_([n["email"] for n in nomctl_json(conf, "export")], ["alex@fife.example"], "the nomination is stored")
    mark = d.mark()
    got.clear()
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_for(r"configuration reloaded from", 10, since=mark), "a good config on SIGHUP is reloaded")
    read_for(1)
    tap.ok(any("RELOADING=1" in m for _, m in got) and any("READY=1" in m for _, m in got),
           "RELOADING=1, then READY=1 again")

    got.clear()
    rc, _ = d.stop()
    read_for(0.5)
    tap.is_(rc, 0, "SIGTERM: exit 0")
    tap.ok(any("STOPPING=1" in m for _, m in got), "STOPPING=1 on the way out")
    sock.close()

tap.done()
