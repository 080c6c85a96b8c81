#!/usr/bin/python3
# Bodies are fetched in runs, one UID FETCH for several messages, bounded by
# imap.batch_size and by imap.batch_bytes (by RFC822.SIZE). nomd talks plain
# IMAP through a recording proxy in this process; every BODY.PEEK[] command
# it sends is read back: each names at most batch_size messages and no more
# bytes than the budget, together they name every message exactly once, and
# there are fewer of them than messages. Everything is processed and moved.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, Recorder, form_message, nomctl_json, nomd, section, uid_set, workdir, write_config  # noqa: E402

work = workdir("nomd-fetch-batch-")


def body_fetches(sent):
    """The UID sets of the body fetches in what nomd sent, in order."""
    return [uid_set(m.group(1)) for m in re.finditer(r"UID FETCH (\S+) \(([^\r\n]*)\)", sent)
            if re.search(r"BODY(\.PEEK)?\[", m.group(2), re.I)]


def deliver(ms, first, count):
    ce = "chief.executive@fife.example"
    for i in range(first, first + count):
        ms.deliver_lmtp(INBOX_USER, form_message(ce, f"batch-{i}@fife.example",
                                                 section("Member", f"Person {i}", f"person{i}@fife.example")))
    return dict(ms.fetch_uids(INBOX_USER))


def one_pass(ms, proxy, batch_size, batch_bytes, label):
    conf = write_config(ms, work, imap_security="none",
                        imap_extra=f"batch_size = {batch_size}; batch_bytes = {batch_bytes};", max_members=50,
                        smtp_extra="max_replies_per_sender_per_hour = 100;")
    text = open(conf).read().replace(f"port = {ms.imap_port};", f"port = {proxy.port};")
    open(conf, "w").write(text)
    with proxy.lock:
        proxy.sent.clear()
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, f"{label}: nomd --once exits 0" + (f": {r.stderr[-400:]}" if r.returncode else ""))
    with proxy.lock:
        return conf, body_fetches(proxy.sent.decode("latin-1"))


def check_runs(runs, sizes, batch_size, batch_bytes, label):
    named = [uid for run in runs for uid in run]
    tap.is_(sorted(named), sorted(sizes), f"{label}: every message's body fetched exactly once")
    tap.ok(1 < len(runs) < len(sizes), f"{label}: {len(runs)} body fetches for {len(sizes)} messages")
    tap.ok(all(len(run) <= batch_size for run in runs),
           f"{label}: none names more than batch_size = {batch_size} ({[len(r) for r in runs]})")
    over = [sorted(run) for run in runs if len(run) > 1 and sum(sizes[u] for u in run) > batch_bytes]
    tap.is_(over, [], f"{label}: none of several messages holds more than batch_bytes = {batch_bytes}")


with MailStack(os.path.join(work, "stack")) as ms:
    proxy = Recorder(("127.0.0.1", ms.imap_port))

    # By count: a budget far above the messages, four a run at most.
    sizes = {uid: len(raw) for uid, raw in deliver(ms, 0, 9).items()}
    tap.is_(len(sizes), 9, "nine messages in the inbox")
    conf, runs = one_pass(ms, proxy, 4, 1 << 20, "by count")
    check_runs(runs, sizes, 4, 1 << 20, "by count")
    tap.ok(any(len(run) == 4 for run in runs), f"by count: a run of four ({[len(r) for r in runs]})")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "by count: the inbox is empty")

    # By bytes: room for two and a half of these messages a run.
    sizes = {uid: len(raw) for uid, raw in deliver(ms, 9, 9).items()}
    budget = max(1024, int(max(sizes.values()) * 2.5))
    conf, runs = one_pass(ms, proxy, 50, budget, "by bytes")
    check_runs(runs, sizes, 50, budget, "by bytes")
    tap.ok(all(len(run) <= 2 for run in runs), f"by bytes: at most two a run ({[len(r) for r in runs]})")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "by bytes: the inbox is empty")

    msgs = nomctl_json(conf, "messages")
    tap.is_(sorted(m["outcome"] for m in msgs), ["accepted"] * 18,
            "all eighteen messages recorded as accepted")
    tap.is_(len(ms.fetch(INBOX_USER, "Processed")), 18, "and moved to Processed")
tap.done()
