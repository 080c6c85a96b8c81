#!/usr/bin/python3
# Operating nomd, on the real mail stack: secrets readable by others are
# refused; `nomctl forget` leaves nothing of a person anywhere in the
# database file (searched byte by byte, with its WAL); programme.retain_days
# empties old sent-mail bodies; `nomctl reprocess` applies a held message
# again once staff fixed its cause; `nomctl status` says how nomd is.
import json
import os
import re
import subprocess
import socket
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, Daemon, form_message, nomctl, nomctl_json, nomd, section,  # noqa: E402
                      write_config, workdir)

PERSON = "Siobhan Quartermaine"
EMAIL = "Siobhan.Quartermaine@fife.example"


def database_bytes(work):
    data = b""
    for suffix in ("", "-wal", "-journal"):
        path = os.path.join(work, "nomd.db" + suffix)
        if os.path.exists(path):
            data += open(path, "rb").read()
    return data


def traces(data):
    """Where the person still appears, in any case and in UTF-16 too."""
    found = []
    for text in (EMAIL, PERSON, "Quartermaine"):
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            for variant in {text, text.lower(), text.upper()}:
                if variant.encode(enc) in data:
                    found.append(f"{variant} ({enc})")
    return found


work = workdir("nomd-admin-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, extra="pairing = { require_consent = false; };\n"
                                         "events = { require_consent = false; };")

    # Secrets.
    os.chmod(conf, 0o644)
    r = nomd(conf, "--check-config", expect=78)
    tap.ok(r.returncode == 78 and re.search(r"nomd.conf:\d+: configuration file .* is readable by group or others "
                                            r"\(mode 0644\)", r.stderr),
           f"a config holding a password, readable by all: refused ({r.stderr.strip()})")
    tap.ok(ms.password not in r.stdout + r.stderr, "and the password is not printed")
    os.chmod(conf, 0o600)
    r = nomd(conf, "--check-config")
    tap.is_(r.returncode, 0, "at 0600 it is accepted")
    tap.ok(ms.password not in r.stdout + r.stderr, "--check-config does not print the password either")
    r = nomctl(conf, "status")
    tap.ok(r.returncode == 0 and "no status yet" in r.stdout, "status before nomd ever ran")

    # A person with a trace in every table: nominee, welcome and consent
    # answer, confirmation to the nominator, a pair, an invitation and RSVP.
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "fife-1@fife.example",
                                             section("Member", PERSON, EMAIL, job_title="Graduate Planner",
                                                     aspiration="Head of Planning") +
                                             section("Member", "Alex Morgan", "alex@fife.example"),
                                             subject=f"Nomination of {PERSON}"))
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@angus.example", "angus-1@angus.example",
                                             section("Mentor", "Pat Reid", "pat@angus.example",
                                                     job_title="Head of Planning")))
    ms.deliver_lmtp(INBOX_USER, form_message("stranger@elsewhere.example", "stranger-1@elsewhere.example",
                                             section("Member", "Morven Smith", "morven@moray.example")))
    nomd(conf, "--once")
    welcome = [m for m in ms.fetch(EMAIL.lower(), expect=1, timeout=60)]
    raw = welcome[0].decode("utf-8", "replace") if welcome else ""
    token = re.search(r"\[ref ([0-9a-f]{12})\]", raw)
    ms.deliver_lmtp(INBOX_USER, (f"From: {PERSON} <{EMAIL}>\r\nTo: {INBOX_USER}\r\n"
                                 f"Subject: Re: Welcome [ref {token.group(1) if token else ''}]\r\n"
                                 "Message-ID: <consent-1@fife.example>\r\nContent-Type: text/plain\r\n\r\n"
                                 f"Yes\r\n\r\n{PERSON}\r\n").encode())
    nomd(conf, "--once")
    r = nomctl(conf, "pair", "--commit")
    tap.ok(r.returncode == 0 and "1 pair(s) recorded" in r.stderr, "the person is paired")
    r = nomctl(conf, "event", "add", "--title", "Online session", "--start", "2030-01-20 10:00", "--duration", "2h",
               "--online-url", "https://meet.example.org/s", "--audience", "members")
    nomd(conf, "--once")
    export = {n["email"]: n for n in nomctl_json(conf, "export") if n["email"]}
    tap.is_(export.get(EMAIL, {}).get("consent"), "confirmed", "consent recorded")
    before = traces(database_bytes(work))
    tap.ok(len(before) > 0, f"before: the database holds the person ({len(before)} forms found)")

    r = nomctl(conf, "forget", EMAIL)
    tap.is_(r.returncode, 0, f"nomctl forget exits 0 ({r.stdout.strip()} {r.stderr.strip()})")
    left = traces(database_bytes(work))
    tap.is_(left, [], "afterwards nothing of the person is left in the database file, in any case or encoding")
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    erasures = db.execute("SELECT count(*), sum(nominees) FROM erasures").fetchone()
    tap.is_(erasures, (1, 1), "one erasure recorded, of one nominee record")
    tap.is_(db.execute("SELECT count(*) FROM pairs").fetchone()[0], 0, "the pair record is gone")
    tap.is_(db.execute("SELECT count(*) FROM invitations i JOIN nominees n ON n.id = i.nominee"
                       " WHERE n.email IS NULL").fetchone()[0], 0, "and the RSVP record")
    tap.is_(db.execute("PRAGMA integrity_check").fetchone()[0], "ok", "the database is intact")
    db.close()
    export = nomctl_json(conf, "export")
    tap.is_(sorted(n["email"] for n in export if n["email"]), ["alex@fife.example", "pat@angus.example"],
            "everyone else is still there")
    fife = [m for m in nomctl_json(conf, "messages") if m["message_id"] == "fife-1@fife.example"]
    tap.is_(fife[0]["subject"] if fife else None, "Nomination of [erased]", "the name is gone from a subject")

    # Retention: sent-mail bodies older than retain_days are emptied.
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    with db:
        db.execute("UPDATE outbox SET sent_at = '2020-01-01T00:00:00Z' WHERE recipient = 'alex@fife.example'")
    db.close()
    text = open(conf).read().replace("max_mentors = 5; };", "max_mentors = 5; retain_days = 30; };", 1)
    open(conf, "w").write(text)
    r = nomd(conf, "--once")
    tap.ok(re.search(r"retention: bodies of \d+ sent message\(s\) older than 30 days emptied", r.stderr),
           "retain_days empties the bodies of old sent mail")
    db = sqlite3.connect(os.path.join(work, "nomd.db"))
    lengths = db.execute("SELECT sum(length(body) > 0 OR facts IS NOT NULL) FROM outbox"
                         " WHERE recipient = 'alex@fife.example'"
                         ).fetchone()[0]
    others = db.execute("SELECT sum(length(body) > 0 OR facts IS NOT NULL) FROM outbox"
                        " WHERE recipient = 'pat@angus.example'"
                        ).fetchone()[0]
    db.close()
    tap.is_((lengths, others > 0), (0, True), "old ones emptied, recent ones kept")

    # Reprocess: the stranger's message was held (not a nominator); staff
    # add them to Moray's nominators and apply it again.
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}
    tap.is_(messages["stranger-1@elsewhere.example"]["reasons"], ["not_authorised"], "the stranger's mail is held")
    text = open(conf).read()
    orgs = open(os.path.join(work, "organisations.conf")).read()
    orgs = orgs.replace('nominators = [ "chief.executive@moray.example" ]',
                        'nominators = [ "chief.executive@moray.example", "stranger@elsewhere.example" ]')
    open(os.path.join(work, "organisations.conf"), "w").write(orgs)
    r = nomctl(conf, "reprocess", "stranger-1@elsewhere.example")
    tap.is_(r.returncode, 0, f"nomctl reprocess exits 0 ({r.stdout.strip()} {r.stderr.strip()})")
    tap.is_(len(ms.fetch(INBOX_USER)), 1, "the message is back in the inbox")
    nomd(conf, "--once")
    messages = [m for m in nomctl_json(conf, "messages") if m["subject"] == "Nominations"
                and m["from"] == "stranger@elsewhere.example"]
    tap.is_(sorted(m["outcome"] for m in messages), ["accepted", "held"],
            "applied again: accepted, the old held record kept for the record")
    tap.ok(any(n["email"] == "morven@moray.example" for n in nomctl_json(conf, "export")), "the nominee is stored")
    r = nomctl(conf, "reprocess", "stranger-1@elsewhere.example", expect=65)
    tap.is_(r.returncode, 65, "reprocessing again: nothing held under that Message-ID")
    r = nomctl(conf, "reprocess", "not an id", expect=64)
    tap.is_(r.returncode, 64, "a bad Message-ID: usage")

    # Status: after runs of nomd --once (as from cron), then of the daemon.
    r = nomctl(conf, "status", "--format", "json")
    st = json.loads(r.stdout)[0] if r.returncode == 0 else {}
    # One version, quoted the same by every program, the log and the status.
    nomd_ver = subprocess.run([os.path.join(BUILD, "nomd"), "--version"], capture_output=True, text=True)
    nomctl_ver = subprocess.run([os.path.join(BUILD, "nomctl"), "--version"], capture_output=True, text=True)
    reader_ver = subprocess.run([os.path.join(BUILD, "nomd-reader"), "--version"], capture_output=True, text=True)
    version = nomd_ver.stdout.strip().partition(" ")[2]
    tap.ok(nomd_ver.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+(\+git\.\S+)?", version),
           f"nomd --version: a version people can quote ({nomd_ver.stdout.strip()})")
    tap.is_((nomctl_ver.stdout.strip(), reader_ver.stdout.strip()), (f"nomctl {version}", f"nomd-reader {version}"),
            "nomctl and nomd-reader say the same version")
    tap.is_(st.get("version"), version, "nomctl status names the version of the nomd that ran")
    once = nomd(conf, "--once")
    first = next((line for line in once.stderr.splitlines() if line.strip()), "")
    tap.ok(f"nomd {version}" in first, f"the version is in the first line nomd logs ({first})")
    tap.ok(st.get("daemon", "").startswith("not running; last run by nomd --once") and st.get("state") == "finished"
           and re.match(r"\d{4}-\d\d-\d\dT", st.get("last_poll", "")) and st.get("last_error") == "-",
           f"status after nomd --once: its last run, finished, with the time of its poll ({st.get('daemon')}, "
           f"{st.get('state')}, {st.get('last_poll')})")
    d = Daemon(conf)
    tap.ok(d.wait_for(r"waiting with IDLE", 20), "daemon running")
    d.wait_for(r"outbox:|consent mail|event mail", 5)
    r = nomctl(conf, "status", "--format", "json")
    st = json.loads(r.stdout)[0] if r.returncode == 0 else {}
    tap.is_((st.get("daemon", "").split(" ")[0], st.get("state"), st.get("backlog")), ("running", "wait", "0"),
            "status: running, waiting, nothing left in the inbox")
    tap.ok(re.match(r"\d{4}-\d\d-\d\dT", st.get("last_poll", "")), "with the time of the last poll")
    tap.ok(re.search(r"\d+ accepted", st.get("messages", "")) and st.get("outbox_failed") == "0",
           f"counts by outcome and the outbox ({st.get('messages')})")
    tap.is_(st.get("next_digest"), "off", "the digest is off in this config")
    r = nomd(conf, "--once")
    st = json.loads(nomctl(conf, "status", "--format", "json").stdout or "[{}]")[0]
    tap.ok(r.returncode == 0 and st.get("daemon") == f"running (pid {d.proc.pid})",
           f"a nomd --once beside the running daemon leaves the daemon's status ({st.get('daemon')})")
    d.stop()
    r = nomctl(conf, "status")
    tap.ok(re.search(r"daemon\s+not running", r.stdout), "after it stops: not running")
    before = json.loads(nomctl(conf, "status", "--format", "json").stdout or "[{}]")[0]
    r = nomd(conf, "--once")
    good = json.loads(nomctl(conf, "status", "--format", "json").stdout or "[{}]")[0]
    # A run that cannot reach the server (a closed port, same database).
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    broken = os.path.join(work, "broken.conf")
    with open(broken, "w") as f:
        f.write(re.sub(r"port = \d+;", f"port = {closed.getsockname()[1]};", open(conf).read(), count=1))
    os.chmod(broken, 0o600)
    r = nomd(broken, "--once", expect=75)
    st = json.loads(nomctl(conf, "status", "--format", "json").stdout or "[{}]")[0]
    closed.close()
    tap.ok(r.returncode == 75 and st.get("state") == "failed" and st.get("last_error", "-") != "-"
           and st.get("last_poll") == good.get("last_poll") and good.get("last_poll") >= before.get("last_poll", ""),
           f"a nomd --once that fails: state failed, its error, the last poll that worked kept "
           f"({st.get('last_error')}; {st.get('last_poll')})")

tap.done()
