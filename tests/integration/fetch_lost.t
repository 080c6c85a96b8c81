#!/usr/bin/python3
# A connection lost while a message's body is fetched is no fault of the
# message: it must not count as an attempt at it, or a flaky link would
# hold good mail as "unprocessable". A proxy in this process sits between
# nomd and Dovecot's plain IMAP port and cuts the connection whenever nomd
# asks for a body, a set number of times; then it lets the fetch through.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, BUILD, Proxy, form_message, shut, nomctl_json, run, section, write_config, workdir  # noqa: E402

CUTS = 5  # more than the attempts a message gets (and the extra one for deaths)


class CuttingProxy(Proxy):
    """Forwards IMAP connections to `upstream`; while `cuts` is above zero,
    a command fetching a body (BODY.PEEK[]) ends the connection instead."""

    def __init__(self, upstream, cuts):
        self.cuts = cuts
        self.cut = 0
        super().__init__(upstream)

    def to_server(self, client, server):
        f = client.makefile("rb")
        try:
            while True:
                line = f.readline()
                if not line:
                    break
                if re.search(rb"BODY\.PEEK\[\]", line, re.I) and self.cuts > 0:
                    self.cuts -= 1
                    self.cut += 1
                    break
                server.sendall(line)
        except OSError:
            pass
        shut(client, server)


work = workdir("nomd-fetchlost-")
with MailStack(os.path.join(work, "stack")) as ms:
    proxy = CuttingProxy((ms.host, ms.imap_port), CUTS)
    conf = write_config(ms, work, imap_security="none")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(re.sub(r"port = \d+;", f"port = {proxy.port};", text, count=1))
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "flaky-1@fife.example",
                                             section("Member", "Flaky Link", "flaky.link@fife.example")))
    codes = []
    for _ in range(CUTS):
        r = run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], expect=75)
        codes.append(r.returncode)
        if r.returncode != 75:
            tap.diag(r.stderr)
    tap.is_(proxy.cut, CUTS, f"the proxy cut {CUTS} body fetches")
    tap.ok(all(c == 75 for c in codes), f"each of those runs ends with 75, connection lost ({codes})")
    tap.is_(len(ms.fetch(INBOX_USER)), 1, "the message is still in the inbox")
    r = run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"])
    tap.is_(r.returncode, 0, "with the link working again, a run exits 0")
    tap.ok(not re.search(r"unprocessable|never finished", r.stderr), "the message is not held as unprocessable")
    msgs = nomctl_json(conf, "messages")
    tap.is_([(m["outcome"], m["reasons"]) for m in msgs], [("accepted", [])],
            "it is processed as any other: accepted")
    tap.is_([n["email"] for n in nomctl_json(conf, "export")], ["flaky.link@fife.example"], "its nominee recorded")
    tap.is_(len(ms.fetch(INBOX_USER, "Processed")), 1, "and it is moved to Processed")
tap.done()
