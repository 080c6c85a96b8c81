#!/usr/bin/python3
# A message that makes processing fail (an error, or a crash of nomd) is
# held as "unprocessable" after two attempts, with what went wrong, while
# the rest of the inbox is processed. The failure is injected with the
# NOMD_FAULT test hook on a marker in the message.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Daemon, form_message, nomctl_json, nomd, run, BUILD, section, write_config, workdir  # noqa: E402

CE = "chief.executive@moray.example"
work = workdir("nomd-poison-")


def held_unprocessable(conf):
    return [m for m in nomctl_json(conf, "messages") if m["reasons"] == ["unprocessable"]]


def fill(ms, tag):
    for i, marker in enumerate(("", "POISON-MARK", "")):
        ms.deliver_lmtp(INBOX_USER, form_message(CE, f"{tag}-{i}@moray.example",
                                                 section("Member", f"{tag} {i} {marker}", f"{tag}{i}@moray.example")))


with MailStack(os.path.join(work, "stack")) as ms:
    # An error on the message: the others go on in the same pass.
    sub = os.path.join(work, "fail")
    os.mkdir(sub)
    conf = write_config(ms, sub)
    fill(ms, "f")
    env = dict(os.environ, NOMD_FAULT="fail:POISON-MARK")
    r = run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env)
    tap.is_(r.returncode, 0, "pass with a failing message still exits 0")
    tap.like(r.stderr, r"attempt 1 of 2 failed: injected fault", "first failure logged")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["f0@moray.example", "f2@moray.example"],
            "the messages before and after it are processed")
    tap.is_(len(ms.fetch(INBOX_USER)), 1, "the failing message stays in the inbox after one attempt")
    r = run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env)
    tap.like(r.stderr, r"attempt 2 of 2 failed", "second failure logged")
    held = held_unprocessable(conf)
    tap.is_(len(held), 1, "after two attempts it is held as unprocessable")
    tap.like(held[0]["detail"] if held else "", r"injected fault", "with what went wrong")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "and moved out of the inbox")
    tap.is_(len(ms.fetch(INBOX_USER, "Held")), 1, "into Held")
    r = nomd(conf, "--once")
    tap.is_(len(nomctl_json(conf, "messages")), 3, "nothing more happens on the next run")

    # A crash on the message: the attempt was counted before it, so the
    # third run holds it without touching it again and goes on.
    sub = os.path.join(work, "crash")
    os.mkdir(sub)
    conf = write_config(ms, sub)
    fill(ms, "c")
    env = dict(os.environ, NOMD_FAULT="crash:POISON-MARK")
    codes = [run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env, expect=None).returncode for _ in range(2)]  # -6: it aborts on the message, on purpose
    tap.ok(all(c < 0 for c in codes), f"two runs crash on the message (status {codes})")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["c0@moray.example"],
            "the message before it was applied once")
    r = run([os.path.join(BUILD, "nomd"), "-c", conf, "--once"], env=env)
    tap.is_(r.returncode, 0, "third run completes")
    held = held_unprocessable(conf)
    tap.is_(len(held), 1, "the crashing message is held as unprocessable")
    tap.like(held[0]["detail"] if held else "", r"crashed while processing it \(signal 6\)",
             "the recorded crash is the reason given")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["c0@moray.example", "c2@moray.example"],
            "and the rest of the inbox is processed")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "inbox emptied")

    # In long-running mode the same holds without a restart for errors.
    sub = os.path.join(work, "daemon")
    os.mkdir(sub)
    conf = write_config(ms, sub, imap_extra="idle_seconds = 5;")
    fill(ms, "d")
    d = Daemon(conf, env={"NOMD_FAULT": "fail:POISON-MARK"})
    tap.ok(d.wait_for(r"held as unprocessable", 90), "the daemon retries the failed message soon and then holds it")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["d0@moray.example", "d2@moray.example"],
            "others processed")
    d.stop()
tap.done()
