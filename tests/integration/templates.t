#!/usr/bin/python3
# The built-in templates and staff overrides: nomd from a checkout with a
# configuration that names no `templates` folder (nothing installed), one
# overridden file reaching the reply while the rest stay built in, the
# shared HTML frame (layout.html) around replies and the staff digest,
# `nomctl templates export DIR`, a template fixed by staff reaching mail
# queued before the fix (the outbox keeps facts, rendered at delivery), and
# a broken override reported as FILE:LINE by --check-config and at start-up.
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, ROOT, form_message, listen_local, nomctl, nomd, parse_mail, run,  # noqa: E402
                      section, shut, text_of, write_config, workdir)

EX_CONFIG, EX_CANTCREAT = 78, 73
STAFF = "programme-team@example.org"
SHIPPED = sorted(n for n in os.listdir(os.path.join(ROOT, "templates")) if n.endswith((".txt", ".html")))
work = workdir("nomd-templates-")


def with_templates(conf, name, folder):
    """A copy of `conf` whose `templates` names `folder` (None: no such line)."""
    text = open(conf).read().replace(f'templates = "{ROOT}/templates";\n', "")
    if folder:
        text = f'templates = "{folder}";\n' + text
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def folder(name, files):
    """A folder of override files {name: text}."""
    path = os.path.join(work, name)
    os.makedirs(path, exist_ok=True)
    for n, text in files.items():
        with open(os.path.join(path, n), "w") as f:
            f.write(text)
    return path


def shipped(name):
    return open(os.path.join(ROOT, "templates", name)).read()


def reply_to(ms, nominator, org, n):
    ms.deliver_lmtp(INBOX_USER, form_message(nominator, f"tpl-{n}@{org}.example",
                                             section("Member", f"Person {n}", f"person{n}@{org}.example")))
    return ms


def html_of(msg):
    part = msg.get_body(preferencelist=("html",)) if msg else None
    return part.get_content() if part else ""


tap.ok(b"share/nomd" not in open(os.path.join(BUILD, "nomd"), "rb").read(),
       "nomd looks for no installed templates folder")

with MailStack(os.path.join(work, "stack")) as ms:
    base = write_config(ms, work)

    # No `templates`: the built-in set, nothing read from the tree or an install.
    plain = with_templates(base, "plain.conf", None)
    tap.ok(not re.search(r"^\s*templates\s*=", open(plain).read(), re.M), "a configuration that names no templates folder")
    r = nomd(plain, "--check-config")
    tap.ok(r.returncode == 0 and "configuration OK" in r.stdout, f"--check-config accepts it ({r.stderr.strip()})")
    reply_to(ms, "chief.executive@fife.example", "fife", 1)
    r = nomd(plain, "--once")
    tap.is_(r.returncode, 0, f"nomd --once runs with the built-in templates ({r.stderr.strip()[-200:]})")
    got = [parse_mail(m) for m in ms.fetch("chief.executive@fife.example", expect=1, timeout=60)]
    first = got[0] if got else None
    tap.ok(first is not None and "Thank you for your nominations to the Local Government Connect Network"
           in text_of(first), "the confirmation arrives, in the built-in words")
    html = html_of(first)
    tap.is_(html.count("<!DOCTYPE html>"), 1, "its HTML part is framed once")
    tap.ok("With thanks,<br>The Local Government Connect Network team" in html and "border-top:6px solid #1d4f7c"
           in html, "the frame: colour and sign-off from layout.html")

    # One override: confirmation.txt changed, everything else built in;
    # layout.html changed frames replies and the digest alike.
    over = folder("over", {
        "confirmation.txt": shipped("confirmation.txt").replace("Thank you for your nominations",
                                                                "Many thanks from the override for your nominations"),
        "layout.html": shipped("layout.html").replace("With thanks,", "Kind regards from the staff frame,")
                                             .replace("{{{body}}}", "<!-- the staff frame -->\n{{{body}}}"),
    })
    conf = with_templates(base, "over.conf", over)
    r = nomd(conf, "--check-config")
    tap.is_(r.returncode, 0, f"--check-config accepts a folder with two overrides ({r.stderr.strip()})")
    reply_to(ms, "chief.executive@angus.example", "angus", 2)
    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once with the overrides")
    got = [parse_mail(m) for m in ms.fetch("chief.executive@angus.example", expect=1, timeout=60)]
    reply = got[0] if got else None
    text = text_of(reply) if reply else ""
    tap.ok("Many thanks from the override for your nominations" in text, "the overridden text reaches the reply")
    html = html_of(reply)
    # A text changed without its HTML: the HTML is made from the text, so
    # what Outlook shows says what staff wrote.
    tap.ok("Many thanks from the override for your nominations" in html
           and "Thank you for your nominations" not in html, "the HTML part is made from the overridden text")
    tap.ok("<!-- the staff frame -->" in html, "the overridden frame wraps it")
    # The text signs off itself: the frame adds no second sign-off, and
    # lines the text wrapped run on as one paragraph in HTML.
    tap.ok(html.count("With thanks,") == 1 and "Kind regards from the staff frame," not in html
           and "write to connect@example.org; a nominee sent again replaces" in " ".join(html.split()),
           "one sign-off, the text's; wrapped lines run on")
    r = nomctl(conf, "digest", "--send")
    tap.is_(r.returncode, 0, f"nomctl digest --send ({r.stderr.strip()[-200:]})")
    ms.wait_queue_empty(timeout=60)
    digests = [m for m in map(parse_mail, ms.fetch(STAFF, expect=1, timeout=60)) if " digest " in m["Subject"]]
    dhtml = html_of(digests[-1] if digests else None)
    tap.ok("<table" in dhtml and "border-top:6px solid #1d4f7c" in dhtml, "the digest's HTML is in the same frame")
    tap.ok("nomd, for the Local Government Connect Network" in dhtml and "Kind regards" not in dhtml,
           "signed as nomd, as staff mail is")

    # Queued while the SMTP server is away, fixed by staff before it is
    # back: the mail goes out in the fixed words, its Message-ID unchanged.
    qwork = os.path.join(work, "queued")
    os.mkdir(qwork)
    qbase = with_templates(write_config(ms, qwork), "queued.conf", None)
    sock, closed_port = listen_local()
    shut(sock)
    sock.close()
    down = os.path.join(qwork, "down.conf")
    with open(down, "w") as f:
        f.write(re.sub(r'url = "smtp://127\.0\.0\.1:\d+"; security = "starttls";',
                       f'url = "smtp://127.0.0.1:{closed_port}"; security = "none";', open(qbase).read()))
    os.chmod(down, 0o600)
    reply_to(ms, "chief.executive@moray.example", "moray", 3)
    nomd(down, "--once", expect=None)
    queued = [o for o in json.loads(nomctl(qbase, "outbox").stdout or "[]")
              if o["recipient"] == "chief.executive@moray.example"]
    tap.is_([o["status"] for o in queued], ["pending"], "with the SMTP server away the reply stays queued")
    fixed = with_templates(qbase, "fixed.conf", folder("fixed", {
        "confirmation.txt": shipped("confirmation.txt").replace("Thank you for your nominations",
                                                                "Thank you (as corrected) for your nominations")}))
    qid = str(queued[0]["id"]) if queued else "0"
    before = parse_mail(nomctl(qbase, "outbox", "show", qid).stdout.encode())
    after = parse_mail(nomctl(fixed, "outbox", "show", qid).stdout.encode())
    tap.ok("Thank you for your nominations" in text_of(before) and "(as corrected)" in text_of(after)
           and before["Message-ID"] == after["Message-ID"] == f"<{queued[0]['message_id'] if queued else ''}>",
           "nomctl outbox show ID: the queued mail as it will go, in the templates of the moment")
    r = nomctl(qbase, "outbox", "show", "999", expect=65)
    tap.ok(r.returncode == 65 and "no outbox #999" in r.stderr, f"an id not in the outbox ({r.stderr.strip()})")
    r = nomd(fixed, "--once")
    got = [parse_mail(m) for m in ms.fetch("chief.executive@moray.example", expect=1, timeout=60)]
    late = got[0] if got else None
    tap.ok(late is not None and "Thank you (as corrected) for your nominations" in text_of(late),
           "the template fixed after the mail was queued is the one it goes out in")
    tap.ok(late is not None and queued and str(late["Message-ID"]).strip("<>") == queued[0]["message_id"],
           "with the Message-ID it was queued with")

    # A queued mail whose facts no longer render (here: a template name no
    # version has) is failed with the reason, once, not retried forever.
    reply_to(ms, "chief.executive@highland.example", "highland", 4)
    nomd(down, "--once", expect=None)
    db = sqlite3.connect(os.path.join(qwork, "nomd.db"))
    with db:
        # The facts are a serialised GVariant: a string of the same length
        # keeps its framing (in a variant, a string's NUL, a NUL, then "s").
        for oid, facts in db.execute("SELECT id, facts FROM outbox WHERE recipient = ?",
                                     ("chief.executive@highland.example",)).fetchall():
            db.execute("UPDATE outbox SET facts = ? WHERE id = ?",
                       (re.sub(rb"\bconfirmation(?=\0\0?s)", b"no-such-tmpl", bytes(facts)), oid))
    db.close()
    nomd(fixed, "--once", expect=None)
    nomd(fixed, "--once", expect=None)
    row = [o for o in json.loads(nomctl(qbase, "outbox").stdout or "[]")
           if o["recipient"] == "chief.executive@highland.example"]
    tap.ok(row and row[0]["status"] == "failed" and row[0]["attempts"] == 1
           and "could not be written: no template no-such-tmpl" in (row[0]["last_error"] or ""),
           f"a mail that no longer renders is failed once, saying why ({row})")

    # Export: every built-in template, the same as templates/ in the tree.
    exp = os.path.join(work, "exported", "templates")
    r = run([os.path.join(BUILD, "nomctl"), "templates", "export", exp])
    tap.ok(r.returncode == 0 and f"{len(SHIPPED)} templates written" in r.stdout,
           f"nomctl templates export DIR, no configuration needed ({r.stdout.strip()} {r.stderr.strip()})")
    tap.is_(sorted(os.listdir(exp)) if os.path.isdir(exp) else [], SHIPPED, "it writes every template")
    tap.ok(all(open(os.path.join(exp, n)).read() == shipped(n) for n in SHIPPED if os.path.isdir(exp)),
           "each as shipped")
    with open(os.path.join(exp, "welcome.txt"), "a") as f:
        f.write("Edited by staff.\n")
    r = run([os.path.join(BUILD, "nomctl"), "templates", "export", exp], expect=EX_CANTCREAT)
    tap.ok(r.returncode == EX_CANTCREAT and "exists" in r.stderr and "--force" in r.stderr,
           f"a second export refuses to overwrite ({r.stderr.strip()})")
    tap.ok(open(os.path.join(exp, "welcome.txt")).read().endswith("Edited by staff.\n"), "and changes nothing")
    r = nomctl(plain, "templates", "export", "--force", exp)
    tap.is_(r.returncode, 0, "export --force overwrites")
    tap.is_(open(os.path.join(exp, "welcome.txt")).read(), shipped("welcome.txt"), "the edit replaced")
    r = nomd(with_templates(base, "exported.conf", exp), "--check-config")
    tap.is_(r.returncode, 0, f"a configuration naming the exported folder is accepted ({r.stderr.strip()})")
    r = run([os.path.join(BUILD, "nomctl"), "templates", "export"], expect=64)
    tap.is_(r.returncode, 64, "export without a folder: usage, exit 64")

    # A broken override: FILE:LINE, at --check-config and at start-up.
    bad = folder("bad", {"layout.html": shipped("layout.html").replace("{{{body}}}", "{{{body}}}\n{{nope}}")})
    line = shipped("layout.html").split("\n").index("{{{body}}}") + 2
    badconf = with_templates(base, "bad.conf", bad)
    r = nomd(badconf, "--check-config", expect=EX_CONFIG)
    tap.is_(r.returncode, EX_CONFIG, "an override with an unknown placeholder: exit 78")
    tap.like(r.stderr, rf"{re.escape(bad)}/layout\.html:{line}: unknown placeholder \{{\{{nope\}}\}}",
             "naming the override's FILE:LINE")
    r = nomd(badconf, "--once", expect=EX_CONFIG)
    tap.is_(r.returncode, EX_CONFIG, "nomd does not start with it")
    bad2 = folder("bad2", {"welcome.html": "<p>Dear {{person_name}},</p>\n{{/is_member}}\n"})
    r = nomd(with_templates(base, "bad2.conf", bad2), "--check-config", expect=EX_CONFIG)
    tap.like(r.stderr, rf"{re.escape(bad2)}/welcome\.html:2: \{{\{{/is_member\}}\}} closes no open section",
             "a broken section in an override: its FILE:LINE")
    missing = with_templates(base, "missing.conf", os.path.join(work, "no-such-folder"))
    r = nomd(missing, "--check-config", expect=EX_CONFIG)
    tap.ok(r.returncode == EX_CONFIG and "no-such-folder" in r.stderr,
           f"a templates folder that is not there is refused, named ({r.stderr.strip()})")

tap.done()
