#!/usr/bin/python3
# Deaths that leave no record (SIGKILL, power loss) count only from the
# third: a message on which nomd is killed is tried a third time (a
# recorded crash or an error would be held after two), and held as
# unprocessable on the run after the third death, with the rest of the
# inbox processed. The SIGKILL is injected with NOMD_FAULT=kill:TEXT.
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, INBOX_USER, form_message, nomctl_json, run, section, workdir, write_config  # noqa: E402

CE = "chief.executive@moray.example"
work = workdir("nomd-poison-kill-")


def unprocessable(conf):
    return [m for m in nomctl_json(conf, "messages") if m["reasons"] == ["unprocessable"]]


with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    for i, marker in enumerate(("", "KILL-MARK", "")):
        ms.deliver_lmtp(INBOX_USER, form_message(CE, f"k-{i}@moray.example",
                                                 section("Member", f"K {i} {marker}", f"k{i}@moray.example")))
    env = dict(os.environ, NOMD_FAULT="kill:KILL-MARK")
    nomd = [os.path.join(BUILD, "nomd"), "-c", conf, "--once"]
    for n in (1, 2, 3):
        r = run(nomd, env=env, expect=-signal.SIGKILL)
        tap.is_(r.returncode, -signal.SIGKILL, f"run {n} dies of SIGKILL on the message")
        tap.is_(unprocessable(conf), [], f"after {n} death(s) the message is not held")
    tap.is_(sum(b"KILL-MARK" in m for m in ms.fetch(INBOX_USER)), 1, "it is still in the inbox")
    r = run(nomd, env=env)
    tap.is_(r.returncode, 0, "the fourth run completes")
    held = unprocessable(conf)
    tap.is_(len(held), 1, "the message is held as unprocessable")
    tap.like(held[0]["detail"] if held else "", r"processing never finished \(killed or timed out\)",
             "with the reason given")
    tap.is_(sorted(n["email"] for n in nomctl_json(conf, "export")), ["k0@moray.example", "k2@moray.example"],
            "the rest of the inbox is processed, the held one applied never")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "inbox emptied")
    tap.is_(len(ms.fetch(INBOX_USER, "Held")), 1, "the message is in Held")
tap.done()
