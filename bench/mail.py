#!/usr/bin/python3
"""Mail benchmark: nomd against the floors of its IMAP and SMTP sides and
against a plain Python script, on the same backlog, in one run. Run as root
(it starts a throwaway Dovecot + Postfix, tests/lib/mailstack.py); prints a
Markdown section, which `make bench` appends to docs/benchmarks.md.

    /usr/bin/python3 bench/mail.py [--build BUILD] [--messages 1000,10000]
                                   [--repeat K] [--profile DIR] [--keep]

For each N, on a fresh mail stack:
  1. N nomination messages (bench/mailgen.py) are delivered into nomd's
     inbox over one LMTP connection; the Maildir (with Dovecot's index
     files) is then copied to one mailbox per run of each tool below, so
     every run starts from the same, never-read mailbox.
  2. mbsync (isync) copies a mailbox to a local Maildir over IMAPS: the
     IMAP floor.
  3. nomd --once with SMTP pointed at a closed port: ingest only (parse,
     decide, store, queue replies and welcomes, move); its outbox stays
     pending. Then nomd --once with the test Postfix: the inbox is empty, so
     it is delivery only.
  4. smtp-source submits as many messages as nomd sent, each a copy of a
     confirmation of nomd's average size, over as many connections as nomd
     opened (counted in Postfix's log): the SMTP floor.
  5. nomd --once with the test Postfix on a fresh copy: end to end, the
     sender delivering each batch's mail while the next batches are read.
  6. bench/reference.py does the whole job on its own copy, end to end.
Postfix's queue manager is stopped while a sender runs, so a sender's time
is Postfix's SMTP server and cleanup, not delivery into Dovecot on the same
two cores; the queue drain into Dovecot is then timed on its own (nomd's
mail and smtp-source's) or the queue discarded (postsuper -d; repeats, the
reference's mail). Each step runs K times (--repeat; default 3 up to
N = 2,000, else 1) and the fastest run counts. Every tool runs under
/usr/bin/time -v (wall, user+sys CPU, peak RSS of the process tree);
Dovecot's and Postfix's own CPU in each step is read from /proc.

With --profile DIR only nomd runs, under `perf record` (timings then not
representative): the reports go to DIR, with nomd's RSS over the run.
"""
import argparse
import os
import platform
import re
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, HERE)
import mailgen  # noqa: E402
from mailstack import MailStack  # noqa: E402

NOMD_USER = "nominations@example.org"
TIME = "/usr/bin/time"
# Counted under --profile (the perf record process makes none of these).
SYSCALLS = ",".join(f"syscalls:sys_enter_{c}" for c in ("fdatasync", "fsync", "pread64", "pwrite64"))
CLK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Result:
    """One timed step: wall (s), cpu (user+sys s), rss (KiB), server (Dovecot+Postfix CPU s), count."""

    def __init__(self, name, wall, cpu=None, rss=None, server=None, count=None, unit="msg"):
        self.name, self.wall, self.cpu, self.rss, self.server = name, wall, cpu, rss, server
        self.count, self.unit = count, unit


def stack_cpu(ms):
    """CPU seconds used so far by the stack's processes, including children
    they reaped (Dovecot's imap and lmtp processes, Postfix's smtpd...)."""
    total = 0
    for pid, (_, master) in ms.pids().items():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                rest = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += int(rest[11]) + int(rest[12])
        if master:
            total += int(rest[13]) + int(rest[14])
    return total / CLK


def descendants(pid):
    kids, found = {}, [pid]
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    kids.setdefault(int(f.read().rsplit(b")", 1)[1].split()[1]), []).append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    for p in found:
        found.extend(kids.get(p, []))
    return found


def rss_kib(pid, comm):
    """VmRSS of pid if its name is comm, else 0."""
    try:
        with open(f"/proc/{pid}/status") as f:
            if f.readline().split()[1] != comm:
                return 0
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, IndexError):
        pass
    return 0


def timed(name, cmd, ms, logfile, count, unit="msg", env=None, cwd=None, timeline=None, ok_codes=(0,)):
    """Run cmd under /usr/bin/time -v; a Result. Fails loudly on a non-zero exit.
    With a list as timeline, every 0.25 s it gets (seconds, largest RSS in KiB
    of a process of the tree named nomd, messages logged as applied, welcomes
    queued)."""
    tf = logfile + ".time"
    s0 = stack_cpu(ms)
    t0 = time.perf_counter()
    with open(logfile, "ab") as out:
        p = subprocess.Popen([TIME, "-v", "-o", tf] + cmd, stdout=out, stderr=out, env=env, cwd=cwd)
        if timeline is not None:
            seen, applied, welcomed = os.path.getsize(logfile), 0, 0
            while p.poll() is None:
                with open(logfile, "rb") as f:
                    f.seek(seen)
                    chunk = f.read()
                seen += len(chunk)
                applied += chunk.count(b" outcome=")
                welcomed += chunk.count(b": welcome queued")
                rss = max((rss_kib(q, "nomd") for q in descendants(p.pid)[1:]), default=0)
                timeline.append((time.perf_counter() - t0, rss, applied, welcomed))
                time.sleep(0.25)
        p.wait()
    wall = time.perf_counter() - t0
    time.sleep(0.3)  # let Dovecot's master reap the client's imap process (its CPU then counts)
    server = stack_cpu(ms) - s0
    text = open(tf).read()
    if p.returncode not in ok_codes:
        raise SystemExit(f"{name}: {' '.join(cmd)} exited {p.returncode}; see {logfile}\n{text[-500:]}")

    def num(label):
        m = re.search(re.escape(label) + r":\s*([\d.]+)", text)
        return float(m.group(1)) if m else 0.0
    return Result(name, wall, num("User time (seconds)") + num("System time (seconds)"),
                  num("Maximum resident set size (kbytes)"), server, count, unit)


def queue_empty(ms):
    for q in ("maildrop", "incoming", "active", "deferred", "hold"):
        for _, _, names in os.walk(os.path.join(ms.postfix_queue_dir, q)):
            if names:
                return False
    return True


def qmgr(ms, run):
    """Start (run) or stop Postfix's queue manager: while it is stopped,
    mail submitted stays in the incoming queue, so a sender's time is
    Postfix's SMTP server and cleanup only, not delivery into Dovecot."""
    env = dict(ms._env(), MAIL_CONFIG=ms.postfix_dir)
    subprocess.run(["postconf", "-c", ms.postfix_dir, "-e", "master_service_disable=" + ("" if run else "qmgr.unix")],
                   check=True, env=env)
    past = time.time() - 60  # else postfix waits for the file to age (see mailstack.py)
    os.utime(os.path.join(ms.postfix_dir, "main.cf"), (past, past))
    subprocess.run(["postfix", "-c", ms.postfix_dir, "reload"], check=True, env=env, capture_output=True)


def drain(ms, name, count, timeout=1200):
    """Start the queue manager and time until Postfix's queue is empty (what
    mailstack.wait_queue_empty waits for, polled every 0.2 s so that the
    poll costs little); then stop it again."""
    s0 = stack_cpu(ms)
    t0 = time.perf_counter()
    qmgr(ms, True)
    deadline = t0 + timeout
    while not queue_empty(ms):
        if time.perf_counter() > deadline:
            raise SystemExit(f"Postfix queue not empty after {timeout} s")
        time.sleep(0.2)
    r = Result(name, time.perf_counter() - t0, None, None, stack_cpu(ms) - s0, count)
    qmgr(ms, False)
    return r


def discard(ms):
    """Empty Postfix's queue without delivering it."""
    subprocess.run(["postsuper", "-c", ms.postfix_dir, "-d", "ALL"], check=True, capture_output=True,
                   env=dict(ms._env(), MAIL_CONFIG=ms.postfix_dir))


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def nomd_config(ms, wd, smtp_port, user, build=os.path.join(ROOT, "build")):
    shutil.copy(os.path.join(ROOT, "etc", "organisations.conf"), os.path.join(wd, "organisations.conf"))
    path = os.path.join(wd, "nomd.conf")
    with open(path, "w") as f:
        f.write(f"""database = "{wd}/nomd.db";
templates = "{ROOT}/templates";
imap = {{ host = "127.0.0.1"; port = {ms.imaps_port}; security = "tls"; ca_file = "{ms.cert_file}";
  user = "{user}"; password = "{ms.password}"; timeout_seconds = 60; }};
smtp = {{ url = "smtp://127.0.0.1:{smtp_port}"; security = "starttls"; ca_file = "{ms.cert_file}";
  from = "Local Government Connect Network <connect@example.org>"; timeout_seconds = 60;
  retry_min = "1s"; retry_max = "2s"; max_replies_per_sender_per_hour = 10000; }};
programme = {{ name = "Local Government Connect Network"; max_members = 1000; max_mentors = 1000; }};
staff = {{ addresses = [ "programme-team@example.org" ]; digest = "off"; }};
documents = {{ reader = "{build}/nomd-reader"; }};
@include "organisations.conf"
""")
    os.chmod(path, 0o600)
    return path


def deliver(ms, msgs):
    """Every message into nomd's inbox over one LMTP connection."""
    lm = smtplib.LMTP(ms.host, ms.lmtp_port, local_hostname="localhost", timeout=60)
    for raw, _ in msgs:
        refused = lm.sendmail("sender@example.net", [NOMD_USER], raw)
        if refused:
            raise SystemExit(f"LMTP refused: {refused}")
    lm.quit()


def clone_mailbox(ms, users):
    """Copies of nomd's mailbox (Maildir and Dovecot's index files, owner
    and times kept) for other users: the same contents, much faster than
    delivering every message again."""
    src = os.path.join(ms.mail_dir, "example.org", NOMD_USER.split("@")[0])
    for user in users:
        subprocess.run(["cp", "-a", src, os.path.join(ms.mail_dir, "example.org", user.split("@")[0])], check=True)


def mailbox_count(ms, user, mailbox="INBOX"):
    m = ms.imap(user)
    try:
        typ, data = m.select(mailbox, readonly=True)
        return int(data[0]) if typ == "OK" else 0
    finally:
        m.logout()


def maildir_count(path):
    return sum(len(os.listdir(os.path.join(path, d))) for d in ("new", "cur") if os.path.isdir(os.path.join(path, d)))


def connects(ms, since):
    """'connect from' lines of smtpd in postfix.log after byte offset since."""
    try:
        with open(ms.postfix_log, "rb") as f:
            f.seek(since)
            return len(re.findall(rb"smtpd\[\d+\]: connect from", f.read()))
    except OSError:
        return 0


def log_size(ms):
    try:
        return os.path.getsize(ms.postfix_log)
    except OSError:
        return 0


def perf_report(data, out, title):
    r = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--percent-limit", "1",
                        "--sort", "dso,symbol", "-g", "none"], capture_output=True, text=True)
    r2 = subprocess.run(["perf", "report", "-i", data, "--stdio", "--children", "--percent-limit", "4",
                         "--sort", "symbol", "-g", "none"], capture_output=True, text=True)
    with open(out, "w") as f:
        f.write(f"# {title}\n## self\n{r.stdout}\n## children (inclusive)\n{r2.stdout}")
    log(f"  profile: {out}")


MBSYNCRC = """IMAPAccount bench
Host localhost
Port {port}
User {user}
Pass {password}
SSLType IMAPS
CertificateFile {cert}
SystemCertificates no

IMAPStore remote
Account bench

MaildirStore local
Path {mdir}/
Inbox {mdir}/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
Expunge None
SyncState *
"""


def best(runs):
    """The fastest of several Results, with the walls of all of them and the
    largest peak RSS (memory is judged on the worst run)."""
    r = min(runs, key=lambda x: x.wall)
    r.walls = [x.wall for x in runs]
    r.rss = max((x.rss for x in runs if x.rss), default=None)
    return r


def run_n(n, build, top, repeat, profile=None):
    wd = tempfile.mkdtemp(prefix=f"m{n}-", dir=top)
    os.chmod(wd, 0o755)
    ms = MailStack(os.path.join(wd, "s"), postfix_extra={"master_service_disable": "qmgr.unix"}).start()
    res = {}
    info = {"n": n, "load": []}
    step_load = lambda: info["load"].append(loadavg())  # noqa: E731
    users = lambda kind: [f"{kind}{r}@example.org" for r in range(repeat)]  # noqa: E731
    nomd_users = [NOMD_USER] + users("nominations")[1:]
    try:
        log(f"[N={n}] generating {n} messages, delivering them over LMTP")
        msgs = mailgen.messages(n)
        info["avg_in"] = sum(len(r) for r, _ in msgs) / n
        info["kinds"] = {}
        for _, e in msgs:
            info["kinds"][e["kind"]] = info["kinds"].get(e["kind"], 0) + 1
        s0, t0 = stack_cpu(ms), time.perf_counter()
        deliver(ms, msgs)
        res["lmtp"] = Result("LMTP delivery into nomd's inbox (setup)", time.perf_counter() - t0, None, None,
                             stack_cpu(ms) - s0, n)
        del msgs
        copies = nomd_users[1:] + ([] if profile else users("mirror") + users("e2e") + users("reference"))
        clone_mailbox(ms, copies)
        for user in [NOMD_USER] + copies:
            got = mailbox_count(ms, user)
            if got != n:
                raise SystemExit(f"{user}: {got} messages in INBOX, expected {n}")

        if not profile:
            runs = []
            for r, user in enumerate(users("mirror")):
                log(f"[N={n}] mbsync, run {r + 1} of {repeat}")
                mdir = os.path.join(wd, f"maildir{r}")
                os.makedirs(mdir)
                rc = os.path.join(wd, f"mbsyncrc{r}")
                with open(rc, "w") as f:
                    f.write(MBSYNCRC.format(port=ms.imaps_port, user=user, password=ms.password, cert=ms.cert_file,
                                            mdir=mdir))
                step_load()
                runs.append(timed("mbsync (isync), IMAPS to Maildir", ["mbsync", "-c", rc, "-q", "bench"], ms,
                                  os.path.join(wd, f"mbsync{r}.log"), n))
                got = maildir_count(os.path.join(mdir, "INBOX"))
                if got != n:
                    raise SystemExit(f"mbsync copied {got} messages, expected {n}")
                shutil.rmtree(mdir)
            res["mbsync"] = best(runs)

        nomd = [os.path.join(build, "nomd")]

        def run_nomd(step, name, count, conf, nwd):
            step_load()
            # Ingest runs with the SMTP server unreachable: --once then says
            # the outbox is on hold (75), as it should.
            codes = (0, 75) if step == "ingest" else (0,)
            if not profile:
                return timed(name, nomd + ["-c", conf, "--once"], ms, os.path.join(nwd, f"{step}.log"), count,
                             ok_codes=codes)
            data = os.path.join(profile, f"nomd-{step}-{n}.data")
            line = info.setdefault("timeline", {}).setdefault(step, [])
            stat = os.path.join(profile, f"nomd-{step}-{n}.syscalls")
            r = timed(name, ["perf", "stat", "-x", ",", "-o", stat, "-e", SYSCALLS, "--",
                             "perf", "record", "-q", "-F", "499" if n <= 2000 else "149", "--call-graph",
                             "dwarf,16384", "-o", data] + nomd + ["-c", conf, "--once"], ms,
                      os.path.join(nwd, f"{step}.log"), count, timeline=line, ok_codes=codes)
            perf_report(data, os.path.join(profile, f"nomd-{step}-{n}.txt"), f"nomd {step}, N={n}")
            with open(stat) as f:
                info.setdefault("syscalls", {})[step] = {
                    m.group(2): int(m.group(1)) for m in re.finditer(r"^(\d+),,syscalls:sys_enter_(\w+)", f.read(),
                                                                      re.M)}
            return r

        runs, nwds = [], []
        for r, user in enumerate(nomd_users):
            log(f"[N={n}] nomd ingest (SMTP unreachable), run {r + 1} of {repeat}")
            nwd = os.path.join(wd, f"nomd{r}")
            os.makedirs(nwd)
            os.chmod(nwd, 0o755)
            nwds.append(nwd)
            conf = nomd_config(ms, nwd, free_port(), user, build)
            runs.append(run_nomd("ingest", "nomd --once, ingest only", n, conf, nwd))
            if mailbox_count(ms, user) != 0:
                raise SystemExit("nomd left messages in the inbox; see " + os.path.join(nwd, "ingest.log"))
        res["ingest"] = best(runs)
        db = sqlite3.connect(os.path.join(nwds[0], "nomd.db"))
        info["outcomes"] = dict(db.execute("SELECT outcome, count(*) FROM messages GROUP BY outcome").fetchall())
        info["accepted"] = db.execute("SELECT count(*) FROM nominees WHERE status = 'accepted'").fetchone()[0]
        info["refused"] = db.execute("SELECT count(*) FROM nominees WHERE status <> 'accepted'").fetchone()[0]
        pending = db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        # The outbox holds facts: the mails as they will go, from nomctl
        # outbox show, for the average size and a confirmation of that
        # size for smtp-source (LF lines: it adds the CRLF).
        ids = [i for (i,) in db.execute("SELECT id FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 60")]
        mails = {i: subprocess.run([os.path.join(build, "nomctl"), "-c", os.path.join(nwds[0], "nomd.conf"),
                                    "outbox", "show", str(i)], capture_output=True, check=True).stdout
                 for i in ids}
        avg_out = sum(map(len, mails.values())) / max(1, len(mails))
        info["queued"], info["avg_out"] = pending, avg_out
        replies = [i for (i,) in db.execute("SELECT id FROM outbox WHERE message IS NOT NULL AND id IN (%s)"
                                            % ",".join(map(str, ids or [0])))]
        body = min((mails[i] for i in replies), key=lambda m: abs(len(m) - avg_out))
        sample = os.path.join(wd, "sample.eml")
        with open(sample, "wb") as f:
            f.write(bytes(body).replace(b"\r\n", b"\n"))
        db.close()
        time.sleep(2.1)  # the one mail tried against the closed port is due again after retry_min

        runs = []
        for r, (user, nwd) in enumerate(zip(nomd_users, nwds)):
            log(f"[N={n}] nomd send ({pending} queued), run {r + 1} of {repeat}")
            off = log_size(ms)
            conf = nomd_config(ms, nwd, ms.smtp_port, user, build)
            runs.append(run_nomd("send", "nomd --once, send only", pending, conf, nwd))
            info["nomd_connections"] = connects(ms, off)
            db = sqlite3.connect(os.path.join(nwd, "nomd.db"))
            sent = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
            db.close()
            if sent != pending:
                raise SystemExit(f"nomd sent {sent} of {pending}; see {nwd}/send.log")
            if profile:
                discard(ms)
            elif r == 0:
                log(f"[N={n}] Postfix delivers nomd's mail into Dovecot")
                res["send_drain"] = drain(ms, "Postfix queue drain into Dovecot, nomd's mail", pending)
            else:
                discard(ms)
        res["send"] = best(runs)
        if profile:
            return res, info

        sessions = max(1, info["nomd_connections"])
        runs = []
        for r in range(repeat):
            log(f"[N={n}] smtp-source: {pending} messages over {sessions} connection(s), run {r + 1} of {repeat}")
            off = log_size(ms)
            step_load()
            runs.append(timed("smtp-source", ["/usr/sbin/smtp-source", "-4", "-d", "-s", str(sessions), "-m",
                                              str(pending), "-F", sample, "-f", "connect@example.org", "-N",
                                              "-t", "welcome@bench.example", "-M", "localhost",
                                              f"127.0.0.1:{ms.smtp_port}"], ms,
                              os.path.join(wd, f"smtp-source{r}.log"), pending))
            info["source_connections"] = connects(ms, off)
            if r == 0:
                res["source_drain"] = drain(ms, "Postfix queue drain into Dovecot, smtp-source's", pending)
            else:
                discard(ms)
        res["smtp_source"] = best(runs)

        runs = []
        for r, user in enumerate(users("e2e")):
            log(f"[N={n}] nomd end to end, run {r + 1} of {repeat}")
            nwd = os.path.join(wd, f"e2e{r}")
            os.makedirs(nwd)
            os.chmod(nwd, 0o755)
            conf = nomd_config(ms, nwd, ms.smtp_port, user, build)
            runs.append(run_nomd("e2e", "nomd --once, end to end (reading and sending)", n, conf, nwd))
            if mailbox_count(ms, user) != 0:
                raise SystemExit("nomd left messages in the inbox; see " + os.path.join(nwd, "e2e.log"))
            db = sqlite3.connect(os.path.join(nwd, "nomd.db"))
            left = db.execute("SELECT count(*) FROM outbox WHERE status <> 'sent'").fetchone()[0]
            db.close()
            if left:
                raise SystemExit(f"nomd end to end left {left} mails unsent; see {nwd}/e2e.log")
            discard(ms)
        res["e2e"] = best(runs)

        runs = []
        for r, user in enumerate(users("reference")):
            log(f"[N={n}] Python reference, run {r + 1} of {repeat}")
            rdb = os.path.join(wd, f"reference{r}.db")
            rlog = os.path.join(wd, f"reference{r}.log")
            step_load()
            runs.append(timed("bench/reference.py, end to end", [
                "/usr/bin/python3", os.path.join(HERE, "reference.py"), "--host", "127.0.0.1", "--port",
                str(ms.imaps_port), "--smtp-port", str(ms.smtp_port), "--ca", ms.cert_file, "--user", user,
                "--password", ms.password, "--db", rdb, "--orgs", os.path.join(ROOT, "etc", "organisations.conf")],
                ms, rlog, n))
            with open(rlog) as f:
                runs[-1].note = f.read().strip().splitlines()[-1]
            if mailbox_count(ms, user) != 0:
                raise SystemExit(f"reference.py left messages in {user}'s inbox")
            # Its mail is not delivered into Dovecot: the two drains above say what that costs.
            discard(ms)
        res["reference"] = best(runs)
        info["ref_log"] = res["reference"].note
        db = sqlite3.connect(os.path.join(wd, "reference0.db"))
        info["ref_accepted"] = db.execute("SELECT count(*) FROM nominees WHERE status = 'accepted'").fetchone()[0]
        info["ref_sent"] = db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
        info["ref_avg_out"] = db.execute("SELECT avg(length(body)) FROM outbox").fetchone()[0]
        db.close()
    finally:
        ms.stop()
        info["wd"] = wd
    return res, info


def machine(rev):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    try:
        debian = open("/etc/debian_version").read().strip()
    except OSError:
        debian = "?"
    pk = []
    for p in ("dovecot-core", "postfix", "isync", "libetpan20", "libcurl3-gnutls", "libgmime-3.0-0", "libsqlite3-0",
              "python3"):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", p], capture_output=True, text=True)
        pk.append(f"{p} {r.stdout.strip() or '?'}")
    return (f"Machine: {cpu}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM, Linux {platform.release()}, Debian {debian}"
            f" ({platform.machine()}); root file system {fs_type('/tmp')}.\nPackages: {', '.join(pk)}. nomd built from {rev}.")


def fs_type(path):
    best, kind = "", "?"
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, typ = line.split()[:3]
            if path.startswith(mnt) and len(mnt) > len(best):
                best, kind = mnt, f"{typ} on {dev}"
    return kind


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def table(allres):
    out = ["| N | step | mails | wall (s) | mails/s | CPU user+sys (s) | peak RSS (MiB) | Dovecot+Postfix CPU (s) "
           "| wall of each run (s) |", "|---|---|---|---|---|---|---|---|---|"]
    order = ["lmtp", "mbsync", "ingest", "send", "send_drain", "smtp_source", "source_drain", "e2e", "reference"]
    for n, (res, info) in allres:
        for k in order:
            if k not in res:
                continue
            r = res[k]
            rate = r.count / r.wall if r.count and r.wall else None
            out.append(f"| {n:,} | {r.name} | {r.count if r.count is not None else '-':,} | {fmt(r.wall)} | "
                       f"{fmt(rate, 0)} | {fmt(r.cpu)} | {fmt(r.rss / 1024 if r.rss else None, 1)} | "
                       f"{fmt(r.server)} | {', '.join(fmt(w) for w in getattr(r, 'walls', [r.wall]))} |")
        e2e = res["ingest"].wall + res["send"].wall
        ecpu = res["ingest"].cpu + res["send"].cpu
        out.append(f"| {n:,} | nomd end to end (ingest + send) | {n:,} | {fmt(e2e)} | {fmt(n / e2e, 0)} | "
                   f"{fmt(ecpu)} | {fmt(max(res['ingest'].rss, res['send'].rss) / 1024, 1)} | "
                   f"{fmt(res['ingest'].server + res['send'].server)} | |")
    return "\n".join(out)


def ratios(allres):
    out = ["| N | nomd ingest / mbsync (target <= 2) | nomd send / smtp-source (<= 1.2) | "
           "nomd end to end / smtp-source (<= 1.05) | Python / nomd end to end (> 1) | "
           "nomd peak RSS, MiB (< 32, flat) |", "|---|---|---|---|---|---|"]
    for n, (res, info) in allres:
        a = res["ingest"].wall / res["mbsync"].wall
        b = res["send"].wall / res["smtp_source"].wall
        e2e = res["e2e"].wall
        d = e2e / res["smtp_source"].wall
        c = res["reference"].wall / e2e
        rss = max(res["ingest"].rss, res["send"].rss, res["e2e"].rss) / 1024
        out.append(f"| {n:,} | {a:.2f} {'met' if a <= 2 else 'MISSED'} | {b:.2f} {'met' if b <= 1.2 else 'MISSED'}"
                   f" | {d:.2f} {'met' if d <= 1.05 else 'MISSED'} | {c:.2f} {'met' if c > 1 else 'MISSED'}"
                   f" | {rss:.1f} {'met' if rss < 32 else 'MISSED'} |")
    return "\n".join(out)


def profile_summary(allres, profile):
    """What --profile prints: where the reports are, and nomd's memory over the run."""
    for n, (res, info) in allres:
        print(f"N = {n:,}: reports in {profile}/nomd-{{ingest,send}}-{n}.txt (timings under perf, not representative)")
        for step, line in info.get("timeline", {}).items():
            if not line:
                continue
            peak = max(line, key=lambda x: x[1])
            print(f"  {step}: {len(line)} samples; peak RSS {peak[1] / 1024:.1f} MiB at {peak[0]:.1f} s "
                  f"(of {line[-1][0]:.1f} s) with {peak[2]} messages applied and {peak[3]} welcomes queued")
            marks = sorted({min(len(line) - 1, int(len(line) * k / 10)) for k in range(11)})
            calls = info.get("syscalls", {}).get(step, {})
            print(f"   system calls: {', '.join(f'{v:,} {k}' for k, v in calls.items())}")
            print("   " + "; ".join(f"{line[i][0]:.0f} s {line[i][1] / 1024:.1f} MiB {line[i][2]} msg "
                                    f"{line[i][3]} welc" for i in marks))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--messages", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=0, metavar="K",
                    help="runs of each step, the fastest counts (default: 3 for N <= 2000, else 1)")
    ap.add_argument("--profile", metavar="DIR")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    rev = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True,
                         text=True).stdout.strip()
    if os.geteuid() != 0:
        raise SystemExit("bench/mail.py runs a Dovecot and a Postfix: run it as root")
    for tool in (TIME, "/usr/bin/mbsync", "/usr/sbin/smtp-source", os.path.join(a.build, "nomd")):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} missing (install-deps.sh bench, make)")
    if a.profile:
        os.makedirs(a.profile, exist_ok=True)
    top = tempfile.mkdtemp(prefix="nomd-mailbench-", dir="/tmp")
    os.chmod(top, 0o755)
    allres = []
    t0 = time.perf_counter()
    try:
        for n in [int(x) for x in a.messages.split(",")]:
            k = 1 if a.profile else (a.repeat or (3 if n <= 2000 else 1))
            allres.append((n, run_n(n, os.path.abspath(a.build), top, k, a.profile)))
    finally:
        if not a.keep:
            shutil.rmtree(top, ignore_errors=True)
    took = time.perf_counter() - t0
    if a.profile:
        profile_summary(allres, a.profile)
    else:
        print(machine(rev) + f" One run of `bench/mail.py --messages {a.messages}` ({took:.0f} s in all), under "
              "nice, on a machine shared with other work; each step's fastest run counts.\n")
        for n, (res, info) in allres:
            kinds = ", ".join(f"{v} {k}" for k, v in sorted(info["kinds"].items(), key=lambda kv: -kv[1]))
            print(f"N = {n:,}: {kinds}; {info['avg_in']:.0f} bytes on average. nomd: outcomes "
                  f"{info['outcomes']}, {info['accepted']:,} nominees accepted and {info['refused']:,} refused, "
                  f"{info['queued']:,} mails queued (a reply per message, a welcome per accepted nominee; "
                  f"{info['avg_out']:.0f} bytes on average), sent over {info['nomd_connections']} SMTP "
                  f"connection(s); smtp-source used {info['source_connections']}. reference.py: "
                  f"{info['ref_accepted']:,} nominees accepted, {info['ref_log'].split(': ', 1)[1]} "
                  f"({info['ref_avg_out']:.0f} bytes on average). 1-minute load average at the start of the steps: "
                  f"{min(info['load']):.1f} to {max(info['load']):.1f}.\n")
        print(table(allres) + "\n")
        print(ratios(allres))
    if a.keep:
        log(f"work directory kept: {top}")


if __name__ == "__main__":
    main()
