#!/usr/bin/python3
# The servers' certificates are checked, not only trusted: an IMAP server
# reached by a name its certificate does not carry (127.0.0.2, through a
# proxy to the real Dovecot; the certificate names 127.0.0.1 and localhost)
# is refused before the password goes, and an SMTP server whose certificate
# does not chain to smtp.ca_file is refused at STARTTLS: no mail goes, none
# is failed. With the right CA file the same mail then goes.
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Proxy, form_message, nomctl_json, nomd, run, section, workdir, write_config  # noqa: E402

work = workdir("nomd-tls-verify-")


class OtherAddressProxy(Proxy):
    """A Proxy listening on 127.0.0.2, a loopback address the server's
    certificate does not name."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.2", 0))
        self.srv.listen(5)
        self.port = self.srv.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def to_server(self, client, server):
        self.connections += 1
        self.pump(client, server)


def logins(ms):
    with open(os.path.join(ms.dir, "dovecot", "dovecot.log"), errors="replace") as f:
        return len(re.findall(r"Login: user=<" + re.escape(INBOX_USER), f.read()))


with MailStack(os.path.join(work, "stack")) as ms:
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "tls-1@fife.example",
                                             section("Member", "Ann Fife", "ann@fife.example")))

    # IMAP: the right CA, the wrong name.
    sub = os.path.join(work, "imap")
    os.mkdir(sub)
    conf = write_config(ms, sub)
    proxy = OtherAddressProxy(("127.0.0.1", ms.imaps_port))
    text = open(conf).read().replace(f'host = "127.0.0.1"; port = {ms.imaps_port};',
                                     f'host = "127.0.0.2"; port = {proxy.port};')
    open(conf, "w").write(text)
    before = logins(ms)
    r = nomd(conf, "--once", expect=69)
    tap.is_(r.returncode, 69, "IMAP server reached by a name not in its certificate: exit 69")
    tap.like(r.stderr, r"certificate not trusted.*(not match|hostname|127\.0\.0\.2)",
             "the certificate is refused for the name: "
             + next((line for line in r.stderr.splitlines() if "certificate" in line), "")[:200])
    tap.ok(proxy.connections >= 1, "nomd did connect through the proxy")
    tap.is_(logins(ms) - before, 0, "no login reached the server")
    tap.is_(len(ms.fetch(INBOX_USER)), 1, "the message stays in the inbox")

    # SMTP: a CA that did not sign Postfix's certificate.
    sub = os.path.join(work, "smtp")
    os.mkdir(sub)
    other_ca = os.path.join(sub, "other-ca.pem")
    r = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", os.path.join(sub, "k.pem"),
             "-out", other_ca, "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
    tap.is_(r.returncode, 0, "a second CA made")
    conf = write_config(ms, sub)
    good = open(conf).read()
    smtp_ca = f'url = "smtp://127.0.0.1:{ms.smtp_port}"; security = "starttls";\n  ca_file = "{ms.cert_file}";'
    tap.ok(smtp_ca in good, "the SMTP CA setting found in the configuration")
    open(conf, "w").write(good.replace(smtp_ca, smtp_ca.replace(ms.cert_file, other_ca)))
    r = nomd(conf, "--once", expect=75)
    tap.is_(r.returncode, 75, "SMTP certificate not from smtp.ca_file: nomd --once exits 75 (try again later)")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["ann@fife.example"],
            "the nomination itself is processed")
    out = nomctl_json(conf, "outbox")
    tap.ok(out and all(o["status"] == "pending" and o["attempts"] == 0 for o in out),
           f"its {len(out)} mail(s) stay pending, no attempt charged")
    status = nomctl_json(conf, "status")[0].get("delivery_error") or ""
    tap.like(status, r"(?i)certificate|SSL|TLS|peer", "nomctl status says why: " + status[:200])
    ms.wait_queue_empty(timeout=10)
    tap.is_(len(ms.fetch("chief.executive@fife.example")), 0, "nothing was delivered")

    open(conf, "w").write(good)
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "with the right CA file nomd --once exits 0")
    tap.ok(all(o["status"] == "sent" for o in nomctl_json(conf, "outbox")), "and the mail is sent")
    tap.is_(len(ms.fetch("chief.executive@fife.example", expect=1, timeout=30)), 1, "and arrives, once")
tap.done()
