#!/usr/bin/python3
# STARTTLS response injection (CVE-2020-15953): a server (here a fake, in
# this process) that sends extra responses right after its reply to
# STARTTLS must not have them accepted: nomd refuses the connection and
# never sends LOGIN. A well-behaved fake on the same code path is accepted
# up to LOGIN, which shows the test can tell the difference.
import os
import socket
import ssl
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from nomdtest import ROOT, nomd, workdir  # noqa: E402

work = workdir("nomd-inject-")
cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
               check=True, capture_output=True)


def fake_server(inject):
    """Serve one connection; return (port, thread, record of what the client sent)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    seen = {"commands": [], "login": False, "tls": False}

    def lines(f):
        while True:
            line = f.readline()
            if not line:
                return
            yield line.decode(errors="replace").strip()

    def run():
        conn, _ = srv.accept()
        conn.settimeout(10)
        try:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] fake ready\r\n")
            f = conn.makefile("rb")
            for line in lines(f):
                seen["commands"].append(line)
                tag, _, cmd = line.partition(" ")
                if cmd.upper().startswith("CAPABILITY"):
                    conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag.encode() + b" OK done\r\n")
                elif cmd.upper().startswith("STARTTLS"):
                    reply = tag.encode() + b" OK begin TLS\r\n"
                    if inject:
                        reply += b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                    conn.sendall(reply)
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(cert, key)
                    tls = ctx.wrap_socket(conn, server_side=True)
                    seen["tls"] = True
                    tf = tls.makefile("rb")
                    for tline in lines(tf):
                        seen["commands"].append(tline)
                        ttag, _, tcmd = tline.partition(" ")
                        if tcmd.upper().startswith("CAPABILITY"):
                            tls.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + ttag.encode() + b" OK done\r\n")
                        elif tcmd.upper().startswith("LOGIN"):
                            seen["login"] = True
                            tls.sendall(ttag.encode() + b" NO fake server refuses\r\n")
                        else:
                            tls.sendall(ttag.encode() + b" BAD fake\r\n")
                    return
                else:
                    conn.sendall(tag.encode() + b" BAD fake\r\n")
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()
            srv.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return srv.getsockname()[1], t, seen


def config(port):
    path = os.path.join(work, f"c{port}.conf")
    with open(path, "w") as f:
        f.write(f"""
database = "{work}/n{port}.db";
templates = "{ROOT}/templates";
imap = {{ host = "127.0.0.1"; port = {port}; security = "starttls"; ca_file = "{cert}";
         user = "u@example.org"; password = "pw"; timeout_seconds = 5; }};
smtp = {{ url = "smtp://127.0.0.1:1"; from = "t@example.org"; }};
organisations = ( {{ id = "fife"; name = "Fife Council"; nominators = [ "ce@fife.example" ]; }} );
""")
    os.chmod(path, 0o600)
    return path


port, t, seen = fake_server(inject=False)
r = nomd(config(port), "--once", expect=69)
t.join(10)
tap.ok(seen["tls"] and seen["login"], "control: a clean STARTTLS reaches LOGIN (the fake works)")
tap.is_(r.returncode, 69, "control: the refused login ends with exit 69")

port, t, seen = fake_server(inject=True)
r = nomd(config(port), "--once", expect=69)
t.join(10)
tap.ok(not seen["login"], "injected data after the STARTTLS reply: LOGIN never sent")
tap.is_(r.returncode, 69, "and the run fails as a TLS failure (exit 69)")
tap.like(r.stderr, r"error: IMAP STARTTLS on 127\.0\.0\.1", "with a line naming STARTTLS")
tap.done()
