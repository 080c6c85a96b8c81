#!/usr/bin/python3
# A server that repeats an unchanged "* N EXISTS" in its answers (RFC 3501
# allows it) must not make nomd search again and again: nomd treats only a
# count above what its moves left as new mail. A proxy in this process sits
# between nomd and Dovecot's plain IMAP port and adds "* N EXISTS" (the
# current count) before every tagged answer. It also counts one message
# more than there is, as if the inbox held one nomd leaves alone, so that
# every pass searches (an empty inbox is only SELECTed). A second after
# each "+ idling" it sends a keepalive ("* OK Still here", as Dovecot does
# at an interval of its own). nomd must still wait quietly in IDLE, and
# still take in mail that really arrives.
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, Proxy, form_message, nomctl_json, section, shut, write_config, workdir  # noqa: E402




class EchoProxy(Proxy):
    """Forwards IMAP connections to `upstream`: every EXISTS count one
    higher, and the current count again before each tagged answer once a
    mailbox is selected; a keepalive a second into each IDLE. Literals ({n})
    are passed through whole."""

    def __init__(self, upstream):
        self.echoes = 0
        self.keepalives = 0
        self.lock = threading.Lock()
        super().__init__(upstream)

    def send(self, client, data):
        with self.lock:
            try:
                client.sendall(data)
            except OSError:
                pass

    def keepalive(self, client):
        self.keepalives += 1
        self.send(client, b"* OK Still here\r\n")

    def to_client(self, server, client):
        f = server.makefile("rb")
        count = None
        try:
            while True:
                line = f.readline()
                if not line:
                    break
                out = line
                m = re.search(rb"\{(\d+)\}\r\n$", line)
                if m:  # a literal and the rest of its line
                    out += f.read(int(m.group(1))) + f.readline()
                if re.match(rb"\* \d+ EXISTS\r\n", line):
                    count = int(line.split()[1]) + 1  # the phantom message
                    out = b"* %d EXISTS\r\n" % count
                elif re.match(rb"\* \d+ EXPUNGE\r\n", line) and count:
                    count -= 1
                elif not line.startswith((b"*", b"+")) and count is not None:
                    out = b"* %d EXISTS\r\n" % count + out
                    self.echoes += 1
                self.send(client, out)
                if line.startswith(b"+ idling"):
                    threading.Timer(1.0, self.keepalive, args=(client,)).start()
        except OSError:
            pass
        shut(server, client)


def nomination(n):
    org = ("fife", "angus", "moray", "highland")[n % 4]
    return form_message(f"chief.executive@{org}.example", f"echo-{n}@{org}.example",
                        section("Member", f"Person {n}", f"p{n}@{org}.example"))


work = workdir("nomd-echo-")
with MailStack(os.path.join(work, "stack")) as ms:
    proxy = EchoProxy((ms.host, ms.imap_port))
    conf = write_config(ms, work, imap_security="none", smtp_extra="max_replies_per_sender_per_hour = 1000;")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(re.sub(r"port = \d+;", f"port = {proxy.port};", text, count=1))
    for n in range(20):
        ms.deliver_lmtp(INBOX_USER, nomination(n))
    d = Daemon(conf, "-v")
    tap.ok(d.wait_for(r"message echo-19@\S+ .*outcome=", 30), "nomd takes in a backlog of 20 through the proxy")
    tap.ok(d.wait_for(r"imap state=idle max_seconds", 15), "and goes into IDLE")
    mark, kept = d.mark(), proxy.keepalives
    time.sleep(4)
    selects = len(re.findall(r"imap state=select", d.text()[mark:]))
    tap.ok(proxy.echoes > 0 and proxy.keepalives - kept >= 2,
           f"the proxy repeated the count in {proxy.echoes} answers, sent {proxy.keepalives - kept} keepalives in 4 s")
    tap.ok(selects == 0, f"with nothing new, nomd waits in IDLE: {selects} SELECTs in 4 s")
    if selects:
        tap.diag(d.text()[mark:])
    mark = d.mark()
    for n in range(20, 30):
        ms.deliver_lmtp(INBOX_USER, nomination(n))
    tap.ok(d.wait_for(r"message echo-29@\S+ .*outcome=", 20, since=mark), "mail that really arrives is taken in")
    # Its confirmations go out first (slow under a sanitizer): a pass may
    # follow them. Then nomd must settle in IDLE and stay there.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(o["status"] == "pending" for o in nomctl_json(conf, "outbox")):
        time.sleep(0.2)
    time.sleep(1)
    mark = d.mark()
    time.sleep(3)
    selects = len(re.findall(r"imap state=select", d.text()[mark:]))
    tap.ok(selects == 0, f"and then nomd waits again: {selects} SELECTs in 3 s")
    if selects:
        tap.diag(d.text()[mark:])
    rc, _ = d.stop()
    tap.is_(rc, 0, "SIGTERM: exit status 0")
tap.done()
