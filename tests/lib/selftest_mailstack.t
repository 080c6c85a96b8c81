#!/usr/bin/python3
# Self-test of tests/lib/mailstack.py: a real Dovecot + Postfix on 127.0.0.1.
# Needs root and Debian's dovecot-imapd, dovecot-lmtpd, postfix, openssl.
import imaplib
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tap  # noqa: E402
import mailstack  # noqa: E402
from mailstack import MailStack  # noqa: E402

if os.geteuid() != 0:
    tap.skip_all("needs root (Dovecot and Postfix are started as root)")
for prog in (mailstack.DOVECOT, mailstack.POSTFIX, mailstack.OPENSSL,
             "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/imap"):
    if not os.access(prog, os.X_OK):
        tap.skip_all("%s not installed" % prog)

USER = "nominations@example.org"


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def message(msgid, subject, body):
    return ("From: Sender <sender@example.net>\r\n"
            "To: <%s>\r\n"
            "Subject: %s\r\n"
            "Message-ID: <%s>\r\n"
            "\r\n%s" % (USER, subject, msgid, body)).encode()


def tls_fails(ctx, server_hostname, port):
    """True if a TLS handshake to port fails certificate verification."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=server_hostname):
                return False
    except ssl.SSLCertVerificationError:
        return True


d = tempfile.mkdtemp(prefix="mailstack-selftest-")
ms = MailStack(d)
t0 = time.monotonic()
ms.start()
t_start = time.monotonic() - t0
tap.note("stack in %s started in %.2f s" % (d, t_start))
ports = {"imap": ms.imap_port, "imaps": ms.imaps_port,
         "lmtp": ms.lmtp_port, "smtp": ms.smtp_port}
tap.ok(all(isinstance(p, int) and p > 0 for p in ports.values()),
       "ports picked: %r" % ports)
tap.ok(all(port_open(p) for p in ports.values()), "every port accepts")
tap.ok(ms.running(), "stack reports running")
tap.ok(os.path.exists(ms.cert_file) and ms.cert_file.startswith(d),
       "certificate made in the stack dir")
tap.is_((ms.host, ms.password), ("127.0.0.1", "secret"), "host, password")
with open(ms.env_file) as f:
    env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
tap.is_((env.get("IMAP_PORT"), env.get("SMTP_PORT"), env.get("CERT_FILE"),
         env.get("MAIL_PASSWORD")),
        (str(ms.imap_port), str(ms.smtp_port), ms.cert_file, "secret"),
        "stack.env written")

# --- LMTP: synchronous delivery
ms.deliver_lmtp(USER, message("lmtp-1@selftest", "via lmtp",
                              "hello lmtp\r\n.leading dot\r\n"))
msgs = ms.fetch(USER)
tap.is_(len(msgs), 1, "LMTP message is in INBOX at once")
tap.ok(msgs and b"Message-ID: <lmtp-1@selftest>" in msgs[0],
       "it is our message")
tap.ok(msgs and b"\r\n.leading dot\r\n" in msgs[0],
       "leading dot survived (dot-stuffing)")
tap.like(msgs[0] if msgs else b"", rb"(?m)^Return-Path: <sender@example\.net>",
         "envelope sender recorded")

# --- SMTP through Postfix (STARTTLS, cert verified), normal + null sender
refused = ms.send_smtp("sender@example.net", [USER],
                       message("smtp-1@selftest", "via smtp", "hello smtp\n"))
tap.is_(refused, {}, "SMTP submission accepted")
refused = ms.send_smtp("", [USER, "Other.Person@Elsewhere.example"],
                       message("smtp-null@selftest", "null sender",
                               "auto reply\r\n"))
tap.is_(refused, {}, "SMTP submission from the null sender accepted")
tap.ok(ms.wait_queue_empty(30), "Postfix queue empties")
msgs = ms.fetch(USER, expect=3, timeout=30)
tap.is_(len(msgs), 3, "three messages in INBOX")
ids = [m.split(b"Message-ID: <", 1)[1].split(b">", 1)[0] if
       b"Message-ID: <" in m else None for m in msgs]
tap.is_(ids, [b"lmtp-1@selftest", b"smtp-1@selftest", b"smtp-null@selftest"],
        "in UID order")
tap.like(msgs[2] if len(msgs) > 2 else b"", rb"(?m)^Return-Path: <>\r$",
         "null sender delivered with Return-Path: <>")
tap.like(msgs[1] if len(msgs) > 1 else b"", rb"with ESMTPS",
         "submission used TLS")
other = ms.fetch("other.person@elsewhere.example", expect=1, timeout=30)
tap.is_(len(other), 1, "any address at any domain gets a mailbox")
tap.is_(ms.fetch(USER, "NoSuchBox"), [], "missing mailbox gives []")
tap.is_(ms.fetch("nobody-here@example.com"), [], "empty INBOX gives []")

# --- mailboxes, hierarchy, non-ASCII names
m = ms.imap(USER)
name = "Archive/2024 \u00dcbersicht & co"
typ, _ = m.create(mailstack._imap_quote(name))
tap.is_(typ, "OK", "CREATE %s" % name)
typ, _ = m.append(mailstack._imap_quote(name), None, None,
                  message("appended@selftest", "appended", "x\r\n"))
tap.is_(typ, "OK", "APPEND")
m.logout()
boxes = ms.mailboxes(USER)
tap.ok("INBOX" in boxes and name in boxes, "mailboxes(): %r" % boxes)
got = ms.fetch(USER, name)
tap.ok(len(got) == 1 and b"appended@selftest" in got[0],
       "fetch from a non-ASCII hierarchical mailbox")

# --- certificate verification
tap.ok(not tls_fails(ms.ssl_context(), "127.0.0.1", ms.imaps_port),
       "IMAPS verifies against cert_file for 127.0.0.1")
tap.ok(not tls_fails(ms.ssl_context(), "localhost", ms.imaps_port),
       "IMAPS verifies against cert_file for localhost")
tap.ok(tls_fails(ms.ssl_context(), "wrong.example", ms.imaps_port),
       "IMAPS fails for a wrong host name")
tap.ok(tls_fails(ssl.create_default_context(
    cafile="/etc/ssl/certs/ca-certificates.crt"
    if os.path.exists("/etc/ssl/certs/ca-certificates.crt") else None),
    "127.0.0.1", ms.imaps_port),
    "IMAPS fails against the system CAs (self-signed)")
try:
    m = ms.imap(USER, ssl_port=False)
    typ, data = m.select("INBOX", readonly=True)
    tap.is_((typ, data[0]), ("OK", b"3"), "IMAP STARTTLS + login, verified")
    m.logout()
except Exception as e:
    tap.ok(False, "IMAP STARTTLS + login: %r" % e)
try:
    m = imaplib.IMAP4("127.0.0.1", ms.imap_port, timeout=10)
    caps = m.capabilities
    typ, _ = m.login(USER, "secret")
    tap.ok("STARTTLS" in caps and typ == "OK",
           "plain IMAP offers STARTTLS and allows plaintext login")
    m.logout()
except Exception as e:
    tap.ok(False, "plain IMAP login: %r" % e)
try:
    m = ms.imap(USER)
    m.logout()
    bad = imaplib.IMAP4_SSL("127.0.0.1", ms.imaps_port,
                            ssl_context=ms.ssl_context(), timeout=10)
    try:
        bad.login(USER, "wrong")
        tap.ok(False, "wrong password refused")
    except imaplib.IMAP4.error:
        tap.ok(True, "wrong password refused")
    bad.shutdown()
except Exception as e:
    tap.ok(False, "IMAPS login: %r" % e)
try:
    s = smtplib.SMTP("127.0.0.1", ms.smtp_port, local_hostname="localhost",
                     timeout=10)
    s.ehlo()
    try:
        s.starttls(context=ssl.create_default_context())
        tap.ok(False, "SMTP STARTTLS fails without the stack's CA")
    except ssl.SSLCertVerificationError:
        tap.ok(True, "SMTP STARTTLS fails without the stack's CA")
    s.close()
except Exception as e:
    tap.ok(False, "SMTP STARTTLS check: %r" % e)

# --- CLI: a second stack, at the same time as the first
d2 = tempfile.mkdtemp(prefix="mailstack-selftest-cli-")
cli = [sys.executable if sys.executable else "/usr/bin/python3",
       os.path.join(HERE, "mailstack.py")]
r = subprocess.run(cli + ["start", d2], stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=60)
tap.is_(r.returncode, 0, "CLI start")
if r.returncode:
    tap.diag(r.stderr.decode())
out = r.stdout.decode()
tap.like(out, r"(?m)^IMAP_PORT=\d+\nIMAPS_PORT=\d+\nLMTP_PORT=\d+\n"
         r"SMTP_PORT=\d+\nCERT_FILE=\S+\nMAIL_PASSWORD=secret$",
         "CLI start prints the environment")
with open(os.path.join(d2, "stack.env")) as f:
    tap.ok(f.read().startswith(out.split("\nMAIL_HOST")[0]),
           "CLI wrote stack.env")
ms2 = MailStack.load(d2)
tap.ok(ms2.smtp_port != ms.smtp_port and ms2.running(),
       "second stack runs beside the first")
msgfile = os.path.join(d2, "msg.eml")
with open(msgfile, "wb") as f:
    f.write(message("cli@selftest", "via cli", "cli body\n"))
r = subprocess.run(cli + ["send", d2, "", USER, msgfile],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
tap.is_((r.returncode, r.stderr), (0, b""), "CLI send")
r = subprocess.run(cli + ["fetch", d2, USER, "--expect", "1"],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
tap.ok(r.returncode == 0 and b"Message-ID: <cli@selftest>" in r.stdout
       and b"=== message 1/1" in r.stdout, "CLI fetch")
tap.is_(len(ms.fetch(USER)), 3, "first stack did not get the CLI message")
cli_pids = ms2.pids()
r = subprocess.run(cli + ["stop", d2], stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=60)
tap.is_(r.returncode, 0, "CLI stop")
# Processes may take a moment to be reaped on a loaded machine.
deadline = time.monotonic() + 10
while any(mailstack._alive(p, st) for p, (st, _) in cli_pids.items()) and time.monotonic() < deadline:
    time.sleep(0.1)
tap.ok(cli_pids and not any(mailstack._alive(p, st)
                            for p, (st, _) in cli_pids.items()),
       "CLI stack's processes are gone")
tap.ok(ms.running() and port_open(ms.imaps_port),
       "first stack unaffected by stopping the second")

# --- stop
# A Postfix child caught between fork and exec still looks like the
# master: look again a few times.
for _ in range(20):
    pids = ms.pids()
    if sum(1 for _, m in pids.values() if m) == 2:
        break
    time.sleep(0.1)
tap.ok(len(pids) >= 4 and sum(1 for _, m in pids.values() if m) == 2,
       "found %d processes, 2 masters" % len(pids))
t0 = time.monotonic()
ms.stop()
t_stop = time.monotonic() - t0
tap.note("stopped in %.2f s" % t_stop)
tap.ok(not any(mailstack._alive(p, st) for p, (st, _) in pids.items()),
       "every server process is gone")
tap.ok(not ms.running(), "stack reports stopped")
tap.ok(not any(port_open(p) for p in ports.values()), "ports are closed")
try:
    ms.stop()
    tap.ok(True, "stopping twice is harmless")
except Exception as e:
    tap.ok(False, "stopping twice is harmless: %r" % e)
tap.ok(t_start + t_stop < 5, "start+stop took %.2f s" % (t_start + t_stop))

if tap.failed():
    tap.diag("stack dirs kept for inspection: %s %s" % (d, d2))
else:
    shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(d2, ignore_errors=True)
tap.done()
