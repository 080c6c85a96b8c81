"""Helpers shared by nomd's integration tests and the demo: a config for a
running MailStack, and runners for the built nomd and nomctl."""

import email
import email.policy
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("NOMD_BUILD") or os.path.join(ROOT, "build")
INBOX_USER = "nominations@example.org"
FROM = "Local Government Connect Network <connect@example.org>"


def write_config(stack, workdir, extra="", imap_security="tls", max_members=5, max_mentors=5, imap_extra="",
                 smtp_extra="", staff_extra='digest = "off";', smtp_plain_port=None, documents_extra=""):
    """Write workdir/nomd.conf for `stack`, including the shipped organisation list.
    The staff digest is off unless `staff_extra` says otherwise. With
    `smtp_plain_port`, mail goes to that port on 127.0.0.1 without TLS (a
    fake SMTP server in the test's own process) instead of to Postfix.
    Documents are read by the built nomd-reader unless `documents_extra`
    names another reader."""
    shutil.copy(os.path.join(ROOT, "etc", "organisations.conf"), os.path.join(workdir, "organisations.conf"))
    port = stack.imaps_port if imap_security == "tls" else stack.imap_port
    text = f"""
database = "{workdir}/nomd.db";
templates = "{ROOT}/templates";
imap = {{
  host = "127.0.0.1"; port = {port}; security = "{imap_security}";
  ca_file = "{stack.cert_file}";
  user = "{INBOX_USER}"; password = "{stack.password}";
  timeout_seconds = 20;
  {imap_extra}
}};
smtp = {{
  url = "smtp://127.0.0.1:{smtp_plain_port or stack.smtp_port}"; security = "{"none" if smtp_plain_port else "starttls"}";
  ca_file = "{stack.cert_file}";
  from = "{FROM}";
  timeout_seconds = 20;
  {smtp_extra}
}};
programme = {{ name = "Local Government Connect Network"; max_members = {max_members}; max_mentors = {max_mentors}; }};
staff = {{ addresses = [ "programme-team@example.org" ]; {staff_extra} }};
documents = {{ {documents_extra if "reader" in documents_extra else f'reader = "{BUILD}/nomd-reader"; ' + documents_extra} }};
{extra}
@include "organisations.conf"
"""
    path = os.path.join(workdir, "nomd.conf")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)  # it holds a password: nomd refuses it readable by others
    return path


# A programme's own fields, as fields.t and fields_docx.t define them: a
# required choice, a long text of at most 30 words, a number.
OWN_FIELDS = """programme = { name = "Local Government Connect Network"; max_members = 5; max_mentors = 5;
  fields = (
    { id = "category"; label = "Category"; type = "choice"; required = true;
      choices = [ "Innovation", "Digital", "Team of the Year" ]; },
    { id = "citation"; label = "Citation"; synonyms = [ "Why they deserve it" ]; type = "long"; max_words = 30; },
    { id = "team_size"; label = "Team size"; type = "number"; }
  ); };
"""


def with_fields(conf, fields=OWN_FIELDS):
    """`conf` (from write_config) with its programme line replaced by `fields`."""
    with open(conf) as f:
        text = f.read()
    text = re.sub(r"^programme = \{.*\};\n", fields, text, flags=re.M)
    with open(conf, "w") as f:
        f.write(text)
    return conf


# NOMD_WRAP="valgrind --leak-check=full ..." runs every nomd and nomctl
# under that command (make check-valgrind).
WRAP = shlex.split(os.environ.get("NOMD_WRAP", ""))

# Every ASan, UBSan and valgrind report of a nomd or nomctl this test starts
# (through run(), Daemon or faultlib, which inherit the environment) goes
# to a file in REPORTS, and check_reports() makes each a failed test: a
# memory error fails the test even where the exit status is not checked.
# Options already set (detect_leaks=0, ...) are kept.
REPORTS = tempfile.mkdtemp(prefix="nomd-reports-")
for _var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
    os.environ[_var] = ":".join(filter(None, [os.environ.get(_var), "log_path=" + os.path.join(REPORTS, "san")]))
# Leaks inside libraries nomd does not own (FreeXL, in nomd-reader): tests/lsan.supp.
os.environ["LSAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("LSAN_OPTIONS"),
                                                    "suppressions=" + os.path.join(ROOT, "tests", "lsan.supp")]))
if WRAP and os.path.basename(WRAP[0]) == "valgrind":
    # Only what counts as an error is shown, so a non-empty report is one.
    extra = [] if any(a.startswith("--show-leak-kinds") for a in WRAP) else ["--show-leak-kinds=definite"]
    WRAP = [WRAP[0], "--log-file=" + os.path.join(REPORTS, "vg.%p"), *extra, *WRAP[1:]]

_commands = {}  # pid -> the command, to name it in a report
_reported = set()
_daemons = []


def _fail(name, detail):
    """A failed test in a TAP script (one that imported tap); elsewhere
    (the demo) a line on stderr."""
    tap = sys.modules.get("tap")
    if tap:
        tap.ok(False, name)
        tap.diag(detail)
    else:
        sys.stderr.write(f"{name}\n{detail}\n")


def _valgrind_errors(text):
    """The lines of a valgrind log that are not warnings (a "Warning:" line
    and the indented lines that follow it)."""
    out, warning = [], False
    for line in text.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if body.startswith("Warning:"):
            warning = True
        elif not (warning and (body.startswith(" ") or not body.strip())):
            warning = False
            if body.strip():
                out.append(line)
    return out


def check_reports():
    """One failed test for each sanitizer or valgrind report not yet seen,
    with its first lines; True if there was none."""
    clean = True
    for name in sorted(os.listdir(REPORTS)):
        path = os.path.join(REPORTS, name)
        if name in _reported:
            continue
        with open(path, errors="replace") as f:
            text = f.read()
        lines = _valgrind_errors(text) if name.startswith("vg.") else text.strip().splitlines()
        if not lines:
            continue  # valgrind creates its log at the start: look again later
        _reported.add(name)
        clean = False
        pid = int(re.sub(r"\D", "", name.rsplit(".", 1)[-1]) or 0)
        what = " ".join(_commands.get(pid, ["a child process"]))
        _fail(f"no sanitizer or valgrind report from {what}", f"  {path}:\n" + "\n".join(lines[:30]))
    return clean


def _check_status(args, rc, expect, stderr=""):
    if expect is not None and rc != expect:
        _fail(f"{' '.join(args)} exits {expect}",
              f"  it exited {rc}" + (f"; stderr ends:\n{stderr[-1500:]}" if stderr else ""))


def _at_end():
    for d in _daemons:
        if d.proc.poll() is None:
            d.stop(expect=None)  # the test failed already, or forgot it: its report is what matters
    check_reports()
    if not _reported:
        shutil.rmtree(REPORTS, True)


if "tap" in sys.modules:
    # Tests import tap first: the check runs before the plan is printed.
    sys.modules["tap"].at_end(_at_end)
else:
    import atexit
    atexit.register(_at_end)


def wrapped(args):
    """args, under NOMD_WRAP when it names a built nomd or nomctl."""
    if WRAP and args and os.path.basename(args[0]) in ("nomd", "nomctl") and args[0].startswith(BUILD):
        return WRAP + list(args)
    return list(args)


def run(args, timeout=120, env=None, expect=0):
    """Run args (nomd and nomctl under NOMD_WRAP) to the end. A failed test
    when the exit status is not `expect` (None: the caller checks it, or
    says why it does not matter), and one for each new sanitizer or
    valgrind report."""
    cmd = wrapped(args)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as p:
        _commands[p.pid] = [os.path.basename(args[0]), *args[1:]]
        try:
            out, err = p.communicate(timeout=timeout * (10 if WRAP else 1))
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise
    _check_status(_commands[p.pid], p.returncode, expect, err)
    check_reports()
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def run_on_tty(argv, env=None):
    """argv with stdout and stderr on a pseudo-terminal, as a person sees
    it: (exit status, output as text; the terminal ends lines in CR LF)."""
    import pty
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], list(argv), env or os.environ)
    out = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def nomd(conf, *args, expect=0):
    return run([os.path.join(BUILD, "nomd"), "-c", conf, *args], expect=expect)


def nomctl(conf, *args, expect=0):
    return run([os.path.join(BUILD, "nomctl"), "-c", conf, *args], expect=expect)


def nomctl_json(conf, command):
    r = nomctl(conf, command, "--format", "json")
    if r.returncode != 0:
        raise RuntimeError(f"nomctl {command} failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


def form_message(sender, message_id, body, subject="Nominations", extra_headers=""):
    """A plain-text nomination email as raw bytes (CRLF)."""
    head = (f"From: {sender}\r\nTo: {INBOX_USER}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}>\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n{extra_headers}\r\n")
    return (head + body.replace("\r\n", "\n").replace("\n", "\r\n")).encode("utf-8")


def confirmation_request(ms, nominator, expect=1, timeout=60):
    """The newest confirmation request ("[confirm TOKEN]") in the nominator's
    mailbox, parsed, or None."""
    got = [m for m in map(parse_mail, ms.fetch(nominator, expect=expect, timeout=timeout))
           if "[confirm " in str(m["Subject"])]
    return got[-1] if got else None


def confirm_reply(sender, request, message_id):
    """A reply to a confirmation request as mail clients write one: its
    subject after "RE: ", threaded, the request quoted below."""
    quoted = "".join("> " + line + "\n" for line in text_of(request).splitlines())
    return form_message(sender, message_id, "\n\n" + quoted, subject="RE: " + str(request["Subject"]),
                        extra_headers=f"In-Reply-To: {request['Message-ID']}\r\n"
                                      f"References: {request['Message-ID']}\r\n")


def parse_mail(raw):
    """Raw bytes as an email.message.EmailMessage."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def text_of(msg):
    """The text/plain body of a parsed message, or ""."""
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def section(role, name, email, **fields):
    lines = [role, f"Name: {name}", f"Email: {email}"]
    labels = {"job_title": "Job title", "service": "Service", "service_type": "Service type",
              "years": "Years in local government", "aspiration": "Aspiration", "expertise": "Expertise"}
    for key, value in fields.items():
        lines.append(f"{labels[key]}: {value}")
    return "\n".join(lines) + "\n\n"


class Daemon:
    """nomd running in the background (long-running mode), its log in a file."""

    def __init__(self, conf, *args, env=None):
        self.log_path = conf + ".log"
        self.log = open(self.log_path, "ab")
        full_env = dict(os.environ, **(env or {}))
        self.args = ["nomd", "-c", conf, *args]
        self.proc = subprocess.Popen(wrapped([os.path.join(BUILD, "nomd"), "-c", conf, *args]),
                                     stdout=self.log, stderr=self.log, env=full_env)
        _commands[self.proc.pid] = self.args
        _daemons.append(self)
        self.offset = 0

    def text(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def wait_for(self, pattern, timeout=30, since=None):
        """Wait until the log (after byte `since`, default: start) matches; return the match or None."""
        deadline = time.monotonic() + timeout
        start = self.offset if since is None else since
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text()[start:], re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def mark(self):
        """Remember the log's current end, for wait_for(since=...)."""
        return len(self.text())

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10, expect=0):
        """SIGTERM; return (exit status, seconds taken). A failed test when
        the status is not `expect` (None: not checked here), and one for
        each new sanitizer or valgrind report."""
        if self.proc.poll() is not None:
            rc, took = self.proc.returncode, 0.0
        else:
            t0 = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout * (10 if WRAP else 1))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
            took = time.monotonic() - t0
        _check_status(self.args, rc, expect)
        check_reports()
        return rc, took

    def kill(self):
        """SIGKILL: no exit status to check, and no report."""
        self.proc.kill()
        self.proc.wait()


def listen_local():
    """A listening TCP socket on 127.0.0.1 at a free port, for a fake
    server in the test's own process: (socket, port)."""
    import socket
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    return srv, srv.getsockname()[1]


def shut(*socks):
    """Shut both directions of each socket down, ignoring ones already gone."""
    import socket
    for sock in socks:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Proxy:
    """Forwards each TCP connection to `upstream`, in the test's own
    process. Subclasses change the traffic by overriding to_server (what the
    client sends) or to_client (what the server answers); both copy bytes
    unchanged by default. `port` is where to connect."""

    def __init__(self, upstream):
        import threading
        self.upstream = upstream
        self.srv, self.port = listen_local()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        import threading
        while True:
            try:
                client, _ = self.srv.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self.to_server, args=(client, server), daemon=True).start()
            threading.Thread(target=self.to_client, args=(server, client), daemon=True).start()

    @staticmethod
    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        shut(src, dst)

    def to_server(self, client, server):
        self.pump(client, server)

    def to_client(self, server, client):
        self.pump(server, client)


class Recorder(Proxy):
    """Keeps a copy of what nomd sends and of what it is sent."""

    def __init__(self, upstream):
        self.sent, self.received = bytearray(), bytearray()
        import threading
        self.lock = threading.Lock()
        super().__init__(upstream)

    def copy(self, src, dst, into):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    into.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        shut(src, dst)

    def to_server(self, client, server):
        self.copy(client, server, self.sent)

    def to_client(self, server, client):
        self.copy(server, client, self.received)


def uid_set(text):
    """The UIDs an IMAP sequence set names (with * as a large number)."""
    out = set()
    for part in text.split(","):
        lo, _, hi = part.partition(":")
        lo = int(lo) if lo != "*" else 1 << 31
        hi = lo if not hi else (int(hi) if hi != "*" else 1 << 31)
        out.update(range(min(lo, hi), min(max(lo, hi), min(lo, hi) + 100000) + 1))
    return out


class FakeServer:
    """A server in the test's own process on 127.0.0.1: one connection at a
    time, each handed to session(conn) (subclasses write it), closed after.
    `port` is where to connect; close() stops it."""

    def __init__(self):
        import threading
        self.srv, self.port = listen_local()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            try:
                self.session(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def session(self, conn):
        raise NotImplementedError

    def close(self):
        # shutdown() first: a close() alone leaves the socket listening
        # until the accept() blocked in _serve() returns.
        shut(self.srv)
        self.srv.close()


def workdir(prefix):
    """A temp folder the unprivileged mail servers can enter, removed when
    the test exits (keep it with NOMD_KEEP_TMP=1, for debugging)."""
    import atexit
    import tempfile
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    if not os.environ.get("NOMD_KEEP_TMP"):
        atexit.register(shutil.rmtree, d, True)
    return d
