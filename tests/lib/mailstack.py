#!/usr/bin/python3
"""A throwaway real mail stack (Dovecot + Postfix) on 127.0.0.1 for tests.

Standard library only; run with /usr/bin/python3, as root (Dovecot and
Postfix need root to start; Debian 12's dovecot-imapd, dovecot-lmtpd,
postfix and openssl must be installed).  Nothing in /etc/dovecot or
/etc/postfix is read or changed: every file of a stack lives under its own
directory, so several stacks can run side by side.

    Layout of DIR:
      cert.pem, key.pem      self-signed cert (CA:TRUE, SAN IP:127.0.0.1,
                             DNS:localhost); cert.pem doubles as the CA file
      dovecot/dovecot.conf   Dovecot config; dovecot/run = base_dir,
                             dovecot/state = state_dir, dovecot/dovecot.log
      postfix/               Postfix config directory (main.cf, master.cf)
      postfix-spool/         Postfix queue_directory
      postfix-data/          Postfix data_directory (owned by postfix)
      postfix.log            Postfix maillog_file (written by postlogd)
      mail/<domain>/<local>  Maildir of each user (owned by nobody)
      stack.env              ports etc. (written by start())

Behaviour worth knowing:
  - Users log in with the full address and password "secret" (any user
    exists).  Logins are lower-cased: mail for Nominations@Example.org is
    in nominations@example.org's mailbox.  "+detail" addresses are
    delivered to the base address's INBOX (Dovecot recipient_delimiter);
    logging in as "a+b@x" fails ('+' is not in auth_username_chars).
  - Postfix relays every domain to Dovecot over LMTP; a recipient without
    a domain gets @mailstack.test.  The null sender (MAIL FROM:<>) is
    accepted.  SMTP delivery is asynchronous: fetch(..., expect=N) or
    wait_queue_empty().  LMTP delivery is synchronous.
  - Mailbox hierarchy separator is "/", names are passed and returned as
    Unicode (modified UTF-7 on the wire).
  - Dovecot's per-IP auth penalty is disabled and auth_failure_delay is 0,
    so a failed login costs ~0.5 s and does not slow later logins.
  - Plain IMAP (imap_port) offers STARTTLS and allows LOGIN without TLS.
  - stop() TERMs every process of the stack at once (KILL after 3 s).

Python use:

    from mailstack import MailStack
    with MailStack(tempfile.mkdtemp()) as ms:        # starts it
        ms.deliver_lmtp("nominations@example.org", raw)
        ms.send_smtp("", ["nominations@example.org"], raw)
        msgs = ms.fetch("nominations@example.org", expect=2)

Command line:

    mailstack.py start DIR [--dovecot-extra LINE]... [--postfix-extra N=V]...
                                      start in DIR, write DIR/stack.env
    mailstack.py stop DIR             stop the stack in DIR
    mailstack.py env DIR              print DIR/stack.env
    mailstack.py fetch DIR USER [MAILBOX] [--expect N] [--timeout S]
                                      [--out-dir D]
    mailstack.py count DIR USER [MAILBOX] [--expect N] [--timeout S]
    mailstack.py mailboxes DIR USER
    mailstack.py send DIR FROM RCPT FILE   (FROM "" or "<>": null sender;
                                            FILE "-": stdin; RCPT may be
                                            comma-separated)
    mailstack.py lmtp DIR FROM RCPT FILE
    mailstack.py wait-queue DIR [--timeout S]
"""

import argparse
import atexit
import base64
import grp
import hashlib
import imaplib
import os
import pwd
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time

HOST = "127.0.0.1"
PASSWORD = "secret"
MAIL_USER = "nobody"
MAIL_GROUP = "nogroup"

_SYS_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _which(name, dirs=("/usr/sbin", "/usr/bin", "/sbin", "/bin")):
    for d in dirs:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return name


DOVECOT = _which("dovecot")
DOVECOT_REAL = os.path.realpath(DOVECOT)
POSTFIX = _which("postfix")
OPENSSL = _which("openssl")
POSTFIX_DAEMON_DIR = "/usr/lib/postfix/sbin"


class MailStackError(RuntimeError):
    pass


# ---------------------------------------------------------------- processes

def _proc_stat(pid):
    """(ppid, starttime, state) of pid, or None if it does not exist."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return None
    # comm may contain spaces/parens: split after the last ')'
    rest = data[data.rindex(b")") + 2:].split()
    state = rest[0].decode()
    ppid = int(rest[1])
    starttime = int(rest[19])
    return ppid, starttime, state


def _alive(pid, starttime=None):
    """True if pid exists, is not a zombie and (if given) has starttime."""
    st = _proc_stat(pid)
    if st is None:
        return False
    if st[2] in ("Z", "X"):
        return False
    if starttime is not None and st[1] != starttime:
        return False
    return True


def _exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""


def _environ(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def _free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _port_open(port, host=HOST):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _tail(path, lines=25):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace").splitlines()
    return "\n".join(text[-lines:])


# ----------------------------------------------------- IMAP mailbox names

def imap_utf7_encode(name):
    """Encode a mailbox name in IMAP modified UTF-7 (RFC 3501 5.1.3)."""
    out = []
    buf = []

    def flush():
        if buf:
            b = "".join(buf).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=")
                       .replace("/", ",") + "-")
            del buf[:]

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def imap_utf7_decode(name):
    def dec(m):
        s = m.group(1)
        if not s:
            return "&"
        s = s.replace(",", "/")
        s += "=" * (-len(s) % 4)
        return base64.b64decode(s).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, name)


def _imap_quote(name):
    name = imap_utf7_encode(name)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fix_eols(data):
    """Bare LF or CR -> CRLF (SMTP/LMTP want CRLF lines)."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


# ------------------------------------------------------------------ stack

class MailStack:
    """Dovecot (IMAP, IMAPS, LMTP) + Postfix (SMTP) under one directory."""

    def __init__(self, dir, start_timeout=20.0, dovecot_extra="",
                 postfix_extra=None):
        """dovecot_extra: text appended to dovecot.conf (later settings
        win), e.g. 'imap_capability = IMAP4rev1 UIDPLUS' to hide IDLE and
        MOVE.  postfix_extra: {name: value} overriding main.cf settings."""
        self.dir = os.path.abspath(dir)
        self.dovecot_extra = dovecot_extra
        self.postfix_extra = dict(postfix_extra or {})
        self.host = HOST
        self.password = PASSWORD
        self.start_timeout = start_timeout
        d = self.dir
        self.cert_file = os.path.join(d, "cert.pem")
        self.key_file = os.path.join(d, "key.pem")
        self.env_file = os.path.join(d, "stack.env")
        self.mail_dir = os.path.join(d, "mail")
        self.dovecot_dir = os.path.join(d, "dovecot")
        self.dovecot_conf = os.path.join(self.dovecot_dir, "dovecot.conf")
        self.dovecot_base_dir = os.path.join(self.dovecot_dir, "run")
        self.dovecot_state_dir = os.path.join(self.dovecot_dir, "state")
        self.dovecot_log = os.path.join(self.dovecot_dir, "dovecot.log")
        self.postfix_dir = os.path.join(d, "postfix")
        self.postfix_queue_dir = os.path.join(d, "postfix-spool")
        self.postfix_data_dir = os.path.join(d, "postfix-data")
        self.postfix_log = os.path.join(d, "postfix.log")
        self.imap_port = self.imaps_port = None
        self.lmtp_port = self.smtp_port = None
        self._atexit_registered = False

    # -------------------------------------------------------- lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @classmethod
    def load(cls, dir):
        """A MailStack for an already started DIR (reads DIR/stack.env)."""
        ms = cls(dir)
        env = {}
        try:
            with open(ms.env_file) as f:
                for line in f:
                    if "=" in line:
                        k, v = line.rstrip("\n").split("=", 1)
                        env[k] = v
        except OSError as e:
            raise MailStackError("no stack.env in %s: %s" % (dir, e))
        ms.imap_port = int(env["IMAP_PORT"])
        ms.imaps_port = int(env["IMAPS_PORT"])
        ms.lmtp_port = int(env["LMTP_PORT"])
        ms.smtp_port = int(env["SMTP_PORT"])
        ms.cert_file = env.get("CERT_FILE", ms.cert_file)
        return ms

    @property
    def instance_name(self):
        """Dovecot instance_name: its processes are titled
        "dovecot-<instance_name>/<service>"."""
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(self.dir))
        h = hashlib.sha1(self.dir.encode()).hexdigest()[:8]
        return "mailstack-%s-%s" % (base[:24], h)

    def pids(self):
        """{pid: (starttime, is_master)} of every live process of this
        stack, found by scanning /proc: Postfix processes carry
        MAIL_CONFIG=<postfix config dir> in their environment, the Dovecot
        master has "-c <dovecot.conf>" on its command line and its children
        are titled "dovecot-<instance_name>/..."."""
        pf_env = ("MAIL_CONFIG=" + self.postfix_dir).encode()
        dv_title = ("dovecot-%s/" % self.instance_name).encode()
        dv_conf = self.dovecot_conf.encode()
        found = {}
        live = {}               # pid -> (ppid, starttime) of all processes
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            st = _proc_stat(pid)
            if st is None or st[2] in ("Z", "X"):
                continue
            live[pid] = (st[0], st[1])
            exe = _exe(pid)
            if exe.startswith(POSTFIX_DAEMON_DIR + "/"):
                if pf_env not in _environ(pid):
                    continue
                master = os.path.basename(exe) == "master"
            elif exe == DOVECOT_REAL or exe.startswith("/usr/lib/dovecot/"):
                cmd = _cmdline(pid)
                if cmd and cmd[0].startswith(dv_title):
                    master = False
                elif dv_conf in cmd:
                    master = True
                else:
                    continue
            else:
                continue
            found[pid] = (st[1], master)
        # plus descendants not recognised by name (e.g. just forked)
        added = True
        while added:
            added = False
            for pid, (ppid, start) in live.items():
                if pid not in found and ppid in found:
                    found[pid] = (start, False)
                    added = True
        return found

    def running(self):
        """True if any process of this stack is running."""
        return bool(self.pids())

    def start(self, stop_at_exit=True):
        """Create config, cert and directories, start both servers and wait
        until every port accepts connections.  With stop_at_exit (the
        default) the stack is also stopped when the Python process exits."""
        if self.running():
            raise MailStackError("a mail stack is already running in "
                                 + self.dir)
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self._check_dir()
        self._make_cert()
        self._make_dirs()
        if stop_at_exit and not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        last = None
        for attempt in range(3):
            (self.imap_port, self.imaps_port, self.lmtp_port,
             self.smtp_port) = _free_ports(4)
            self._write_dovecot_conf()
            self._write_postfix_conf()
            try:
                self._start_servers()
                break
            except MailStackError as e:
                last = e
                self.stop()
                # a port picked at runtime may have been taken meanwhile
                if "in use" not in str(e):
                    raise
        else:
            raise last
        self._write_env()
        return self

    def stop(self, timeout=10.0, grace=3.0):
        """Stop Postfix and Dovecot and wait until every process of the
        stack is gone.  Harmless if nothing is running.

        Both masters and all their children get SIGTERM at once (masters
        first).  That is what "postfix stop" does (kill the master, which
        TERMs its process group) minus its 1-second sleep loop; "dovecot
        stop" only TERMs the master, which then takes 1-6 s to wind down
        its children (a login process waiting 5 s for a stats-writer
        handshake).  Whatever is left after `grace` seconds gets SIGKILL."""
        start = time.monotonic()
        signalled = {}          # pid -> (starttime, signal sent)
        while True:
            procs = self.pids()
            for pid, (st, sig) in signalled.items():
                if pid not in procs and _alive(pid, st):
                    procs[pid] = (st, False)
            if not procs:
                return
            now = time.monotonic()
            if now - start >= timeout:
                raise MailStackError(
                    "processes of the mail stack in %s did not exit: %s"
                    % (self.dir, sorted(procs)))
            sig = signal.SIGKILL if now - start >= grace else signal.SIGTERM
            for pid in sorted(procs, key=lambda p: not procs[p][1]):
                st = procs[pid][0]
                if signalled.get(pid) == (st, sig):
                    continue
                if not _alive(pid, st):
                    continue
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
                signalled[pid] = (st, sig)
            time.sleep(0.02)

    # ------------------------------------------------------------ setup

    def _env(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAIL_CONFIG", "MAIL_DEBUG", "MAIL_VERBOSE")}
        env["PATH"] = _SYS_PATH
        env.setdefault("LANG", "C")
        return env

    def _check_dir(self):
        # Postfix (as user postfix) and Dovecot (as nobody) must reach
        # files in the stack dir: every ancestor needs o+x.
        path = self.dir
        while True:
            st = os.stat(path)
            if not st.st_mode & 0o001:
                raise MailStackError(
                    "%s is not searchable by others (mode %o): the postfix "
                    "and nobody users cannot reach %s; use a directory "
                    "under /tmp" % (path, st.st_mode & 0o7777, self.dir))
            parent = os.path.dirname(path)
            if parent == path:
                break
            path = parent
        # Unix socket paths are limited to 107 bytes; the longest ones are
        # dovecot/run/replication-notify-fifo and postfix-spool/private/...
        longest = os.path.join(self.dovecot_base_dir, "x" * 24)
        if len(longest.encode()) > 107:
            raise MailStackError("stack dir path too long for Unix sockets "
                                 "(keep it under ~70 bytes): " + self.dir)

    def _make_cert(self):
        if os.path.exists(self.cert_file) and os.path.exists(self.key_file):
            return
        cnf = os.path.join(self.dir, "openssl.cnf")
        with open(cnf, "w") as f:
            f.write(
                "[req]\n"
                "distinguished_name = dn\n"
                "x509_extensions = v3\n"
                "prompt = no\n"
                "[dn]\n"
                "CN = localhost\n"
                "[v3]\n"
                "basicConstraints = critical,CA:TRUE\n"
                "keyUsage = critical,digitalSignature,keyEncipherment,"
                "keyCertSign\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectAltName = IP:127.0.0.1,DNS:localhost\n"
                "subjectKeyIdentifier = hash\n")
        old = os.umask(0o077)
        try:
            r = subprocess.run(
                [OPENSSL, "req", "-x509", "-config", cnf,
                 "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
                 "-keyout", self.key_file, "-out", self.cert_file],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, env=self._env())
        finally:
            os.umask(old)
        if r.returncode != 0:
            raise MailStackError("openssl req failed:\n"
                                 + r.stdout.decode("utf-8", "replace"))
        os.chmod(self.cert_file, 0o644)
        os.chmod(self.key_file, 0o600)

    def _make_dirs(self):
        uid = pwd.getpwnam(MAIL_USER).pw_uid
        gid = grp.getgrnam(MAIL_GROUP).gr_gid
        pf = pwd.getpwnam("postfix")
        for d in (self.dovecot_dir, self.dovecot_base_dir,
                  self.dovecot_state_dir, self.postfix_dir,
                  self.postfix_queue_dir):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        os.makedirs(self.mail_dir, exist_ok=True)
        os.chown(self.mail_dir, uid, gid)
        os.chmod(self.mail_dir, 0o755)
        os.makedirs(self.postfix_data_dir, exist_ok=True)
        os.chown(self.postfix_data_dir, pf.pw_uid, pf.pw_gid)
        os.chmod(self.postfix_data_dir, 0o700)

    def _write_dovecot_conf(self):
        mail = os.path.join(self.mail_dir, "%d", "%n")
        inst = self.instance_name
        conf = """\
# Generated by tests/lib/mailstack.py -- throwaway test server
instance_name = {inst}
base_dir = {base}
state_dir = {state}
log_path = {log}
protocols = imap lmtp
listen = {host}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# failed logins answered after ~0.5 s instead of 2 s (see also the
# anvil-auth-penalty socket removed by mailstack.py at start)
auth_failure_delay = 0
first_valid_uid = 1
mail_uid = {muser}
mail_gid = {mgroup}
mail_location = maildir:{mail}
verbose_proctitle = yes
shutdown_clients = yes

namespace inbox {{
  inbox = yes
  separator = /
}}

passdb {{
  driver = static
  args = password={password}
}}

userdb {{
  driver = static
  args = uid={muser} gid={mgroup} home={mail} allow_all_users=yes
}}

service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps}
    ssl = yes
  }}
}}

service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp}
  }}
}}
""".format(inst=inst, base=self.dovecot_base_dir,
           state=self.dovecot_state_dir, log=self.dovecot_log, host=HOST,
           cert=self.cert_file, key=self.key_file, muser=MAIL_USER,
           mgroup=MAIL_GROUP, mail=mail, password=self.password,
           imap=self.imap_port, imaps=self.imaps_port, lmtp=self.lmtp_port)
        if self.dovecot_extra:
            conf += "\n# extra settings\n" + self.dovecot_extra + "\n"
        with open(self.dovecot_conf, "w") as f:
            f.write(conf)

    def _write_postfix_conf(self):
        main = """\
# Generated by tests/lib/mailstack.py -- throwaway test server
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
maillog_file = {log}
maillog_file_prefixes = {dir}
myhostname = mailstack.test
mydomain = mailstack.test
myorigin = $myhostname
mydestination =
relay_domains =
relayhost =
inet_interfaces = {host}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 local delivery disabled
virtual_mailbox_domains = static:all
virtual_mailbox_maps =
virtual_alias_maps =
virtual_transport = lmtp:inet:{host}:{lmtp}
smtpd_reject_unlisted_recipient = no
smtpd_reject_unlisted_sender = no
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_tls_security_level = may
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_received_header = yes
smtp_tls_security_level = none
lmtp_tls_security_level = none
lmtp_connect_timeout = 5s
lmtp_host_lookup = native
smtp_host_lookup = native
soft_bounce = no
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
transport_retry_time = 1s
delay_warning_time = 0
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
biff = no
append_dot_mydomain = no
smtpd_banner = $myhostname ESMTP mailstack
""".format(queue=self.postfix_queue_dir, data=self.postfix_data_dir,
           log=self.postfix_log, dir=self.dir, host=HOST, lmtp=self.lmtp_port,
           cert=self.cert_file, key=self.key_file)
        if self.postfix_extra:
            main += "\n# extra settings\n" + "".join(
                "%s = %s\n" % kv for kv in self.postfix_extra.items())
        # No chroot anywhere (column 5 = n): the queue is not a chroot jail.
        master = """\
# Generated by tests/lib/mailstack.py -- throwaway test server
# service type  private unpriv  chroot  wakeup  maxproc command + args
{host}:{smtp} inet n    -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
""".format(host=HOST, smtp=self.smtp_port)
        past = time.time() - 60
        for name, text in (("main.cf", main), ("master.cf", master)):
            path = os.path.join(self.postfix_dir, name)
            with open(path, "w") as f:
                f.write(text)
            # Postfix re-reads a config file modified within the current
            # second, sleeping 300 ms between tries (up to ~2 s per start):
            # backdate the files.
            os.utime(path, (past, past))

    def _start_servers(self):
        douts = os.path.join(self.dovecot_dir, "start.out")
        pouts = os.path.join(self.dir, "postfix-start.out")
        # Output to files, not pipes: the daemons inherit these descriptors
        # and would keep a pipe open forever.
        with open(douts, "wb") as dout, open(pouts, "wb") as pout:
            dov = subprocess.Popen([DOVECOT, "-c", self.dovecot_conf],
                                   stdin=subprocess.DEVNULL, stdout=dout,
                                   stderr=dout, env=self._env())
            pfx = subprocess.Popen([POSTFIX, "-c", self.postfix_dir, "start"],
                                   stdin=subprocess.DEVNULL, stdout=pout,
                                   stderr=pout, env=self._env())
            deadline = time.monotonic() + self.start_timeout
            failed = []
            for name, p in (("dovecot", dov), ("postfix start", pfx)):
                try:
                    rc = p.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    rc = "timeout"
                if rc != 0:
                    failed.append("%s exited with %s" % (name, rc))
        if failed:
            raise MailStackError(self._failure("; ".join(failed)))
        self._disable_auth_penalty(deadline)
        ports = {"imap": self.imap_port, "imaps": self.imaps_port,
                 "lmtp": self.lmtp_port, "smtp": self.smtp_port}
        while True:
            waiting = [n for n, p in ports.items() if not _port_open(p)]
            if not waiting:
                return
            if time.monotonic() >= deadline:
                raise MailStackError(self._failure(
                    "ports not accepting connections after %.0f s: %s" %
                    (self.start_timeout, ", ".join(
                        "%s=%d" % (n, ports[n]) for n in waiting))))
            time.sleep(0.02)

    def _disable_auth_penalty(self, deadline):
        """Dovecot's auth process delays every login from an IP that had a
        failed login (2 s, doubling up to 15 s; Dovecot 2.3 no longer exempts
        login_trusted_networks).  The penalty is optional: when the auth
        process finds no anvil-auth-penalty socket at its start it disables
        it silently.  So remove the socket before anything can start auth
        (auth starts on the first login connection)."""
        path = os.path.join(self.dovecot_base_dir, "anvil-auth-penalty")
        while True:
            try:
                os.unlink(path)
                return
            except FileNotFoundError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(0.01)

    def _failure(self, what):
        parts = ["mail stack in %s failed to start: %s" % (self.dir, what)]
        for path in (os.path.join(self.dovecot_dir, "start.out"),
                     self.dovecot_log,
                     os.path.join(self.dir, "postfix-start.out"),
                     self.postfix_log):
            t = _tail(path)
            if t:
                parts.append("--- tail of %s:\n%s" % (path, t))
        return "\n".join(parts)

    def env_lines(self):
        return ["IMAP_PORT=%d" % self.imap_port,
                "IMAPS_PORT=%d" % self.imaps_port,
                "LMTP_PORT=%d" % self.lmtp_port,
                "SMTP_PORT=%d" % self.smtp_port,
                "CERT_FILE=%s" % self.cert_file,
                "MAIL_PASSWORD=%s" % self.password,
                "MAIL_HOST=%s" % self.host]

    def _write_env(self):
        tmp = self.env_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(self.env_lines()) + "\n")
        os.replace(tmp, self.env_file)

    # ---------------------------------------------------------- clients

    def ssl_context(self):
        """An SSL context that trusts only this stack's certificate and
        checks the host name (127.0.0.1 or localhost)."""
        ctx = ssl.create_default_context(cafile=self.cert_file)
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def imap(self, user, ssl_port=True, timeout=10):
        """A logged-in imaplib connection: IMAPS (default), or the plain
        port upgraded with STARTTLS (ssl_port=False).  Certificate
        verified against cert_file.  Caller logs out."""
        if ssl_port:
            m = imaplib.IMAP4_SSL(self.host, self.imaps_port,
                                  ssl_context=self.ssl_context(),
                                  timeout=timeout)
        else:
            m = imaplib.IMAP4(self.host, self.imap_port, timeout=timeout)
            m.starttls(ssl_context=self.ssl_context())
        try:
            m.login(user, self.password)
        except BaseException:
            m.shutdown()
            raise
        return m

    def deliver_lmtp(self, rcpt, raw_bytes, mail_from="sender@example.net",
                     fix_eols=True):
        """Deliver raw_bytes synchronously into Dovecot over LMTP.  rcpt may
        be one address or a list (one LMTP transaction each).  mail_from ""
        is the null sender.  Raises smtplib.SMTPException on refusal."""
        rcpts = [rcpt] if isinstance(rcpt, str) else list(rcpt)
        data = _fix_eols(raw_bytes) if fix_eols else raw_bytes
        lm = smtplib.LMTP(self.host, self.lmtp_port,
                          local_hostname="localhost", timeout=30)
        try:
            for r in rcpts:
                lm.sendmail(_envelope(mail_from), [r], data)
        finally:
            try:
                lm.quit()
            except (smtplib.SMTPException, OSError):
                lm.close()

    def send_smtp(self, mail_from, rcpts, raw_bytes, fix_eols=True):
        """Submit raw_bytes through Postfix over SMTP with STARTTLS
        (certificate verified against cert_file).  mail_from "" or "<>" is
        the null sender.  Returns smtplib's dict of refused recipients;
        raises if all are refused.  Delivery to Dovecot is asynchronous:
        use fetch(..., expect=N) or wait_queue_empty()."""
        if isinstance(rcpts, str):
            rcpts = [rcpts]
        data = _fix_eols(raw_bytes) if fix_eols else raw_bytes
        s = smtplib.SMTP(self.host, self.smtp_port,
                         local_hostname="localhost", timeout=30)
        try:
            s.ehlo()
            s.starttls(context=self.ssl_context())
            s.ehlo()
            return s.sendmail(_envelope(mail_from), list(rcpts), data)
        finally:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                s.close()

    def fetch(self, user, mailbox="INBOX", expect=None, timeout=30):
        """Raw messages (bytes) in user's mailbox, in UID order, read over
        IMAPS without setting \\Seen.  With expect=N, poll until at least N
        are there or timeout seconds pass (then return what is there).  A
        mailbox that does not exist gives []."""
        return [raw for _, raw in self.fetch_uids(user, mailbox, expect,
                                                  timeout)]

    def fetch_uids(self, user, mailbox="INBOX", expect=None, timeout=30):
        """Like fetch() but a list of (uid, raw bytes)."""
        deadline = time.monotonic() + timeout
        m = None
        try:
            while True:
                try:
                    if m is None:
                        m = self.imap(user)
                    msgs = _fetch_all(m, mailbox)
                except (imaplib.IMAP4.abort, OSError):
                    if m is not None:
                        m.shutdown()
                    m = None
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(0.1)
                    continue
                if expect is None or len(msgs) >= expect or \
                        time.monotonic() >= deadline:
                    return msgs
                time.sleep(0.1)
        finally:
            if m is not None:
                try:
                    m.logout()
                except (imaplib.IMAP4.error, OSError):
                    pass

    def append(self, user, raw_bytes, when, mailbox="INBOX"):
        """Put raw_bytes in user's mailbox over IMAP APPEND with `when` (a
        timezone-aware datetime) as its INTERNALDATE: mail that arrived on
        a day a test's clock stands at, not today."""
        m = self.imap(user)
        try:
            typ, data = m.append(_imap_quote(mailbox), None,
                                 imaplib.Time2Internaldate(when), _fix_eols(raw_bytes))
            if typ != "OK":
                raise MailStackError("APPEND failed: %r" % (data,))
        finally:
            m.logout()

    def mailboxes(self, user):
        """Names of user's mailboxes (hierarchy separator "/")."""
        m = self.imap(user)
        try:
            typ, data = m.list()
            if typ != "OK":
                raise MailStackError("LIST failed: %r" % (data,))
            return _parse_list(data)
        finally:
            m.logout()

    def queue_files(self):
        """Paths of the message files in Postfix's queue (all queues)."""
        files = []
        for q in ("maildrop", "incoming", "active", "deferred", "hold"):
            for root, _, names in os.walk(os.path.join(self.postfix_queue_dir,
                                                       q)):
                files.extend(os.path.join(root, n) for n in names)
        return files

    def wait_queue_empty(self, timeout=30):
        """Wait until Postfix's queue is empty.  True if it emptied within
        timeout seconds, else False."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.queue_files():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def _envelope(addr):
    if addr in (None, "<>"):
        return ""
    return addr


def _fetch_all(m, mailbox):
    typ, data = m.select(_imap_quote(mailbox), readonly=True)
    if typ != "OK":
        return []
    try:
        exists = int(data[0])
    except (TypeError, ValueError, IndexError):
        exists = None
    if exists == 0:
        return []
    typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
    if typ != "OK":
        raise MailStackError("UID FETCH failed: %r" % (data,))
    msgs = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        mo = re.search(rb"UID (\d+)", item[0])
        if mo is None:
            continue
        msgs.append((int(mo.group(1)), item[1]))
    msgs.sort(key=lambda x: x[0])
    return msgs


_LIST_RE = re.compile(
    rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')


def _parse_list(data):
    names = []
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):  # name sent as a literal
            line, name = item[0], item[1]
        else:
            line, name = item, None
        mo = _LIST_RE.match(line)
        if mo is None:
            continue
        if name is None:
            raw = mo.group("name")
            if raw.startswith(b'"'):
                raw = re.sub(rb'\\(.)', rb'\1', raw[1:-1])
            name = raw
        names.append(imap_utf7_decode(name.decode("utf-8", "replace")))
    return names


# -------------------------------------------------------------------- CLI

def _read_file(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="mailstack.py",
        description="Throwaway Dovecot+Postfix mail stack on 127.0.0.1")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("start", help="start a stack in DIR")
    p.add_argument("dir")
    p.add_argument("--dovecot-extra", action="append", default=[],
                   metavar="LINE", help="append LINE to dovecot.conf")
    p.add_argument("--postfix-extra", action="append", default=[],
                   metavar="NAME=VALUE", help="override a main.cf setting")
    p = sub.add_parser("stop", help="stop the stack in DIR")
    p.add_argument("dir")
    p = sub.add_parser("env", help="print DIR/stack.env")
    p.add_argument("dir")
    for name in ("fetch", "count"):
        p = sub.add_parser(name, help="%s messages of USER's MAILBOX" %
                           ("print" if name == "fetch" else "count"))
        p.add_argument("dir")
        p.add_argument("user")
        p.add_argument("mailbox", nargs="?", default="INBOX")
        p.add_argument("--expect", type=int, default=None)
        p.add_argument("--timeout", type=float, default=30)
        if name == "fetch":
            p.add_argument("--out-dir", default=None,
                           help="write messages as OUT_DIR/<n>.eml instead")
    p = sub.add_parser("mailboxes", help="list USER's mailboxes")
    p.add_argument("dir")
    p.add_argument("user")
    for name in ("send", "lmtp"):
        p = sub.add_parser(name, help="submit FILE via %s" %
                           ("Postfix SMTP" if name == "send" else "LMTP"))
        p.add_argument("dir")
        p.add_argument("mail_from")
        p.add_argument("rcpt")
        p.add_argument("file")
    p = sub.add_parser("wait-queue", help="wait for Postfix's queue to empty")
    p.add_argument("dir")
    p.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args(argv)

    if a.cmd == "start":
        extra = {}
        for kv in a.postfix_extra:
            if "=" not in kv:
                ap.error("--postfix-extra wants NAME=VALUE")
            k, v = kv.split("=", 1)
            extra[k.strip()] = v.strip()
        ms = MailStack(a.dir, dovecot_extra="\n".join(a.dovecot_extra),
                       postfix_extra=extra)
        ms.start(stop_at_exit=False)
        sys.stdout.write("\n".join(ms.env_lines()) + "\n")
        return 0
    if a.cmd == "stop":
        MailStack(a.dir).stop()
        return 0
    ms = MailStack.load(a.dir)
    if a.cmd == "env":
        sys.stdout.write("\n".join(ms.env_lines()) + "\n")
    elif a.cmd in ("fetch", "count"):
        msgs = ms.fetch_uids(a.user, a.mailbox, a.expect, a.timeout)
        if a.cmd == "count":
            print(len(msgs))
        elif a.out_dir:
            os.makedirs(a.out_dir, exist_ok=True)
            for i, (uid, raw) in enumerate(msgs, 1):
                with open(os.path.join(a.out_dir, "%d.eml" % i), "wb") as f:
                    f.write(raw)
            print(len(msgs))
        else:
            out = sys.stdout.buffer
            for i, (uid, raw) in enumerate(msgs, 1):
                out.write(b"=== message %d/%d uid %d (%d bytes) ===\n" %
                          (i, len(msgs), uid, len(raw)))
                out.write(raw)
                if not raw.endswith(b"\n"):
                    out.write(b"\n")
            out.flush()
        if a.expect is not None and len(msgs) < a.expect:
            return 1
    elif a.cmd == "mailboxes":
        for n in ms.mailboxes(a.user):
            print(n)
    elif a.cmd == "send":
        refused = ms.send_smtp(a.mail_from, a.rcpt.split(","),
                               _read_file(a.file))
        if refused:
            print("refused: %r" % (refused,), file=sys.stderr)
            return 1
    elif a.cmd == "lmtp":
        ms.deliver_lmtp(a.rcpt.split(","), _read_file(a.file), a.mail_from)
    elif a.cmd == "wait-queue":
        if not ms.wait_queue_empty(a.timeout):
            print("Postfix queue not empty after %g s" % a.timeout,
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except MailStackError as e:
        print("mailstack: %s" % e, file=sys.stderr)
        sys.exit(2)
