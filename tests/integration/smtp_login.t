#!/usr/bin/python3
# A rotated SMTP password on a real Postfix that asks for a login (SASL
# through Dovecot, AUTH only after STARTTLS). A running nomd with the old
# password gets Postfix's own "535 5.7.8" on every pass: no mail is failed
# or charged an attempt, the log says it once, `nomctl status` says why.
# With the new password in the configuration and a reload, everything is
# delivered, once.
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
import mailstack  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, section, workdir, write_config  # noqa: E402

ORGS = ("fife", "angus", "moray")
HOLD = r"outbox on hold, no mail failed: SMTP AUTH failed: .*535 5\.7\.8"

work = workdir("nomd-smtp-login-")
auth_port = mailstack._free_ports(1)[0]
dovecot_auth = f"""
service auth {{
  inet_listener {{
    address = 127.0.0.1
    port = {auth_port}
  }}
}}
"""
postfix_auth = {
    "smtpd_sasl_type": "dovecot",
    "smtpd_sasl_path": f"inet:127.0.0.1:{auth_port}",
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_tls_auth_only": "yes",
    # Nobody sends without logging in, loopback or not.
    "smtpd_relay_restrictions": "permit_sasl_authenticated, reject",
    "smtpd_recipient_restrictions": "permit_sasl_authenticated, reject",
}
with MailStack(os.path.join(work, "stack"), dovecot_extra=dovecot_auth, postfix_extra=postfix_auth) as ms:
    conf = write_config(ms, work, smtp_extra=f'retry_min = 1; retry_max = 1; user = "{INBOX_USER}";'
                                             ' password = "the old one";')
    for org in ORGS:
        ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{org}.example", f"login-{org}@x.example",
                                                 section("Member", f"Ann {org.title()}", f"ann@{org}.example")))
    d = Daemon(conf)
    tap.ok(d.wait_for(HOLD, 30), "the refused login puts the outbox on hold")
    # Passes go on meanwhile (every second or two); each is refused again.
    deadline = time.monotonic() + 20
    refusals = 0
    while time.monotonic() < deadline and refusals < 3:
        time.sleep(0.5)
        refusals = len(re.findall(r"authentication failed", open(ms.postfix_log, errors="replace").read()))
    tap.ok(refusals >= 3, f"nomd tried the login again in later passes ({refusals} refusals in Postfix's log)")
    out = nomctl_json(conf, "outbox")
    tap.ok(len(out) >= len(ORGS) and all(o["status"] == "pending" for o in out),
           f"all {len(out)} mails stay pending, none failed")
    tap.is_({(o["attempts"], o["last_error"], o["next_attempt"]) for o in out}, {(0, None, None)},
            "none was charged an attempt or put back")
    tap.is_(len(re.findall(HOLD, d.text())), 1, "the log says it once: "
            + (re.search(HOLD + ".*", d.text()) or [""])[0])
    tap.like(nomctl_json(conf, "status")[0].get("delivery_error") or "", r"SMTP AUTH failed: .*535 5\.7\.8",
             "nomctl status says why")

    text = open(conf).read().replace('password = "the old one";', f'password = "{ms.password}";')
    open(conf, "w").write(text)
    mark = d.mark()
    d.signal(signal.SIGHUP)
    tap.ok(d.wait_for(r"delivery works again", 30, since=mark), "after the new password and a reload, "
           "delivery works again at once")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(o["status"] != "sent" for o in nomctl_json(conf, "outbox")):
        time.sleep(0.5)
    out = nomctl_json(conf, "outbox")
    tap.ok(all(o["status"] == "sent" for o in out), f"all {len(out)} mails are sent")
    ms.wait_queue_empty(timeout=30)
    got = {org: len(ms.fetch(f"chief.executive@{org}.example", expect=1, timeout=30)) for org in ORGS}
    tap.is_(got, {org: 1 for org in ORGS}, "each confirmation arrives once")
    tap.is_(nomctl_json(conf, "status")[0].get("delivery_error"), "-", "nomctl status shows no problem any more")
    rc, _ = d.stop()
    tap.is_(rc, 0, "nomd stops cleanly")
tap.done()
