#!/usr/bin/python3
# `make install DESTDIR=...` into a temporary tree, the installed binaries
# run against the real mail stack with their built-in templates, the man pages checked with
# `man --warnings`, the installed unit checked with `systemd-analyze
# verify` and `systemd-analyze security --offline=yes` (exposure 2.0 or
# lower), the template unit nomd@.service the same way as an instance,
# two programmes side by side (connect.conf and awards.conf, each its own
# inbox and state: each daemon takes only its own mail, logs under its
# name, and nomctl -p NAME reads each), then `make uninstall` leaving
# nothing behind.
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, ROOT, Daemon, form_message, run, section, write_config,  # noqa: E402
                      workdir)

work = workdir("nomd-install-")
dest = os.path.join(work, "dest")


def make(*targets):
    return run(["make", "-C", ROOT, f"BUILD={BUILD}", f"DESTDIR={dest}", "PREFIX=/usr/local", *targets], timeout=600)


def tree():
    files = []
    for d, _, names in os.walk(dest):
        files += [os.path.relpath(os.path.join(d, n), dest) for n in names]
    return sorted(files)


r = make("install")
tap.is_(r.returncode, 0, "make install DESTDIR=... exits 0")
if r.returncode:
    tap.diag(r.stdout[-2000:] + r.stderr[-2000:])
files = tree()
for path in ("usr/local/sbin/nomd", "usr/local/bin/nomctl", "usr/local/etc/nomd/nomd.conf",
             "usr/local/etc/nomd/organisations.conf", "usr/local/lib/systemd/system/nomd.service",
             "usr/local/lib/systemd/system/nomd@.service",
             "usr/local/share/man/man8/nomd.8", "usr/local/share/man/man1/nomctl.1",
             "usr/local/share/man/man5/nomd.conf.5", "usr/local/libexec/nomd/nomd-reader"):
    tap.ok(path in files, f"installed: {path}")
tap.is_(oct(os.stat(os.path.join(dest, "usr/local/sbin/nomd")).st_mode & 0o777), "0o755", "nomd is executable")
nomd_bin = os.path.join(dest, "usr/local/sbin/nomd")
strings = open(nomd_bin, "rb").read()
tap.ok(b"/usr/local/etc/nomd/nomd.conf" in strings
       and b"/usr/local/libexec/nomd/nomd-reader" in strings, "compiled-in paths follow PREFIX (the reader's too)")
tap.ok(not any(f.startswith("usr/local/share/nomd") for f in files) and b"/usr/local/share/nomd" not in strings,
       "no templates installed or looked for under share/nomd: they are built in")
tap.ok(all(f"usr/local/share/doc/nomd/programmes/{n}.conf" in files
           for n in ("connect-network", "leadership-forum", "mentoring-scheme", "awards"))
       and "usr/local/share/doc/nomd/programmes/awards/confirmation.txt" in files,
       "the shipped programme definitions, with their templates, to copy from")
tap.is_(oct(os.stat(os.path.join(dest, "usr/local/libexec/nomd/nomd-reader")).st_mode & 0o777), "0o755",
        "nomd-reader is executable")

# The sample config is never overwritten.
conf_path = os.path.join(dest, "usr/local/etc/nomd/nomd.conf")
with open(conf_path, "a") as f:
    f.write("# changed by the administrator\n")
r = make("install")
tap.ok(r.returncode == 0 and "keeping" in r.stdout and open(conf_path).read().endswith("administrator\n"),
       "a second install keeps the changed config")

# Man pages render without a warning.
env = dict(os.environ, MANWIDTH="80")
for page in ("man8/nomd.8", "man1/nomctl.1", "man5/nomd.conf.5"):
    p = subprocess.run(["man", "--warnings", "-l", os.path.join(dest, "usr/local/share/man", page)],
                       capture_output=True, text=True, env=env)
    tap.ok(p.returncode == 0 and p.stderr == "" and len(p.stdout) > 500,
           f"man --warnings {page}: clean ({p.stderr.strip()[:200]})")

# The unit: verify against the installed tree, and its exposure.
unit = os.path.join(dest, "usr/local/lib/systemd/system/nomd.service")
text = open(unit).read()
tap.ok("ExecStart=/usr/local/sbin/nomd -c /usr/local/etc/nomd/nomd.conf" in text, "the unit has the PREFIX's paths")
# verify looks for the binary and the man pages on this system: point
# them into the staging tree, and change nothing else.
staged = os.path.join(work, "nomd.service")
with open(staged, "w") as f:
    f.write(text.replace("/usr/local/", f"{dest}/usr/local/"))
p = subprocess.run(["systemd-analyze", "verify", "--man=yes", staged], capture_output=True, text=True,
                   env=dict(os.environ, MANPATH=os.path.join(dest, "usr/local/share/man")))
tap.ok(p.returncode == 0 and p.stderr.strip() == "", f"systemd-analyze verify passes ({p.stderr.strip()[:300]})")
p = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit], capture_output=True, text=True)
m = re.search(r"Overall exposure level for nomd.service: (\d+\.\d+)", p.stdout)
tap.ok(m and float(m.group(1)) <= 2.0, f"systemd-analyze security: exposure {m.group(1) if m else '?'} (2.0 or lower)")

# The template: one programme of several, NAME from the instance.
template = open(os.path.join(dest, "usr/local/lib/systemd/system/nomd@.service")).read()
for line in ("ExecStartPre=/usr/local/sbin/nomd -c /usr/local/etc/nomd/%i.conf --check-config",
             "ExecStart=/usr/local/sbin/nomd -c /usr/local/etc/nomd/%i.conf", "StateDirectory=nomd/%i",
             "CacheDirectory=nomd/%i", "Environment=XDG_CACHE_HOME=%C/nomd/%i", "SyslogIdentifier=nomd@%i",
             "LoadCredential=imap.password:/usr/local/etc/nomd/%i.imap.password"):
    tap.ok(re.search(r"^" + re.escape(line) + "$", template, re.M), f"nomd@.service: {line}")
differ = r"^(#|ExecStart|ExecStartPre|StateDirectory|CacheDirectory|Environment|LoadCredential|Description|SyslogIdentifier)"
tap.is_([line for line in template.splitlines() if not re.match(differ, line)],
        [line for line in text.splitlines() if not re.match(differ, line)],
        "and otherwise the same unit as nomd.service: the same hardening")
instance = os.path.join(work, "nomd@awards.service")
with open(instance, "w") as f:
    f.write(template.replace("/usr/local/", f"{dest}/usr/local/"))
p = subprocess.run(["systemd-analyze", "verify", "--man=yes", instance], capture_output=True, text=True,
                   env=dict(os.environ, MANPATH=os.path.join(dest, "usr/local/share/man")))
tap.ok(p.returncode == 0 and p.stderr.strip() == "",
       f"systemd-analyze verify nomd@awards.service passes ({p.stderr.strip()[:300]})")
p = subprocess.run(["systemd-analyze", "security", "--offline=yes", instance], capture_output=True, text=True)
m = re.search(r"Overall exposure level for nomd@awards.service: (\d+\.\d+)", p.stdout)
tap.ok(m and float(m.group(1)) <= 2.0, f"the instance's exposure {m.group(1) if m else '?'} (2.0 or lower)")

# The installed binaries work against the test mail stack.
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    # No `templates`: the installed nomd uses its built-in ones.
    text = open(conf).read().replace(f'templates = "{ROOT}/templates";\n', "")
    tap.ok(not re.search(r"^\s*templates\s*=", text, re.M), "the configuration names no templates folder")
    open(conf, "w").write(text)
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "inst-1@fife.example",
                                             section("Member", "Alex Morgan", "alex@fife.example")))
    r = run([nomd_bin, "-c", conf, "--once"])
    tap.is_(r.returncode, 0, "the installed nomd processes the inbox")
    r = run([os.path.join(dest, "usr/local/bin/nomctl"), "-c", conf, "export", "--format", "csv"])
    tap.ok(r.returncode == 0 and "alex@fife.example" in r.stdout, "the installed nomctl reads the result")
    replies = ms.fetch("chief.executive@fife.example", expect=1, timeout=60)
    tap.is_(len(replies), 1, "and the confirmation arrives")

    # Two programmes on one host: NAME.conf each, its own inbox and state.
    etc = os.path.join(work, "etc")
    os.makedirs(etc)
    base = open(write_config(ms, etc)).read().replace(f'templates = "{ROOT}/templates";\n', "")
    os.remove(os.path.join(etc, "nomd.conf"))
    inboxes = {"connect": INBOX_USER, "awards": "awards@example.org"}
    for name, user in inboxes.items():
        path = os.path.join(etc, f"{name}.conf")
        with open(path, "w") as f:
            f.write(base.replace(f"{etc}/nomd.db", f"{work}/state/{name}/nomd.db")
                    .replace(f'user = "{INBOX_USER}"', f'user = "{user}"'))
        os.chmod(path, 0o600)
        os.makedirs(os.path.join(work, "state", name))
    env = dict(os.environ, NOMD_CONFIG_DIR=etc)
    nomctl_bin = os.path.join(dest, "usr/local/bin/nomctl")
    r = run([nomd_bin, "-p", "awards", "--check-config"], env=env)
    tap.ok(r.returncode == 0 and f"{etc}/awards.conf: configuration OK" in r.stdout,
           f"nomd -p awards reads awards.conf ({r.stdout.strip()}{r.stderr.strip()})")
    daemons = {name: Daemon(os.path.join(etc, f"{name}.conf")) for name in inboxes}
    ready = {name: d.wait_for(r"connected to ", 30) for name, d in daemons.items()}
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@angus.example", "prog-connect@angus.example",
                                             section("Member", "Connie Nect", "connie@angus.example")))
    ms.deliver_lmtp("awards@example.org", form_message("chief.executive@moray.example", "prog-awards@moray.example",
                                                       section("Member", "Ava Ward", "ava@moray.example")))
    exports = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        exports = {name: run([nomctl_bin, "-p", name, "export", "--format", "csv"], env=env).stdout
                   for name in inboxes}
        if "connie@" in exports["connect"] and "ava@" in exports["awards"]:
            break
        time.sleep(0.5)
    tap.ok(all(ready.values()), "both daemons running side by side")
    tap.ok("connie@angus.example" in exports["connect"] and "ava@" not in exports["connect"],
           "nomctl -p connect: connect's nominee only")
    tap.ok("ava@moray.example" in exports["awards"] and "connie@" not in exports["awards"],
           "nomctl -p awards: awards' nominee only")
    logs = {name: d.text() for name, d in daemons.items()}
    for name, d in daemons.items():
        d.stop()
    tap.ok(re.search(r"^nomd@connect\[\d+\]: info: ", logs["connect"], re.M)
           and not re.search(r"^nomd(@awards)?\[", logs["connect"], re.M),
           "connect's daemon logs as nomd@connect")
    tap.ok(re.search(r"^nomd@awards\[\d+\]: info: ", logs["awards"], re.M), "awards' as nomd@awards")
    r = run([nomctl_bin, "-p", "connect", "-c", os.path.join(etc, "connect.conf"), "export"], env=env, expect=64)
    tap.is_(r.returncode, 64, "-p and -c together: a usage error")
    r = run([nomctl_bin, "-p", "../connect", "export"], env=env, expect=64)
    tap.ok(r.returncode == 64 and "is not a programme name" in r.stderr, "a name with a path in it: refused")

r = make("uninstall")
tap.is_(r.returncode, 0, "make uninstall exits 0")
tap.is_(tree(), ["usr/local/etc/nomd/nomd.conf"], "only the administrator's changed config is left")

tap.done()
