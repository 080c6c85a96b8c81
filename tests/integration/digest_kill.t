#!/usr/bin/python3
# The staff digest goes exactly once when nomd is killed between queueing
# it and sending it: nomd queues the digest, its delivery process is
# connected to an SMTP server that never answers (the mail is in flight,
# not sent), and both processes get SIGKILL. Restarted against the real
# Postfix at the same clock, nomd sends the queued digest; it does not
# queue another, then or on the next run.
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, Daemon, FakeServer, nomctl_json, run, workdir, write_config  # noqa: E402
from nomdtest import parse_mail as parse  # noqa: E402

STAFF = "programme-team@example.org"
NOW = "2027-01-20T09:00:00Z"  # after the 08:00 digest of that day
work = workdir("nomd-digest-kill-")


class Silent(FakeServer):
    """Accepts SMTP connections and never says a word."""

    def __init__(self):
        self.connections = 0
        super().__init__()

    def session(self, conn):
        self.connections += 1
        conn.settimeout(60)
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return out


def digests(ms, expect=None):
    ms.wait_queue_empty(timeout=60)
    return [m for m in map(parse, ms.fetch(STAFF, expect=expect, timeout=30)) if " digest " in m["Subject"]]


with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, staff_extra='digest = "daily 08:00"; timezone = "Europe/London";')
    good = open(conf).read()
    silent = Silent()
    real_url = f'url = "smtp://127.0.0.1:{ms.smtp_port}"'
    tap.ok(real_url in good, "the SMTP url found in the configuration")
    open(conf, "w").write(good.replace(real_url, f'url = "smtp://127.0.0.1:{silent.port}"'))

    d = Daemon(conf, env={"NOMD_NOW": NOW})
    tap.ok(d.wait_for(r"digest \S+ queued to 1 staff address", 30), "nomd queues the digest")
    deadline = time.monotonic() + 30
    while silent.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    tap.ok(silent.connections > 0, "its delivery process is connected to the silent server")
    kids = children(d.proc.pid)
    for pid in kids:
        os.kill(pid, signal.SIGKILL)
    d.kill()
    tap.ok(d.proc.returncode == -signal.SIGKILL, f"nomd and its {len(kids)} child process(es) killed with SIGKILL")
    silent.close()
    out = [o for o in nomctl_json(conf, "outbox") if o["recipient"] == STAFF]
    tap.is_([o["status"] for o in out], ["pending"], "the digest is in the outbox, not sent")

    open(conf, "w").write(good)
    env = dict(os.environ, NOMD_NOW=NOW)
    for n in (1, 2):
        r = run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env)
        tap.is_(r.returncode, 0, f"restart {n} against the real server exits 0")
    got = digests(ms, expect=1)
    tap.is_(len(got), 1, "the digest arrives exactly once")
    tap.is_(len(digests(ms)), 1, "and no second one follows")
    out = [o for o in nomctl_json(conf, "outbox") if o["recipient"] == STAFF]
    tap.is_([o["status"] for o in out], ["sent"], "one digest in the outbox, sent")
tap.done()
