#!/usr/bin/python3
# Attached documents through the real Dovecot, Postfix and nomd, with a fake
# reader configured as documents.reader: by a word in the document it
# answers with a form, sleeps forever, eats memory, crashes (SIGSEGV),
# floods its output, or says the document holds no text. Each message ends
# as it should, nomd goes on with the next one in the same run, and a
# stranger's attachment is never given to the reader. The FORM command's
# reply carries the Word form, which python3-docx opens.
import email
import email.policy
import os
import subprocess
import sys
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import BUILD, INBOX_USER, form_message, nomctl_json, nomd, section, workdir, write_config  # noqa: E402

FIFE = "chief.executive@fife.example"
ANGUS = "chief.executive@angus.example"
STRANGER = "someone@spammer.example"

# What the reader does is told by a word near the start of the document.
READER = r"""#!/bin/sh
head=$(head -c 64 | tr -d '\000')
case "$head" in
*ANSWER*) cat >/dev/null; printf 'Organisation: Fife Council\nMember\nName: Dora Docx\nEmail: dora@fife.example\n' ;;
*SLEEP*) exec sleep 1000 ;;
*HOG*) exec /usr/bin/python3 -c 'import time
a = []
while len(a) < 400: a.append(bytearray(1 << 20))
time.sleep(1000)' ;;
*SEGV*) kill -SEGV $$ ;;
*FLOOD*) exec yes Member ;;
*NOTEXT*) echo 'no text layer' >&2; exit 83 ;;
*STRANGER*) exec sleep 1000 ;;
*) exit 81 ;;
esac
"""


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def body_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def with_document(sender, message_id, filename, word, ctype=("application", "pdf"), body="Please see attached."):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = sender, INBOX_USER, "Nominations", f"<{message_id}>"
    m.set_content(body)
    m.add_attachment(b"%PDF-1.4 " + word.encode() + b" " + b"x" * 2000, maintype=ctype[0], subtype=ctype[1],
                     filename=filename)
    return m.as_bytes(policy=email.policy.SMTP)


def asan_build():
    out = subprocess.run(["ldd", os.path.join(BUILD, "nomd")], capture_output=True, text=True).stdout
    return "libasan" in out


work = workdir("nomd-documents-")
reader = os.path.join(work, "fake-reader")
with open(reader, "w") as f:
    f.write(READER)
os.chmod(reader, 0o755)

with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work, documents_extra=f'reader = "{reader}"; timeout = 3; memory_limit = 64; '
                                                  'cpu_seconds = 2;')
    sent = [
        with_document(FIFE, "answer@fife.example", "nominations.docx", "ANSWER",
                      ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")),
        with_document(FIFE, "sleep@fife.example", "slow.pdf", "SLEEP"),
        with_document(FIFE, "hog@fife.example", "hungry.xlsx", "HOG", ("application", "octet-stream")),
        with_document(FIFE, "segv@fife.example", "crash.odt", "SEGV"),
        with_document(FIFE, "flood@fife.example", "flood.ods", "FLOOD"),
        with_document(FIFE, "notext@fife.example", "nominations.pdf", "NOTEXT"),
        with_document(STRANGER, "stranger@spammer.example", "invoice.pdf", "STRANGER"),
        form_message(ANGUS, "after@angus.example", section("Member", "Al Angus", "al@angus.example")),
        form_message(ANGUS, "form@angus.example", "", subject="FORM"),
    ]
    for raw in sent:
        ms.deliver_lmtp(INBOX_USER, raw)

    r = nomd(conf, "--once")
    tap.is_(r.returncode, 0, "nomd --once exits 0" + (f": {r.stderr[-600:]}" if r.returncode else ""))
    messages = {m["message_id"]: m for m in nomctl_json(conf, "messages")}

    def outcome(mid):
        m = messages.get(mid, {})
        return m.get("outcome"), m.get("reasons")

    tap.is_(outcome("answer@fife.example"), ("accepted", []), "a document read: its nominee accepted")
    nominees = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_(nominees.get("dora@fife.example", {}).get("status"), "accepted", "the nominee from the document stored")
    tap.is_(outcome("sleep@fife.example"), ("held", ["too_complex"]), "a reader that never ends: held too_complex")
    tap.ok("slow.pdf" in (messages.get("sleep@fife.example", {}).get("detail") or "") and
           "timed out" in (messages.get("sleep@fife.example", {}).get("detail") or ""),
           f"the detail names the file and the timeout: {messages.get('sleep@fife.example', {}).get('detail')}")
    tap.is_(outcome("hog@fife.example"), ("held", ["too_complex"]), "a reader that eats memory: held too_complex")
    if not asan_build():
        detail = messages.get("hog@fife.example", {}).get("detail") or ""
        tap.ok("memory" in detail, f"stopped by the memory limit: {detail}")
    tap.is_(outcome("segv@fife.example"), ("rejected", ["document_unreadable"]),
            "a reader that crashes: the file counts as unreadable, rejected")
    tap.is_(outcome("flood@fife.example"), ("held", ["too_complex"]), "a reader that floods: held too_complex")
    tap.is_(outcome("notext@fife.example"), ("rejected", ["document_no_text"]),
            "DOC_EXIT(DOC_NO_TEXT): rejected document_no_text")
    tap.is_(outcome("stranger@spammer.example"), ("held", ["not_authorised"]),
            "a stranger's document: held not_authorised")
    tap.ok("message stranger@spammer.example: document" not in r.stderr and
           "message sleep@fife.example: document 1: failed" in r.stderr,
           "and never given to the reader (each document read is logged)")
    tap.ok("slow.pdf" not in r.stderr and "invoice.pdf" not in r.stderr,
           "info lines do not name the files (a name may name a person)")
    tap.is_(outcome("after@angus.example"), ("accepted", []), "the message after them, in the same run: accepted")
    tap.is_(len(ms.fetch(INBOX_USER)), 0, "inbox emptied")

    replies = [parse(m) for m in ms.fetch(FIFE, expect=3, timeout=60)]
    by_thread = {m["In-Reply-To"]: m for m in replies}
    tap.is_(sorted(by_thread), ["<answer@fife.example>", "<notext@fife.example>", "<segv@fife.example>"],
            "Fife is answered for the document read, the crash and the scan; nothing for the held ones")
    answer = body_of(by_thread.get("<answer@fife.example>", EmailMessage()))
    tap.ok("Dora Docx <dora@fife.example> (member): accepted." in answer, "the confirmation lists the nominee")
    scan = body_of(by_thread.get("<notext@fife.example>", EmailMessage())).replace("\n", " ")
    tap.ok("nominations.pdf holds no text we can read (it may be a scanned image)" in scan,
           "the reply to the scan names the file and says it holds no readable text")
    crash = body_of(by_thread.get("<segv@fife.example>", EmailMessage())).replace("\n", " ")
    tap.ok("We could not read crash.odt" in crash, "the reply to the crash names the file")
    angus = [parse(m) for m in ms.fetch(ANGUS, expect=2, timeout=60)]
    form_reply = [m for m in angus if m["In-Reply-To"] == "<form@angus.example>"]
    tap.is_(len(form_reply), 1, "FORM is answered")
    docs = [p for p in (form_reply[0].iter_attachments() if form_reply else [])
            if p.get_filename() == "nomination-form.docx"]
    tap.is_(len(docs), 1, "with nomination-form.docx attached")
    if docs:
        tap.is_(docs[0].get_content_type(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "as a Word document")
        check = subprocess.run(["/usr/bin/python3", "-c",
                                "import docx, io, sys; d = docx.Document(io.BytesIO(sys.stdin.buffer.read())); "
                                "print(sum(len(p.text) for p in d.paragraphs) + "
                                "sum(len(c.text) for t in d.tables for r in t.rows for c in r.cells))"],
                               input=docs[0].get_content(), capture_output=True)
        tap.ok(check.returncode == 0 and int(check.stdout or 0) > 0,
               f"python3-docx opens it and finds text ({check.stdout.strip()!r} {check.stderr[-200:]!r})")
    ms.wait_queue_empty(timeout=60)
    tap.is_(len(ms.fetch(STRANGER)), 0, "no reply to the stranger")

tap.done()
