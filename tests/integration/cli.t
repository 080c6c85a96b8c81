#!/usr/bin/python3
# The command lines: exit codes (sysexits), FILE:LINE config errors,
# --check-config, and refusal of an IMAP server whose certificate is not
# trusted (checked against a real Dovecot, before any password is sent),
# and nomctl's output on a terminal free of escapes sent by mail.
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, ROOT, INBOX_USER, Daemon, form_message, nomctl, nomctl_json, nomd, run, run_on_tty, section, write_config, workdir  # noqa: E402

EX_USAGE, EX_CONFIG = 64, 78
work = workdir("nomd-cli-")


def on_tty(conf, *args, env=None):
    """nomctl with its output on a pseudo-terminal: (exit status, text)."""
    return run_on_tty([os.path.join(BUILD, "nomctl"), "-c", conf, *args], env=env)


def conf_file(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


good = conf_file("good.conf", f"""
database = "{work}/cli.db";
templates = "{ROOT}/templates";
imap = {{ host = "127.0.0.1"; user = "u@example.org"; password = "pw"; }};
smtp = {{ url = "smtp://127.0.0.1:25"; from = "Team <team@example.org>"; }};
documents = {{ reader = "{BUILD}/nomd-reader"; }};
organisations = ( {{ id = "fife"; name = "Fife Council"; nominators = [ "ce@fife.example" ]; }} );
""")
r = nomd(good, "--check-config")
tap.is_(r.returncode, 0, "--check-config accepts a good file")
tap.like(r.stdout, r"configuration OK", "and says so")
warned = [line for line in r.stderr.splitlines() if "warning" in line]
tap.is_(len(warned), 1, "with require_authentication off: one warning line")
tap.like(warned[0] if warned else "", r"^" + re.escape(good) + r": warning: 'programme.require_authentication' is off",
         "naming the file and the setting")
authed = conf_file("authed.conf", open(good).read() +
                   'programme = { require_authentication = true; trusted_authserv_id = "mx.example.org"; };\n')
r = nomd(authed, "--check-config")
tap.ok(r.returncode == 0 and "warning" not in r.stderr, "with it on: no warning")
no_reader = conf_file("no-reader.conf", open(authed).read().replace(f'"{BUILD}/nomd-reader"', f'"{work}/missing"'))
r = nomd(no_reader, "--check-config")
tap.ok(r.returncode == 0 and "warning: 'documents.reader'" in r.stderr and "missing" in r.stderr,
       "a documents.reader that is not there: a warning naming it")

bad = conf_file("bad.conf", open(good).read().replace('password = "pw";', 'password = "pw"; pasword = "x";'))
r = nomd(bad, "--check-config", expect=78)
tap.is_(r.returncode, EX_CONFIG, "unknown key: exit 78")
tap.is_(r.stderr.strip(), f"{bad}:4: unknown setting 'imap.pasword'", "error names FILE:LINE and the key")
r = nomd(bad, "--once", expect=78)
tap.is_(r.returncode, EX_CONFIG, "nomd --once with a bad config: exit 78")
r = nomctl(bad, "export", expect=78)
tap.is_(r.returncode, EX_CONFIG, "nomctl with a bad config: exit 78")

syntax = conf_file("syntax.conf", open(good).read() + "programme = { max_members = ; };\n")
r = nomd(syntax, "--check-config", expect=78)
tap.is_(r.returncode, EX_CONFIG, "syntax error: exit 78")
tap.like(r.stderr, rf"^{re.escape(syntax)}:8: ", "syntax error names its line")

rng = conf_file("range.conf", open(good).read() + "programme = { max_mentors = 3000000000; };\n")
r = nomd(rng, "--check-config", expect=78)
tap.is_((r.returncode, r.stderr.startswith(f"{rng}:8: 'programme.max_mentors' must be between")), (EX_CONFIG, True),
        "out-of-range (wrapped) integer refused with its line")

tpl_dir = os.path.join(work, "templates")
os.mkdir(tpl_dir)
for name in ("confirmation.txt", "form-problem.txt"):
    text = open(os.path.join(ROOT, "templates", name)).read()
    if name == "confirmation.txt":
        text += "\n{{no_such_thing}}\n"
    conf_file(os.path.join("templates", name), text)
badtpl = conf_file("badtpl.conf", open(good).read().replace(f'{ROOT}/templates', tpl_dir))
r = nomd(badtpl, "--check-config", expect=78)
tap.is_(r.returncode, EX_CONFIG, "template with an unknown placeholder: exit 78")
tap.like(r.stderr, r"confirmation\.txt:\d+: unknown placeholder \{\{no_such_thing\}\}", "names the file and line")

r = nomd(os.path.join(work, "missing.conf"), "--check-config", expect=78)
tap.is_(r.returncode, EX_CONFIG, "missing config file: exit 78")
r = run([os.path.join(BUILD, "nomd"), "--check-config"], expect=None)  # 78, or 0 where a config is installed: checked below
# The default is $(SYSCONFDIR)/nomd/nomd.conf: /etc with PREFIX=/usr.
installed = [p for p in ("/etc/nomd/nomd.conf", "/usr/local/etc/nomd/nomd.conf") if os.path.exists(p)]
what = "nomd without -c reads the installed default config"
if not installed:
    tap.ok(r.returncode == EX_CONFIG and re.match(r"(/usr/local)?/etc/nomd/nomd\.conf: ", r.stderr),
           f"{what}: there is none, exit 78 naming it ({r.returncode}: {r.stderr.strip()[:120]})")
elif len(installed) == 1:
    d = run([os.path.join(BUILD, "nomd"), "-c", installed[0], "--check-config"], expect=None)  # compared below
    tap.is_((r.returncode, r.stdout, r.stderr), (d.returncode, d.stdout, d.stderr),
            f"{what}: the same as with -c {installed[0]}")
else:
    tap.skip(f"{what}: both {' and '.join(installed)} exist, which one nomd read cannot be told")
r = run([os.path.join(BUILD, "nomd"), "extra-argument"], expect=64)
tap.is_(r.returncode, EX_USAGE, "nomd with a stray argument: exit 64")
r = run([os.path.join(BUILD, "nomd"), "-c", good, "--bogus"], expect=64)
tap.is_(r.returncode, EX_USAGE, "nomd with an unknown option: exit 64")
r = nomctl(good, "frobnicate", expect=64)
tap.is_(r.returncode, EX_USAGE, "nomctl unknown command: exit 64")
r = nomctl(good, "export", "--format", "xml", expect=64)
tap.is_(r.returncode, EX_USAGE, "nomctl unknown format: exit 64")
r = nomctl(good, "export", "--format", "json")
tap.is_((r.returncode, r.stdout.strip()), (0, "[]"), "empty store exports []")
r = nomctl(good, "export", "--format", "csv")
tap.is_(r.stdout.splitlines()[:1], [], "empty CSV export has no rows")

with MailStack(os.path.join(work, "stack")) as ms:
    sub = os.path.join(work, "tls")
    os.mkdir(sub)
    conf = write_config(ms, sub)
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "tls-1@fife.example",
                                             section("Member", "A B", "ab@fife.example")))
    # A CA that did not sign the server's certificate.
    other_ca = os.path.join(sub, "other-ca.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", os.path.join(sub, "k.pem"),
         "-out", other_ca, "-days", "2", "-subj", "/CN=other"])
    untrusted = conf_file("tls/untrusted.conf", open(conf).read().replace(f'ca_file = "{ms.cert_file}";\n  user',
                                                                          f'ca_file = "{other_ca}";\n  user', 1))
    log_before = open(os.path.join(ms.dir, "dovecot", "dovecot.log")).read()
    r = nomd(untrusted, "--once", expect=69)
    tap.isnt(r.returncode, 0, "untrusted IMAP certificate: nomd --once fails")
    tap.like(r.stderr, r"certificate not trusted", "and says the certificate is not trusted")
    log_after = open(os.path.join(ms.dir, "dovecot", "dovecot.log")).read()[len(log_before):]
    tap.ok("Login: user=<" + INBOX_USER not in log_after, "no login reached the server")
    tap.is_(r.returncode, 69, "certificate refused: exit 69 (EX_UNAVAILABLE)")
    tap.is_(len([l for l in r.stderr.splitlines() if ": error: " in l]), 1, "one clear error line")
    badpw = conf_file("tls/badpw.conf", open(conf).read().replace(f'password = "{ms.password}"', 'password = "wrong"'))
    r = nomd(badpw, "--once", expect=69)
    tap.is_(r.returncode, 69, "login refused: exit 69 (EX_UNAVAILABLE)")
    tap.like(r.stderr, r"error: IMAP LOGIN on 127\.0\.0\.1:\d+: login refused", "and says the login was refused")
    closed = conf_file("tls/closed.conf", open(conf).read().replace(f"port = {ms.imaps_port};", "port = 1;"))
    r = nomd(closed, "--once", expect=75)
    tap.is_(r.returncode, 75, "server unreachable: exit 75 (EX_TEMPFAIL)")
    tap.like(r.stderr, r"error: IMAP connect on 127\.0\.0\.1:1: cannot connect", "and says it cannot connect, naming the port")
    # In long-running mode a refused login is retried slowly, not hammered.
    d = Daemon(badpw)
    tap.ok(d.wait_for(r"reconnecting in (\d+\.\d) s", 20), "daemon with a refused login backs off")
    m = d.wait_for(r"reconnecting in (\d+\.\d) s", 1)
    tap.ok(m and float(m.group(1)) >= 30, f"by at least 30 s after a refused login ({m.group(1) if m else '?'} s)")
    rc, took = d.stop()
    tap.ok(rc == 0 and took < 5, f"and stops promptly on SIGTERM while waiting ({took:.2f} s)")
    starttls = write_config(ms, sub, imap_security="starttls")
    r = nomd(starttls, "--once")
    tap.is_(r.returncode, 0, "STARTTLS on the plain port with the right CA works")
    tap.is_([n["email"] for n in nomctl_json(starttls, "export")], ["ab@fife.example"], "and processes the inbox")

    # A name sent by mail with terminal escapes in it (clear the screen,
    # set the window title, a C1 CSI) must not reach a terminal through
    # nomctl; CSV to a pipe stays exact.
    sub = os.path.join(work, "tty")
    os.mkdir(sub)
    tconf = write_config(ms, sub, extra="pairing = { require_consent = false; };")
    evil = "Eve\x1b[2J\x1b[H\x1b]0;pwned\x07 \u009b31mSmith\u202e"
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "tty-1@fife.example",
                                             section("Member", evil, "eve@fife.example", job_title="Chief\x1b[5m"),
                                             subject="=?utf-8?q?Nominations_=C2=9B2J_=E2=80=AEnow?="))
    nomd(tconf, "--once")
    names = [n["name"] for n in nomctl_json(tconf, "export")]
    tap.is_(names, [evil], "the name is stored as it came, escapes and all")
    tap.is_([m["subject"] for m in nomctl_json(tconf, "messages")], ["Nominations \u009b2J \u202enow"],
            "and the subject with its C1 CSI")
    r = nomctl(tconf, "export", "--format", "csv")
    tap.ok(evil in r.stdout, "CSV to a pipe keeps it exact")
    active = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\u009f\u202a-\u202e]")
    for args in (("export", "--format", "csv"), ("export", "--format", "json"), ("export",),
                 ("messages", "--format", "csv"), ("pair", "--dry-run"), ("digest", "--preview")):
        rc, out = on_tty(tconf, *args)
        if args == ("export",):  # a table: its header in bold, our only escape
            tap.ok(out.startswith("\x1b[1morganisation") and "\x1b[0m\r\n" in out,
                   "nomctl export on a terminal is a table, its header in bold")
            out = out.replace("\x1b[1m", "", 1).replace("\x1b[0m", "", 1)
        bad = sorted(set(active.findall(out)))
        tap.ok(rc == 0 and not bad, f"nomctl {' '.join(args)} on a terminal: no control characters "
               f"(exit {rc}; found {[hex(ord(c)) for c in bad]})")
        if args == ("export", "--format", "json"):
            tap.is_([n["name"] for n in json.loads(out)], [evil], "  JSON escapes them: the same name to a parser")
        elif args[0] == "messages":
            tap.ok(re.search(r"Nominations +now", out), "  and the subject is shown without them")
        else:
            tap.ok("Eve Smith" in out, "  and the name is shown without them")

    rc, out = on_tty(tconf, "export", env=dict(os.environ, NO_COLOR="1"))
    tap.ok(rc == 0 and out.startswith("organisation") and "\x1b" not in out,
           "with NO_COLOR set: the same table, no colour")

tap.done()
