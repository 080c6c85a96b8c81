#!/usr/bin/python3
# Dovecot stopped and restarted under a running nomd: nomd notices, backs
# off (the delay doubling per attempt, jittered), reconnects and processes mail delivered after.
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
import mailstack  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, write_config, workdir  # noqa: E402

CE = "chief.executive@dundee-city.example"
work = workdir("nomd-reconnect-")


def port_open(port):
    return mailstack._port_open(port)


with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    d = Daemon(conf)
    tap.ok(d.wait_for(r"waiting with IDLE", 20), "connected and idling")
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "r-1@dundee-city.example",
                                             section("Member", "One", "one@dundee-city.example")))
    tap.ok(d.wait_for(r"r-1@dundee-city\.example .* outcome=accepted", 20), "first message processed")
    # Its confirmation must be in Dovecot before Dovecot stops: Postfix's
    # LMTP delivery cut off by the stop is deferred, and Postfix may then
    # hold it for 60 s ("skipped, still being delivered"), past the fetch below.
    tap.is_(len(ms.fetch(CE, expect=1, timeout=30)), 1, "first confirmation delivered")

    mark = d.mark()
    subprocess.run([mailstack.DOVECOT, "-c", ms.dovecot_conf, "stop"], check=True)
    deadline = time.monotonic() + 20
    while port_open(ms.imaps_port) and time.monotonic() < deadline:
        time.sleep(0.1)
    tap.ok(not port_open(ms.imaps_port), "Dovecot stopped")
    tap.ok(d.wait_for(r"\]: error: IMAP", 20, since=mark), "nomd notices the lost connection")
    # The backoff doubles: attempt k waits a delay jittered within
    # [2^(k-1) / 2, 2^(k-1)] s (daemon/daemon.c backoff_ms). The delays are
    # those nomd logs, so this is no timing test; waiting for attempt 4 costs
    # at most 1 + 2 + 4 s.
    first = d.wait_for(r"reconnecting in \S+ s \(attempt 1\)", 20, since=mark)
    t_first = time.monotonic()
    fourth = d.wait_for(r"reconnecting in \S+ s \(attempt 4\)", 30, since=mark)
    t_fourth = time.monotonic()
    tap.ok(first and fourth, "backs off and tries again while the server is down")
    down_log = d.text()[mark:]
    delays = [(int(k), float(s)) for s, k in re.findall(r"reconnecting in (\S+) s \(attempt (\d+)\)", down_log)]
    tap.is_([k for k, _ in delays[:4]], [1, 2, 3, 4], f"attempts counted one by one ({delays})")
    for k, secs in delays[:4]:
        ceiling = 2 ** (k - 1)
        # %.1f in the log: half a tenth either way.
        tap.ok(ceiling / 2 - 0.05 <= secs <= ceiling + 0.05,
               f"attempt {k} waits {secs} s, within [{ceiling / 2}, {ceiling}] s: the delay doubles")
    # The delays are slept, not only logged (a lower bound only: a slow
    # machine can make the gap longer, never shorter).
    slept = sum(secs for _, secs in delays[:3])
    tap.ok(t_fourth - t_first >= slept - 0.3,
           f"attempts 1 to 4 are {t_fourth - t_first:.1f} s apart, at least the {slept:.1f} s logged")
    errors = len(re.findall(r"\]: error: ", down_log))
    tap.ok(errors <= 2, f"a repeated failure is logged once, not per attempt ({errors} error lines)")

    with open(os.path.join(ms.dovecot_dir, "restart.out"), "wb") as out:
        subprocess.run([mailstack.DOVECOT, "-c", ms.dovecot_conf], check=True, stdout=out, stderr=out)
    ms._disable_auth_penalty(time.monotonic() + 5)
    deadline = time.monotonic() + 20
    while not port_open(ms.imaps_port) and time.monotonic() < deadline:
        time.sleep(0.05)
    tap.ok(port_open(ms.imaps_port), "Dovecot restarted")
    mark = d.mark()
    ms.deliver_lmtp(INBOX_USER, form_message(CE, "r-2@dundee-city.example",
                                             section("Member", "Two", "two@dundee-city.example")))
    t0 = time.monotonic()
    tap.ok(d.wait_for(r"connected to ", 60, since=mark), "nomd reconnects")
    tap.ok(d.wait_for(r"r-2@dundee-city\.example .* outcome=accepted", 60, since=mark),
           f"and processes mail delivered after the restart ({time.monotonic() - t0:.1f} s)")
    tap.is_(len(ms.fetch(CE, expect=2, timeout=30)), 2, "both confirmations arrive, once each")
    rc, _ = d.stop()
    tap.is_(rc, 0, "stops cleanly")
    tap.is_(len(nomctl_json(conf, "export")), 2, "two nominees stored")
tap.done()
