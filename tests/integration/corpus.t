#!/usr/bin/python3
# The corpus of real-world nomination emails (tests/corpus/) through the real
# IMAP path: each group's messages are delivered by LMTP into the inbox in
# file-name order, `nomd --once` runs, and every message's expectations
# (NN-name.json next to NN-name.eml) are checked against `nomctl messages`,
# `nomctl export`, `nomctl outbox` and the replies in the senders' own
# mailboxes.
#
# Groups are the subdirectories of tests/corpus/, each with a fresh database
# and configuration: the default one plus the settings in the group's
# config.extra (a `programme = { ... };` group there is merged into the
# generated programme group). A group's phase2/ subfolder is delivered after
# the first run, with {{REPLY_ID:<message-id>}} replaced by the Message-ID
# of nomd's reply to that message, and followed by a second run.
#
# Expectation keys: description, outcome, reasons, warnings (both
# order-insensitive, compared exactly), nominees (the export rows whose
# message_id is this message, compared as a set by address; each listed
# field is checked), reply (true/false), reply_contains, reply_lacks,
# reply_subject, organisation, detail_contains, envelope_from (LMTP MAIL
# FROM; default the From address, "" for the null sender), outbox_bounce
# ({"reply_to": id, "contains": [...]}), known_bug (failing checks of that
# message are reported as TODO, with the text as the reason; known_bug_checks,
# a list of check-name fragments, limits that to the checks it names).
import email
import email.header
import email.policy
import email.utils
import glob
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import INBOX_USER, ROOT, nomctl_json, nomd, workdir, write_config  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "corpus")
BLANK_FORM_PHRASE = "Service type: (corporate, strategic or operational)"


# ---------------------------------------------------------------- TAP with TODO

def check(cond, name, todo=None, diag=None):
    """One test. With `todo` (a known bug), a failure is reported as TODO."""
    cond = bool(cond)
    if not todo or cond:
        res = tap.ok(cond, name)
        if not res and diag:
            tap.diag(diag)
        return res
    tap._count += 1
    safe = str(name).replace("\n", " ").replace("#", "\\#")
    todo_text = str(todo).replace("\n", " ").replace("#", "\\#")
    sys.stdout.write("not ok %d - %s # TODO %s\n" % (tap._count, safe, todo_text))
    sys.stdout.flush()
    TODOS.append(name)
    TODO_HIT.add(todo)
    if diag:
        tap.note(diag)
    return False


def check_is(got, expected, name, todo=None):
    return check(got == expected, name, todo, "         got: %r\n    expected: %r" % (got, expected))


TODOS = []
TODO_HIT = set()
CHECK, CHECK_IS = check, check_is


# ---------------------------------------------------------------- reason texts (from the source)

def reason_texts():
    with open(os.path.join(ROOT, "daemon", "decide.h")) as f:
        macros = dict(re.findall(r'#define\s+((?:REASON|WARN)_\w+)\s+"([^"]+)"', f.read()))
    with open(os.path.join(ROOT, "daemon", "decide.c")) as f:
        pairs = re.findall(r'\{\s*((?:REASON|WARN)_\w+)\s*,\s*"((?:[^"\\]|\\.)*)"\s*\}', f.read())
    return {macros[m]: t for m, t in pairs if m in macros}


REASON_TEXT = reason_texts()


# ---------------------------------------------------------------- the corpus

def header_text(value):
    if value is None:
        return None
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        return str(value)


def one_line(s):
    return re.sub(r"[\x00-\x1f\x7f]", " ", s or "").strip()


class Item:
    def __init__(self, group, path):
        self.group = group
        self.path = path
        self.stem = os.path.splitext(os.path.basename(path))[0]
        rel = os.path.relpath(path, os.path.join(CORPUS, group))
        self.label = f"{group}/{os.path.splitext(rel)[0]}"
        with open(os.path.splitext(path)[0] + ".json") as f:
            self.exp = json.load(f)
        with open(path, "rb") as f:
            self.template = f.read()
        self.raw = self.template

    def finalise(self, reply_ids):
        """Fill in {{REPLY_ID:...}} placeholders; parse the facts the runner needs."""
        def sub(m):
            rid = reply_ids.get(m.group(1).decode())
            return (rid or "reply-not-found@invalid").encode()
        self.raw = re.sub(rb"\{\{REPLY_ID:([^}]+)\}\}", sub, self.template)
        head = re.split(rb"\r?\n\r?\n", self.raw, maxsplit=1)[0] + b"\n\n"
        msg = email.message_from_bytes(head, policy=email.policy.compat32)
        mid = msg.get("Message-ID")
        m = re.search(r"<([^<>\s]+)>", mid or "")
        self.message_id = m.group(1) if m else None
        self.subject = one_line(header_text(msg.get("Subject")))
        self.froms = [a.lower() for _, a in email.utils.getaddresses(msg.get_all("From", [])) if "@" in a]
        env = self.exp.get("envelope_from")
        self.envelope = env if env is not None else (self.froms[0] if self.froms else "sender@example.net")

    def todo_for(self, check_name):
        """The known bug a check falls under, or None (known_bug_checks narrows it to some checks)."""
        bug = self.exp.get("known_bug")
        scope = self.exp.get("known_bug_checks")
        if bug and scope and not any(s in check_name for s in scope):
            return None
        return bug


def load_group(group):
    gdir = os.path.join(CORPUS, group)
    first = [Item(group, p) for p in sorted(glob.glob(os.path.join(gdir, "*.eml")))]
    second = [Item(group, p) for p in sorted(glob.glob(os.path.join(gdir, "phase2", "*.eml")))]
    extra = ""
    if os.path.exists(os.path.join(gdir, "config.extra")):
        with open(os.path.join(gdir, "config.extra")) as f:
            extra = f.read()
    return first, second, extra


def make_config(ms, gdir, extra):
    """write_config's file, with a programme group in `extra` merged into the generated one."""
    inner = ""
    m = re.search(r"programme\s*=\s*\{(.*?)\}\s*;", extra, re.S)
    if m:
        inner = m.group(1).strip()
        extra = extra[:m.start()] + extra[m.end():]
    path = write_config(ms, gdir, extra=extra)
    if inner:
        with open(path) as f:
            text = f.read()
        assert text.count("programme = {") == 1, "one programme group in the generated config"
        text = text.replace("programme = {", "programme = { " + inner + " ", 1)
        with open(path, "w") as f:
            f.write(text)
    return path


# ---------------------------------------------------------------- replies

class Replies:
    def __init__(self, ms):
        self.ms = ms
        self.cache = {}

    def refresh(self, addresses):
        for a in set(addresses):
            self.cache[a] = [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.ms.fetch(a)]

    def for_item(self, item):
        out = []
        for a in item.froms:
            for msg in self.cache.get(a, []):
                irt = msg.get("In-Reply-To")
                if item.message_id:
                    if irt and irt.strip() == f"<{item.message_id}>":
                        out.append(msg)
                elif not irt and one_line(str(msg.get("Subject", ""))) == f"Re: {item.subject}":
                    out.append(msg)
        return out


def body_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


# ---------------------------------------------------------------- checks

def record_for(item, messages):
    if item.message_id:
        rows = [m for m in messages if m.get("message_id") == item.message_id]
    else:
        rows = [m for m in messages if m.get("message_id") is None and m.get("subject") == item.subject]
    return rows


def nominee_key(n):
    return (n.get("email") or "").lower() or ("name:" + (n.get("name") or ""))


def nominee_line(n):
    name = n.get("name") or "(no name given)"
    addr = f" <{n['email']}>" if n.get("email") else ""
    return f"{name}{addr} ({n['role']}): "


def check_item(item, messages, export, outbox, replies):
    exp, label = item.exp, item.label

    # Every check of this message is TODO-eligible when the expectation names a known bug.
    def check(cond, name, diag=None):
        return CHECK(cond, name, item.todo_for(name), diag)

    def check_is(got, expected, name):
        return CHECK_IS(got, expected, name, item.todo_for(name))

    tap.note(f"{label}: {exp.get('description', '')}")
    rows = record_for(item, messages)
    if not check_is(len(rows), 1, f"{label}: recorded once"):
        return
    rec = rows[0]
    check_is(rec.get("outcome"), exp["outcome"], f"{label}: outcome {exp['outcome']}")
    check_is(sorted(rec.get("reasons") or []), sorted(exp.get("reasons", [])), f"{label}: reasons")
    got_w = sorted(w for w in (rec.get("warnings") or "").split() if w)
    check_is(got_w, sorted(exp.get("warnings", [])), f"{label}: warnings")
    if "organisation" in exp:
        check_is(rec.get("organisation"), exp["organisation"], f"{label}: organisation")
    if "detail_contains" in exp:
        check(exp["detail_contains"] in (rec.get("detail") or ""), f"{label}: detail mentions "
              f"'{exp['detail_contains']}'", f"detail: {rec.get('detail')!r}")

    # Nominees: the export rows that now belong to this message.
    mine = [n for n in export if n.get("message_id") == item.message_id] if item.message_id else \
        [n for n in export if n.get("message_id") is None]
    expected = exp.get("nominees", [])
    got_keys = sorted(nominee_key(n) for n in mine)
    check_is(got_keys, sorted(nominee_key(n) for n in expected), f"{label}: nominee rows")
    unused = list(mine)
    for e in expected:
        cands = [n for n in unused if nominee_key(n) == nominee_key(e)]
        row = next((n for n in cands if n.get("status") == e.get("status")), cands[0] if cands else None)
        if row is None:
            continue  # already reported by the row set
        unused.remove(row)
        diffs = []
        for k, v in e.items():
            if k == "email":
                got = row.get("email")
            elif k == "warnings":
                got = sorted(w for w in (row.get("warnings") or "").split() if w)
                v = sorted(v.split() if isinstance(v, str) else v)
            else:
                got = row.get(k)
            if got != v:
                diffs.append(f"{k}: got {got!r}, expected {v!r}")
        check(not diffs, f"{label}: nominee {e.get('email')} ({e.get('status')})", "\n".join(diffs))

    # The reply.
    found = replies.for_item(item)
    deadline = time.monotonic() + 15
    while exp.get("reply") and not found and time.monotonic() < deadline:
        time.sleep(0.5)  # a late delivery: look again
        replies.refresh(item.froms)
        found = replies.for_item(item)
    if not exp.get("reply"):
        check_is(len(found), 0, f"{label}: no reply")
    elif check_is(len(found), 1, f"{label}: one reply"):
        r = found[0]
        text = body_of(r)
        check(r.get("Auto-Submitted") == "auto-replied", f"{label}: reply is Auto-Submitted: auto-replied")
        if "reply_subject" in exp:
            check_is(one_line(str(r.get("Subject"))), exp["reply_subject"], f"{label}: reply subject")
        for phrase in exp.get("reply_contains", []):
            check(phrase in text, f"{label}: reply says {phrase!r}", "reply text:\n" + text)
        for phrase in exp.get("reply_lacks", []):
            check(phrase not in text, f"{label}: reply does not say {phrase!r}", "reply text:\n" + text)
        for n in expected:
            line = nominee_line(n)
            if n.get("status") == "refused":
                want = f"{line}not accepted, because {REASON_TEXT.get(n.get('reason'), n.get('reason'))}."
            else:
                want = f"{line}accepted"
            check(want in text, f"{label}: reply names {n.get('name') or n.get('email')}: {want!r}",
                  "reply text:\n" + text)
        if exp["outcome"] == "rejected" and not expected and \
                set(exp.get("reasons", [])) & {"no_nominations_found", "unknown_organisation"}:
            check(BLANK_FORM_PHRASE in text, f"{label}: reply includes the blank form", "reply text:\n" + text)

    ob = exp.get("outbox_bounce")
    if ob:
        target = REPLY_IDS.get(ob["reply_to"])
        row = [o for o in outbox if target and o.get("message_id") == target]
        if check_is(len(row), 1, f"{label}: outbox row of the bounced confirmation"):
            bounce = row[0].get("bounce") or ""
            check(bounce and all(s in bounce for s in ob.get("contains", [])),
                  f"{label}: outbox shows the bounce {ob.get('contains')}", f"bounce: {bounce!r}")

    if exp.get("known_bug") and exp["known_bug"] not in TODO_HIT:
        tap.diag(f"{label}: marked known_bug but every check passed; remove the mark ({exp['known_bug']})")


REPLY_IDS = {}


def run_nomd(conf, what):
    r = nomd(conf, "--once")
    tap.ok(r.returncode == 0, f"{what}: nomd --once exits 0 (got {r.returncode})")
    if r.returncode != 0:
        tap.diag(r.stderr[-4000:])
    return r


def run_group(ms, group, work):
    first, second, extra = load_group(group)
    if not first:
        return
    gdir = os.path.join(work, group)
    os.makedirs(gdir)
    os.chmod(gdir, 0o755)
    conf = make_config(ms, gdir, extra)
    tap.note(f"group {group}: {len(first)} messages, {len(second)} in phase 2")
    replies = Replies(ms)

    for item in first + second:
        item.finalise({})  # senders and identifiers; phase 2 placeholders are filled in later
    for item in first:
        ms.deliver_lmtp(INBOX_USER, item.raw, mail_from=item.envelope)
    run_nomd(conf, f"{group}")
    ms.wait_queue_empty(timeout=60)
    replies.refresh([a for it in first + second for a in it.froms])

    if second:
        # Message-IDs of our replies, for the placeholders.
        for item in first:
            for r in replies.for_item(item):
                m = re.search(r"<([^<>]+)>", r.get("Message-ID", ""))
                if m and item.message_id:
                    REPLY_IDS[item.message_id] = m.group(1)
        for item in second:
            item.finalise(REPLY_IDS)
            ms.deliver_lmtp(INBOX_USER, item.raw, mail_from=item.envelope)
        run_nomd(conf, f"{group} phase 2")
        ms.wait_queue_empty(timeout=60)
        replies.refresh([a for it in first + second for a in it.froms])

    messages = nomctl_json(conf, "messages")
    export = nomctl_json(conf, "export")
    outbox = nomctl_json(conf, "outbox")
    items = first + second
    tap.is_(len(messages), len(items), f"{group}: one record per message ({len(items)})")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, f"{group}: inbox emptied")
    unsent = [o for o in outbox if o.get("status") != "sent"]
    tap.is_(unsent, [], f"{group}: every reply in the outbox was sent")
    for item in items:
        check_item(item, messages, export, outbox, replies)


def corpus_is_consistent(groups):
    """Replies are found by In-Reply-To (or by subject without a Message-ID) in mailboxes that all groups
    share, so Message-IDs must be unique across the corpus; every .eml needs its .json."""
    ids, problems = {}, []
    for group in groups:
        for path in sorted(glob.glob(os.path.join(CORPUS, group, "*.eml")) +
                           glob.glob(os.path.join(CORPUS, group, "phase2", "*.eml"))):
            if not os.path.exists(os.path.splitext(path)[0] + ".json"):
                problems.append(f"{path}: no .json")
                continue
            item = Item(group, path)
            item.finalise({})
            key = item.message_id or "subject:" + item.subject
            if key in ids:
                problems.append(f"{item.label}: same Message-ID/subject as {ids[key]}")
            ids[key] = item.label
    for p in problems:
        tap.diag(p)
    return tap.ok(not problems, f"corpus: {len(ids)} messages, each with its expectation and a unique Message-ID")


def main():
    # events/ holds answers to invitations, with placeholders: events.t runs them.
    groups = sorted(d for d in os.listdir(CORPUS) if os.path.isdir(os.path.join(CORPUS, d)) and d != "events")
    # main first: it is the largest and the others are variations of its config
    groups.sort(key=lambda g: (g != "main", g))
    corpus_is_consistent(groups)
    work = workdir("nomd-corpus-")  # removed at exit unless NOMD_KEEP_TMP=1
    with MailStack(os.path.join(work, "stack")) as ms:
        for group in groups:
            run_group(ms, group, work)
    if TODOS:
        tap.note(f"{len(TODOS)} check(s) failed on known bugs (TODO)")
    tap.done()


main()
