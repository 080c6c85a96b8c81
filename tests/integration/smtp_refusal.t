#!/usr/bin/python3
# Which SMTP refusals fail a mail. An SMTP server in this process (plain
# text, on 127.0.0.1) plays the relay and refuses at one stage; the
# nominations come from a real Dovecot.
#   - refused at connect, at AUTH (535, a rotated password) or at MAIL FROM
#     (530), or not listening at all: no mail is failed or charged an
#     attempt, the pass ends, one log line and `nomctl status` say why,
#     and the exit status is temporary (75); once the server takes mail
#     everything is sent;
#   - refused at RCPT TO (550) or after DATA (554): that one mail fails,
#     the others are sent; `nomctl outbox retry --failed` queues every
#     failed mail again.
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, FakeServer, form_message, nomctl, nomctl_json, nomd, section,  # noqa: E402
                      workdir, write_config)

EX_TEMPFAIL = 75
HOLD = "outbox on hold, no mail failed"


class Relay(FakeServer):
    """Serves SMTP until closed, asking for a login (AUTH PLAIN).
    `refuse` maps a stage to the reply that refuses it: "connect" (the
    greeting), "AUTH", "MAIL"; `refuse_rcpt` and `refuse_end` map a
    recipient to the reply to its RCPT TO or to the end of its data.
    Both may be changed while it serves."""

    def __init__(self, refuse=None, refuse_rcpt=None, refuse_end=None):
        self.refuse = dict(refuse or {})
        self.refuse_rcpt = dict(refuse_rcpt or {})
        self.refuse_end = dict(refuse_end or {})
        self.accepted = []  # recipients of the mail taken
        self.logins = 0
        super().__init__()

    def say(self, conn, line):
        conn.sendall(line.encode() + b"\r\n")

    def session(self, conn):
        conn.settimeout(20)
        f = conn.makefile("rb")
        if "connect" in self.refuse:
            self.say(conn, self.refuse["connect"])
            return
        self.say(conn, "220 fake.relay ESMTP")
        rcpt = None
        while True:
            line = f.readline()
            if not line:
                return
            text = line.decode(errors="replace").strip()
            verb = text.upper()
            if verb.startswith(("EHLO", "HELO")):
                self.say(conn, "250-fake.relay\r\n250-AUTH PLAIN\r\n250 8BITMIME")
            elif verb.startswith("AUTH"):
                self.logins += 1
                if len(text.split()) < 3:  # no initial response: ask for it
                    self.say(conn, "334 ")
                    f.readline()
                self.say(conn, self.refuse.get("AUTH", "235 2.7.0 Authentication successful"))
            elif verb.startswith("MAIL"):
                self.say(conn, self.refuse.get("MAIL", "250 2.1.0 Ok"))
            elif verb.startswith("RCPT"):
                rcpt = re.search(r"<([^>]*)>", text).group(1)
                self.say(conn, self.refuse_rcpt.get(rcpt, "250 2.1.5 Ok"))
            elif verb.startswith("DATA"):
                self.say(conn, "354 End data with <CR><LF>.<CR><LF>")
                while f.readline() not in (b".\r\n", b""):
                    pass
                if rcpt in self.refuse_end:
                    self.say(conn, self.refuse_end[rcpt])
                else:
                    self.accepted.append(rcpt)
                    self.say(conn, f"250 2.0.0 Ok: queued as FAKE{len(self.accepted)}")
            elif verb.startswith("QUIT"):
                self.say(conn, "221 2.0.0 Bye")
                return
            else:
                self.say(conn, "250 2.0.0 Ok")


def configure(ms, folder, port):
    return write_config(ms, folder, smtp_plain_port=port, smtp_extra='retry_min = 1; retry_max = 1; user = "nomd"; password = "old";')


def scenario(ms, name, port, orgs):
    """nomd's own folder and config for a relay on `port`, and one nomination from
    each of `orgs` in the inbox (mail from earlier scenarios has been moved
    away by then). Returns conf."""
    folder = os.path.join(work, name)
    os.mkdir(folder)
    conf = configure(ms, folder, port)
    for org in orgs:
        ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{org}.example", f"{name}@{org}.example",
                                                 section("Member", f"Ann {org.title()}", f"ann@{org}.example")))
    return conf


def rows(conf):
    return sorted(nomctl_json(conf, "outbox"), key=lambda o: o["id"])


def status(conf):
    r = nomctl(conf, "status", "--format", "json")
    import json
    return json.loads(r.stdout)[0] if r.returncode == 0 else {}


def untouched(out):
    """Every row pending, never tried, due at once (the same for all)."""
    return bool(out) and all(o["status"] == "pending" and o["attempts"] == 0 and not o["last_error"]
                             and not o.get("next_attempt") for o in out)


def held_run(conf, what, said):
    """A pass against a server that takes no mail: nothing charged."""
    r = nomd(conf, "--once", expect=75)
    log = r.stdout + r.stderr
    out = rows(conf)
    tap.is_(r.returncode, EX_TEMPFAIL, f"{what}: the run ends as temporary (75)")
    tap.ok(len(out) >= 2 and untouched(out),
           f"{what}: all {len(out)} mails stay pending, none failed, none charged an attempt: "
           + str([(o["status"], o["attempts"], o["last_error"]) for o in out]))
    lines = [ln for ln in log.splitlines() if HOLD in ln]
    tap.ok(len(lines) == 1 and re.search(said, lines[0]),
           f"{what}: one log line says why: {lines[0].split(': ', 1)[-1] if lines else '(none)'}")
    st = status(conf).get("delivery_error") or ""
    tap.like(st, said, f"{what}: nomctl status shows it")
    return out


def sent_run(conf, relay, what, expect):
    r = nomd(conf, "--once")
    out = rows(conf)
    tap.is_(r.returncode, 0, f"{what}: the next run exits 0")
    tap.ok(out and all(o["status"] == "sent" for o in out) and len(relay.accepted) == expect,
           f"{what}: then every mail is sent ({len(relay.accepted)} of {len(out)})")
    tap.is_(status(conf).get("delivery_error"), "-", f"{what}: and nomctl status no longer shows a problem")


work = workdir("nomd-smtp-refusal-")
with MailStack(os.path.join(work, "stack")) as ms:
    # 1. A rotated password: AUTH refused with 535, then the password fixed.
    relay = Relay(refuse={"AUTH": "535 5.7.8 Error: authentication failed"})
    conf = scenario(ms, "auth", relay.port, ("fife", "angus"))
    before = held_run(conf, "AUTH refused (535)", r"SMTP AUTH failed: .*535 5\.7\.8 Error: authentication failed")
    tap.is_(relay.logins, 1, "one login tried in the pass, not one per mail")
    relay.refuse.clear()
    sent_run(conf, relay, "AUTH accepted again", len(before))
    relay.close()

    # 2. MAIL FROM refused with 530 (the relay wants a login we lack).
    relay = Relay(refuse={"MAIL": "530 5.7.0 Authentication required"})
    conf = scenario(ms, "mail", relay.port, ("moray", "shetland"))
    before = held_run(conf, "MAIL FROM refused (530)", r"SMTP MAIL FROM failed: .*530 5\.7\.0 Authentication required")
    relay.refuse.clear()
    sent_run(conf, relay, "MAIL FROM accepted again", len(before))
    relay.close()

    # 3. The connection refused in the greeting.
    relay = Relay(refuse={"connect": "554 5.3.2 fake.relay no service for you"})
    conf = scenario(ms, "greeting", relay.port, ("stirling", "falkirk"))
    held_run(conf, "greeting 554", r"SMTP connect failed: .*554 5\.3\.2 fake\.relay no service")
    relay.close()

    # 4. Nothing listening (an outage: the port is bound, never listened
    # on, so connections are refused), then the server back.
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    port = hole.getsockname()[1]
    conf = scenario(ms, "down", port, ("highland", "orkney"))
    before = held_run(conf, "server unreachable", r"SMTP connect failed: .*(onnect|refused)")
    tap.is_([o.get("next_attempt") for o in before], [None] * len(before),
            "after the outage the first mail is due as soon as the rest (no next try set on any)")
    hole.close()
    relay = Relay()
    text = open(conf).read().replace(f"127.0.0.1:{port}", f"127.0.0.1:{relay.port}")
    open(conf, "w").write(text)
    sent_run(conf, relay, "server back", len(before))
    relay.close()

    # 5. Refused at RCPT TO and after DATA: those two mails fail, not the pass.
    orgs = ("clackmannanshire", "dundee-city", "argyll-bute")
    relay = Relay(refuse_rcpt={f"chief.executive@{orgs[0]}.example": "550 5.1.1 no such mailbox"},
                  refuse_end={f"chief.executive@{orgs[1]}.example": "554 5.7.1 message content rejected"})
    conf = scenario(ms, "recipient", relay.port, orgs)
    r = nomd(conf, "--once")
    out = {o["recipient"]: o for o in rows(conf)}
    tap.is_(r.returncode, 0, "RCPT and DATA refusals: the run exits 0")
    rcpt_row = out.get(f"chief.executive@{orgs[0]}.example", {})
    data_row = out.get(f"chief.executive@{orgs[1]}.example", {})
    tap.ok(rcpt_row.get("status") == "failed" and "550 5.1.1 no such mailbox" in (rcpt_row.get("last_error") or ""),
           f"the mail refused at RCPT TO fails with the server's words: {rcpt_row.get('last_error')}")
    tap.ok(data_row.get("status") == "failed" and "554 5.7.1" in (data_row.get("last_error") or ""),
           f"the mail refused after DATA fails with the server's words: {data_row.get('last_error')}")
    others = [o for rc, o in out.items() if rc not in (rcpt_row.get("recipient"), data_row.get("recipient"))]
    tap.ok(others and all(o["status"] == "sent" for o in others), f"the other {len(others)} mails are sent")
    tap.is_(status(conf).get("delivery_error"), "-", "nomctl status shows no delivery problem")
    relay.refuse_rcpt.clear()
    relay.refuse_end.clear()
    r = nomctl(conf, "outbox", "retry", "--failed")
    tap.ok(r.returncode == 0 and "2 failed mail(s) queued again" in r.stdout,
           f"nomctl outbox retry --failed requeues both: {r.stdout.strip()}{r.stderr.strip()}")
    tap.is_([o["status"] for o in rows(conf)].count("failed"), 0, "none is failed any more")
    r = nomd(conf, "--once")
    tap.ok(all(o["status"] == "sent" for o in rows(conf)), "and the next run sends them")
    r = nomctl(conf, "outbox", "retry", "--failed")
    tap.ok(r.returncode == 0 and r.stdout.startswith("0 failed"), "with none failed it requeues nothing")
    relay.close()
tap.done()
