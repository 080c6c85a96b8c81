#!/usr/bin/python3
"""nomd's demo: start a throwaway mail stack, send the sample nominations in
tests/data through SMTP, run `nomd --once`, and show what happened: the
stored nominations, the filing of each message, and the replies that
landed in the nominators' mailboxes. The stack is stopped at the end."""

import email
import email.policy
import glob
import json
import os
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, nomctl, nomd, write_config  # noqa: E402


def banner(text):
    print(f"\n=== {text} " + "=" * max(0, 66 - len(text)))


def main():
    work = tempfile.mkdtemp(prefix="nomd-demo-")
    os.chmod(work, 0o755)
    samples = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.eml")))
    banner("Starting Dovecot (IMAP, LMTP) and Postfix (SMTP) on 127.0.0.1")
    with MailStack(os.path.join(work, "stack")) as ms:
        print(f"IMAPS {ms.imaps_port}, SMTP {ms.smtp_port} (STARTTLS), LMTP {ms.lmtp_port}; files in {work}")
        conf = write_config(ms, work)
        senders = []
        banner(f"Sending {len(samples)} sample nominations through Postfix")
        for path in samples:
            raw = open(path, "rb").read()
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            sender = msg["From"].addresses[0].addr_spec
            senders.append(sender)
            ms.send_smtp(sender, [INBOX_USER], raw)
            print(f"  {os.path.basename(path):18} from {sender:36} {msg['Subject']}")
        arrived = ms.fetch(INBOX_USER, expect=len(samples), timeout=60)
        print(f"{len(arrived)} message(s) in {INBOX_USER}'s INBOX")

        banner("nomd --once")
        r = nomd(conf, "--once")
        sys.stdout.write(r.stderr)
        if r.returncode != 0:
            print(f"nomd exited {r.returncode}")
            return 1

        banner("Stored nominations (nomctl export --format csv)")
        sys.stdout.write(nomctl(conf, "export", "--format", "csv").stdout.replace("\r\n", "\n"))

        banner("Messages (nomctl messages --format json, summarised)")
        for m in json.loads(nomctl(conf, "messages", "--format", "json").stdout):
            print(f"  {m['message_id']:28} {m['from']:36} {m['outcome']:9} {' '.join(m['reasons'])}")
        for box in ("INBOX", "Processed", "Rejected", "Held"):
            print(f"  IMAP {box:10} {len(ms.fetch(INBOX_USER, box))} message(s)")

        ms.wait_queue_empty(timeout=60)
        for sender in dict.fromkeys(senders):
            replies = ms.fetch(sender)
            banner(f"Mailbox of {sender}: {len(replies)} message(s)")
            for raw in replies:
                m = email.message_from_bytes(raw, policy=email.policy.default)
                for h in ("From", "To", "Subject", "In-Reply-To", "Auto-Submitted"):
                    print(f"{h}: {m[h]}")
                body = m.get_body(preferencelist=("plain",))
                print()
                print(body.get_content().rstrip() if body else "(no text)")
                print("-" * 70)
            if not replies:
                print("(nothing: unknown senders are held for staff and never answered)")
        welcomed = [o["recipient"] for o in json.loads(nomctl(conf, "outbox", "--format", "json").stdout)
                    if o["recipient"] not in senders]
        banner(f"Welcomes: each accepted nominee is asked to confirm by YES or NO ({len(welcomed)} sent)")
        for who in welcomed[:1]:
            raw = ms.fetch(who, expect=1, timeout=60)
            if raw:
                m = email.message_from_bytes(raw[0], policy=email.policy.default)
                print(f"To: {m['To']}\nSubject: {m['Subject']}\n")
                print(m.get_body(preferencelist=("plain",)).get_content().rstrip())
        banner("The staff digest (nomctl digest --preview)")
        sys.stdout.write(nomctl(conf, "digest", "--preview").stdout)
        banner("Stopping the mail stack")
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
