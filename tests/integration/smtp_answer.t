#!/usr/bin/python3
# What nomd knows about a mail it handed to the SMTP server. An SMTP
# server in this process (plain text, on 127.0.0.1) plays the relay; the
# nomination comes from a real Dovecot.
#   - accepted: nomd logs the server's final answer ("250 ... queued as
#     ID"), which traces the mail into the relay's own log;
#   - the line cut after the whole mail went and before the answer
#     (RFC 1047): the server may have queued it, so nomd sends it again
#     later (a copy beats a loss) and says in the log and the outbox that
#     it may arrive twice;
#   - the line cut before the mail went: deferred, and no such warning;
#   - nomd killed (-9, with its sender) while the relay holds the answer:
#     the mail sent again by the next run is the same mail, its Message-ID
#     and Date those fixed when it was queued;
#   - nomd killed alone while the relay holds the answer: its sender, left
#     behind, records that mail as sent once answered and stops there,
#     sending nothing more; the next run sends the rest.
import email
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, FakeServer, form_message, nomctl_json, nomd, section, workdir,  # noqa: E402
                      write_config)

MAYBE = "may have accepted it and it may arrive twice"


class FakeRelay(FakeServer):
    """Serves SMTP until closed. `actions` is taken in turn for each mail:
    "ok" (250 queued as FAKEn), "cut-after-body" (close instead of the 250),
    "cut-after-354" (close instead of reading the mail), "hang-after-body"
    (no answer until closed; `holding` is set meanwhile), "hold-then-ok"
    (`holding` set, the 250 once `release` is set)."""

    def __init__(self, actions):
        self.actions = list(actions)
        self.mails = []  # (recipient, action, queue id)
        self.headers = []  # (recipient, Message-ID, Date) of each mail read whole
        self.holding = threading.Event()
        self.release = threading.Event()
        super().__init__()

    def session(self, conn):
        conn.settimeout(20)
        f = conn.makefile("rb")
        conn.sendall(b"220 fake.relay ESMTP\r\n")
        rcpt = None
        while True:
            line = f.readline()
            if not line:
                return
            verb = line.decode(errors="replace").strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                conn.sendall(b"250-fake.relay\r\n250 8BITMIME\r\n")
            elif verb.startswith("MAIL"):
                conn.sendall(b"250 2.1.0 Ok\r\n")
            elif verb.startswith("RCPT"):
                rcpt = re.search(r"<([^>]*)>", line.decode(errors="replace")).group(1)
                conn.sendall(b"250 2.1.5 Ok\r\n")
            elif verb.startswith("DATA"):
                action = self.actions.pop(0) if self.actions else "ok"
                conn.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                if action == "cut-after-354":
                    self.mails.append((rcpt, action, None))
                    return
                data = b""
                while (chunk := f.readline()) not in (b".\r\n", b""):
                    data += chunk
                mail = email.message_from_bytes(data)
                self.headers.append((rcpt, mail["Message-ID"], mail["Date"]))
                if action == "hang-after-body":
                    self.mails.append((rcpt, action, None))
                    self.holding.set()
                    f.read()  # until the connection or the relay closes
                    return
                if action == "hold-then-ok":
                    self.holding.set()
                    self.release.wait(60)
                if action == "cut-after-body":
                    self.mails.append((rcpt, action, None))
                    return
                qid = f"FAKE{len(self.mails) + 1}"
                self.mails.append((rcpt, action, qid))
                conn.sendall(f"250 2.0.0 Ok: queued as {qid}\r\n".encode())
            elif verb.startswith("QUIT"):
                conn.sendall(b"221 2.0.0 Bye\r\n")
                return
            else:
                conn.sendall(b"250 2.0.0 Ok\r\n")


def configure(ms, work, port):
    return write_config(ms, work, smtp_plain_port=port, smtp_extra="retry_min = 1; retry_max = 1;")


def scenario(ms, name, actions, org, nominee):
    """A relay playing `actions`, nomd's own folder and config for it, and
    one nomination from `org` in the inbox (mail from earlier scenarios
    has been moved away by then). Returns (relay, conf)."""
    relay = FakeRelay(actions)
    folder = os.path.join(work, name)
    os.mkdir(folder)
    conf = configure(ms, folder, relay.port)
    ms.deliver_lmtp(INBOX_USER, form_message(f"chief.executive@{org}.example", f"{name}@{org}.example",
                                             section("Member", nominee, f"{nominee.split()[0].lower()}@{org}.example")))
    return relay, conf


def rows(conf):
    return sorted(nomctl_json(conf, "outbox"), key=lambda o: o["id"])


work = workdir("nomd-smtp-answer-")
with MailStack(os.path.join(work, "stack")) as ms:
    # 1. The answer to the first mail lost; the second accepted.
    relay, conf = scenario(ms, "lost", ["cut-after-body", "ok"], "fife", "Ann Example")
    r = nomd(conf, "--once")
    log = r.stdout + r.stderr
    out = rows(conf)
    tap.is_([o["status"] for o in out], ["pending", "sent"],
            "the mail whose answer was lost stays pending, the next one is sent")
    tap.ok(out and out[0]["last_error"] and MAYBE in out[0]["last_error"],
           f"its outbox row says it may arrive twice: {out[0]['last_error'] if out else '(no row)'}")
    warn = re.search(rf"warning: outbox #{out[0]['id']} deferred \d+ s: .*{MAYBE}", log) if out else None
    tap.ok(warn, "and so does the log")
    sent = re.search(rf"info: sent outbox #{out[1]['id']}: 250 2\.0\.0 Ok: queued as (FAKE\d+)", log) \
        if len(out) > 1 else None
    tap.ok(sent and any(q == sent.group(1) for _, _, q in relay.mails),
           "the mail accepted is logged with the server's answer, queue id and all: "
           + (sent.group(0).split("info: ", 1)[1] if sent else "(not found)"))
    # The retry: sent again, and this time answered.
    time.sleep(1.5)
    r = nomd(conf, "--once")
    log = r.stdout + r.stderr
    out = rows(conf)
    tap.is_([o["status"] for o in out], ["sent", "sent"], "the retry sends it again and it is accepted")
    tap.ok(re.search(rf"info: sent outbox #{out[0]['id']}: 250 .*queued as FAKE",
                     log), "the second sending logged with its queue id")
    tap.is_([a for rc, a, _ in relay.mails if rc == "chief.executive@fife.example"], ["cut-after-body", "ok"],
            "the relay got the confirmation twice: once unanswered, once accepted")
    relay.close()

    # 2. The line cut before the mail went: deferred, no "may arrive twice".
    relay, conf = scenario(ms, "cut", ["cut-after-354"], "angus", "Bea Example")
    r = nomd(conf, "--once")
    out = rows(conf)
    first = out[0] if out else {}
    tap.ok(first.get("status") == "pending" and first.get("last_error") and MAYBE not in first["last_error"],
           f"cut before the mail went: deferred without the warning: {first.get('last_error')}")
    relay.close()

    # 3. Killed while the relay holds the answer: the mail goes again, the same mail.
    relay, conf = scenario(ms, "kill", ["hang-after-body", "ok"], "moray", "Cal Example")
    proc = subprocess.Popen([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    held = relay.holding.wait(60)
    os.killpg(proc.pid, signal.SIGKILL)  # nomd and its sender, which would outlive nomd alone
    proc.wait()
    tap.ok(held, "the relay read the whole mail and holds its answer; nomd and its sender are killed")
    time.sleep(1.5)
    nomd(conf, "--once")
    out = rows(conf)
    sent = [(m, d) for rc, m, d in relay.headers if rc == "chief.executive@moray.example"]
    mine = [o for o in out if o["recipient"] == "chief.executive@moray.example"]
    tap.is_([o["status"] for o in mine], ["sent"], "the next run sends it again")
    tap.ok(len(sent) == 2 and sent[0] == sent[1] and sent[0][0] and sent[0][1],
           f"the copy sent again has the first one's Message-ID and Date ({sent})")
    tap.ok(mine and sent and sent[0][0] == f"<{mine[0]['message_id']}>",
           "the Message-ID recorded when the mail was queued")
    relay.close()

    # 4. nomd killed alone while the relay holds the answer: the sender,
    # orphaned, finishes the mail in hand and stops.
    relay, conf = scenario(ms, "orphan", ["hold-then-ok"], "highland", "Dee Example")
    proc = subprocess.Popen([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    held = relay.holding.wait(60)
    with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
        children = [int(c) for c in f.read().split()]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    relay.release.set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{c}") for c in children):
        time.sleep(0.1)
    left = [c for c in children if os.path.exists(f"/proc/{c}")]
    for c in left:
        os.kill(c, signal.SIGKILL)
    tap.ok(held and children and not left,
           f"the sender left behind ({children}) stops once the mail in hand is answered ({left} still running)")
    out = [o for o in rows(conf) if o["recipient"].endswith("@highland.example")]
    tap.is_([o["status"] for o in out], ["sent", "pending"],
            "that mail is recorded as sent, and the next is left to the next run")
    nomd(conf, "--once")
    tap.is_([o["status"] for o in rows(conf) if o["recipient"].endswith("@highland.example")], ["sent", "sent"],
            "which sends it")
    tap.is_(sorted(r for r, _, _ in relay.mails if r.endswith("@highland.example")),
            ["chief.executive@highland.example", "dee@highland.example"], "each mail reached the relay once")
    relay.close()
tap.done()
