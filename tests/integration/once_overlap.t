#!/usr/bin/python3
# nomd --once, and the daemon on a backlog, send while they read: the
# replies to the first batch reach the SMTP server before the last message
# of the backlog is even fetched. The
# IMAP traffic goes through a proxy in this process that holds back the
# body fetch naming the last message until the test's SMTP server has
# accepted a mail (or 30 s have passed: then the run goes on, late, and the
# test fails). No timing is measured: the order of events is.
import os
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, Daemon, FakeServer, Proxy, form_message, nomctl_json, nomd, section, shut, uid_set,  # noqa: E402
                      workdir, write_config)

COUNT = 6
work = workdir("nomd-once-overlap-")


class Relay(FakeServer):
    """Accepts every mail; `accepted` is set at the first."""

    def __init__(self):
        self.accepted = threading.Event()
        self.count = self.sessions = 0
        super().__init__()

    def session(self, conn):
        self.sessions += 1
        conn.settimeout(30)
        f = conn.makefile("rb")
        conn.sendall(b"220 fake.relay ESMTP\r\n")
        while line := f.readline():
            verb = line.decode(errors="replace").strip().upper()
            if verb.startswith(("EHLO", "HELO")):
                conn.sendall(b"250 fake.relay\r\n")
            elif verb.startswith("DATA"):
                conn.sendall(b"354 go on\r\n")
                while f.readline() not in (b".\r\n", b""):
                    pass
                self.count += 1
                conn.sendall(f"250 2.0.0 Ok: queued as FAKE{self.count}\r\n".encode())
                self.accepted.set()
            elif verb.startswith("QUIT"):
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 Ok\r\n")


class HoldLast(Proxy):
    """Holds a body fetch naming `last` until `event` is set (at most 30 s)."""

    def __init__(self, upstream, last, event):
        self.last, self.event = last, event
        self.held = self.released_by_mail = None
        super().__init__(upstream)

    def to_server(self, client, server):
        f = client.makefile("rb")
        try:
            while line := f.readline():
                m = re.search(rb"UID FETCH (\S+) \([^\r\n]*BODY\.PEEK\[\]", line, re.I)
                if m and self.last in uid_set(m.group(1).decode()):
                    self.held = True
                    self.released_by_mail = self.event.wait(30)
                server.sendall(line)
        except OSError:
            pass
        shut(client, server)


with MailStack(os.path.join(work, "stack")) as ms:
    ce = "chief.executive@fife.example"
    for i in range(COUNT):
        ms.deliver_lmtp(INBOX_USER, form_message(ce, f"overlap-{i}@fife.example",
                                                 section("Member", f"Person {i}", f"person{i}@fife.example")))
    uids = sorted(uid for uid, _ in ms.fetch_uids(INBOX_USER))
    tap.is_(len(uids), COUNT, f"{COUNT} messages in the inbox")
    relay = Relay()
    proxy = HoldLast(("127.0.0.1", ms.imap_port), uids[-1], relay.accepted)
    conf = write_config(ms, work, imap_security="none", imap_extra="batch_size = 2;", max_members=50,
                        smtp_plain_port=relay.port)
    text = open(conf).read().replace(f"port = {ms.imap_port};", f"port = {proxy.port};")
    open(conf, "w").write(text)

    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once exits 0" + (f": {r.stderr[-400:]}" if r.returncode else ""))
    tap.ok(proxy.held, f"the body fetch of the last message (UID {uids[-1]}) was seen")
    tap.ok(proxy.released_by_mail, "a mail was accepted by the SMTP server before the last message was fetched")
    lines = r.stderr.splitlines()
    sent = [i for i, line in enumerate(lines) if re.search(r"sent outbox #\d+: 250", line)]
    applied = [i for i, line in enumerate(lines) if re.search(r"message \S+ organisation=\S+ outcome=", line)]
    tap.is_(len(applied), COUNT, f"{COUNT} messages applied")
    tap.ok(sent and applied and sent[0] < applied[-1],
           "in the log, a mail is sent before the last message is applied")
    # Welcomes are queued for each batch's new nominees, and the last pass
    # of the sender takes what the last batch queued: nothing is left.
    outbox = nomctl_json(conf, "outbox")
    tap.is_(sorted({o["status"] for o in outbox}), ["sent"], f"every queued mail was sent ({len(outbox)})")
    tap.is_(len(outbox), 2 * COUNT, "a reply and a welcome per message")
    tap.is_(relay.count, 2 * COUNT, "and the SMTP server took each once")
    tap.is_(relay.sessions, 1, "over one SMTP connection, kept between the sender's passes")
    tap.ok(re.search(rf"outbox: {2 * COUNT} sent, 0 deferred, 0 failed", r.stderr),
           "the last line sums up the sending of the whole run")
    relay.close()

    # The daemon started on a backlog: its first pass sends as it reads too.
    dwork = os.path.join(work, "daemon")
    os.mkdir(dwork)
    for i in range(COUNT):
        ms.deliver_lmtp(INBOX_USER, form_message(ce, f"overlap-d{i}@fife.example",
                                                 section("Member", f"Daemon {i}", f"daemon{i}@fife.example")))
    uids = sorted(uid for uid, _ in ms.fetch_uids(INBOX_USER))
    relay = Relay()
    proxy = HoldLast(("127.0.0.1", ms.imap_port), uids[-1], relay.accepted)
    conf = write_config(ms, dwork, imap_security="none", imap_extra="batch_size = 2;", max_members=50,
                        smtp_plain_port=relay.port)
    text = open(conf).read().replace(f"port = {ms.imap_port};", f"port = {proxy.port};")
    open(conf, "w").write(text)
    d = Daemon(conf)
    done = d.wait_for(rf"outbox: {2 * COUNT} sent", 60) or d.wait_for(r"outbox: \d+ sent", 5)
    d.stop()
    tap.ok(proxy.held and proxy.released_by_mail,
           "the daemon: a mail was accepted by the SMTP server before the last message of the backlog was fetched")
    outbox = nomctl_json(conf, "outbox")
    tap.ok(done and sorted({o["status"] for o in outbox}) == ["sent"] and len(outbox) == 2 * COUNT,
           f"and by the end of its first pass every reply and welcome was sent ({len(outbox)})")
    relay.close()
tap.done()
