#!/usr/bin/python3
# `make install DESTDIR=...` into a temporary tree, the installed binaries
# run against the real mail stack with their built-in templates, the man pages checked with
# `man --warnings`, the installed unit checked with `systemd-analyze
# verify` and `systemd-analyze security --offline=yes` (exposure 2.0 or
# lower), then `make uninstall` leaving nothing behind.
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, INBOX_USER, ROOT, form_message, run, section, write_config, workdir  # noqa: E402

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

r = make("uninstall")
tap.is_(r.returncode, 0, "make uninstall exits 0")
tap.is_(tree(), ["usr/local/etc/nomd/nomd.conf"], "only the administrator's changed config is left")

tap.done()
