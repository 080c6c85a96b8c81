#!/usr/bin/python3
# The shipped programme definitions (etc/programmes), each run as shipped
# on the real Dovecot and Postfix: the definition file, its templates
# folder and the organisation list copied beside a site file with this
# test's servers (the one file a host writes), then forms in by mail and
# the replies, stored fields, export columns and stages read back.
#  - connect-network: nominators, member and mentor, quotas, consent.
#  - leadership-forum: people join themselves from a council address
#    (JOIN, Email left out, the welcome asks them to confirm), one role,
#    no pairing, an event with its topic and presenters in the invitation.
#  - mentoring-scheme: mentors and mentees register themselves, each
#    role's required field, pairing across organisations, no events.
#  - awards: anyone nominates, categories at most two per organisation, a
#    500-word citation, no consent or pairing, a workbook for judges.
import datetime
import io
import os
import re
import shutil
import sys
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (BUILD, INBOX_USER, ROOT, form_message, nomctl, nomctl_json, nomd, parse_mail,  # noqa: E402
                      text_of, workdir, write_config)

SHIPPED = os.path.join(ROOT, "etc", "programmes")


def install(ms, work, name, edit=None):
    """The shipped NAME.conf, its templates and the organisation list in a
    folder of their own, with NAME.site.conf for this test's servers."""
    folder = os.path.join(work, name)
    os.makedirs(folder)
    text = open(os.path.join(SHIPPED, name + ".conf")).read()
    if edit:
        text = edit(text)
    with open(os.path.join(folder, name + ".conf"), "w") as f:
        f.write(text)
    if os.path.isdir(os.path.join(SHIPPED, name)):
        shutil.copytree(os.path.join(SHIPPED, name), os.path.join(folder, name))
    shutil.copy(os.path.join(ROOT, "etc", "organisations.conf"), folder)
    # The servers of write_config(), without its programme and organisations.
    scratch = os.path.join(work, name + "-scratch")
    os.makedirs(scratch)
    site = open(write_config(ms, scratch)).read()
    site = re.sub(r'^(programme = .*|@include .*|templates = .*)\n', "", site, flags=re.M)
    site = site.replace(f"{scratch}/nomd.db", f"{folder}/nomd.db")
    path = os.path.join(folder, name + ".site.conf")
    with open(path, "w") as f:
        f.write(site)
    os.chmod(path, 0o600)
    conf = os.path.join(folder, name + ".conf")
    r = nomd(conf, "--check-config")
    tap.ok(r.returncode == 0 and "configuration OK" in r.stdout, f"{name}: the shipped definition is taken "
           f"({r.stderr.strip()[-200:]})")
    return conf


def mails(ms, who, expect=1, subject=None):
    got = [parse_mail(raw) for raw in ms.fetch(who, expect=expect, timeout=60)]
    return [m for m in got if subject is None or subject in str(m["Subject"])]


def flat(msg):
    return " ".join(text_of(msg).split()) if msg else ""


def answer(who, to, body, msg_id):
    """A reply to `to` (a welcome) as a mail client writes it."""
    return form_message(who, msg_id, body + "\n", subject="Re: " + str(to["Subject"]),
                        extra_headers=f"In-Reply-To: {to['Message-ID']}\r\nReferences: {to['Message-ID']}\r\n")


def once(conf, what):
    r = nomd(conf, "--once")
    if r.returncode != 0:
        tap.diag(r.stderr[-400:])
    return r


work = workdir("nomd-programmes-")
with MailStack(os.path.join(work, "stack")) as ms:
    # --- connect-network: today's programme, spelled out.
    conf = install(ms, work, "connect-network")
    body = ("Organisation: Fife Council\n\nMember 1\nName: Alex Morgan\nEmail: alex@fife.example\n\n"
            "Mentor 1\nName: Jo Smith\nEmail: jo@fife.example\nYears in local government: 20\n")
    ms.deliver_lmtp(INBOX_USER, form_message("chief.executive@fife.example", "cn-1@fife.example", body))
    once(conf, "connect")
    reply = (mails(ms, "chief.executive@fife.example") or [None])[0]
    tap.ok("All 2 nominations have been accepted" in flat(reply) and "1 of 5 members and 1 of 5 mentors"
           in flat(reply), "connect-network: the nominator's reply, with the quotas")
    rows = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_((rows.get("alex@fife.example", {}).get("role"), rows.get("jo@fife.example", {}).get("role")),
            ("member", "mentor"), "connect-network: stored as member and mentor")
    tap.ok(any("please reply YES or NO" in str(m["Subject"]) for m in mails(ms, "alex@fife.example")),
           "connect-network: the nominee is welcomed and asked to confirm")

    # --- leadership-forum: people join themselves.
    conf = install(ms, work, "leadership-forum")
    EILIDH = "eilidh.ross@angus.example"
    ms.deliver_lmtp(INBOX_USER, form_message(EILIDH, "lf-0@angus.example", "", subject="JOIN"))
    once(conf, "join")
    form = (mails(ms, EILIDH) or [None])[0]
    tap.ok("ask to join" in flat(form) and "Aspiration:" in text_of(form) and "Years in local" not in text_of(form),
           "leadership-forum: JOIN answers with the Forum's own form")
    tap.ok(form is not None and any(p.get_filename() == "nomination-form.docx" for p in form.iter_attachments()),
           "leadership-forum: with the Word form made from its definition")
    body = ("Organisation: Angus Council\nName: Eilidh Ross\nJob title: Head of Housing\n"
            "Aspiration: To lead a council's transformation programme.\nAnd to learn from chief executives.\n")
    ms.deliver_lmtp(INBOX_USER, form_message(EILIDH, "lf-1@angus.example", body, subject="Joining the Forum"))
    ms.deliver_lmtp(INBOX_USER, form_message("pa@angus.example", "lf-2@angus.example",
                                             "Name: Boss\nEmail: director@angus.example\nJob title: Director\n"))
    ms.deliver_lmtp(INBOX_USER, form_message("keen@gmail.example", "lf-3@gmail.example",
                                             "Name: Keen\nJob title: Manager\n"))
    once(conf, "register")
    got = mails(ms, EILIDH, expect=2)
    welcome = next((m for m in got if "please reply YES" in str(m["Subject"])), None)
    tap.ok(welcome is not None and "Thank you for asking to join" in flat(welcome)
           and len([m for m in got if str(m["Subject"]).startswith("Re:")]) == 1,
           "leadership-forum: the registrant gets the welcome (to confirm) and no second reply")
    rows = {n["email"]: n for n in nomctl_json(conf, "export")}
    mine = rows.get(EILIDH, {})
    tap.ok(mine.get("job_title") == "Head of Housing"
           and "learn from chief executives" in (mine.get("aspiration") or "")
           and mine.get("organisation") == "angus" and mine.get("consent") == "pending",
           "leadership-forum: Email left out is the sender's; fields stored; consent pending")
    other = (mails(ms, "pa@angus.example") or [None])[0]
    tap.ok("must be about its sender" in flat(other)
           and rows.get("director@angus.example", {}).get("status") == "refused",
           "leadership-forum: a registration of someone else is refused, and the sender told why")
    tap.is_(len(mails(ms, "keen@gmail.example", expect=0)), 0, "leadership-forum: an address at no council: unanswered")
    ms.deliver_lmtp(INBOX_USER, answer(EILIDH, welcome, "YES", "lf-4@angus.example"))
    once(conf, "yes")
    tap.is_({n["email"]: n for n in nomctl_json(conf, "export")}[EILIDH]["consent"], "confirmed",
            "leadership-forum: YES confirms the registration")
    r = nomctl(conf, "event", "add", "--title", "Forum session: leading change", "--start", "2027-02-10 10:00",
               "--duration", "2h", "--online-url", "https://meet.example/forum", "--audience", "forum Members",
               "--topic", "Anchors of the transformation programme",
               "--presenters", "Pippa Milne (Argyll and Bute Council)")
    tap.is_(r.returncode, 0, f"leadership-forum: an event with a topic and presenters ({r.stderr.strip()[-200:]})")
    r2 = nomctl(conf, "event", "add", "--title", "x", "--start", "2027-02-11 10:00", "--duration", "1h",
                "--location", "Perth", "--audience", "mentors", expect=64)
    tap.ok(r2.returncode == 64 and "'mentors' is none of forum members, all" in r2.stderr,
           f"leadership-forum: the audience in the Forum's words; a role it has not is refused ({r2.stderr.strip()})")
    once(conf, "invite")
    inv = (mails(ms, EILIDH, expect=4, subject="Invitation:") or [None])[0]
    tap.ok("Topic: Anchors of the transformation programme" in flat(inv)
           and "With: Pippa Milne (Argyll and Bute Council)" in flat(inv),
           "leadership-forum: the invitation shows the topic and the presenters")
    r = nomctl(conf, "pair", "--dry-run", expect=78)
    tap.ok(r.returncode == 78 and "has no pairing" in r.stderr, "leadership-forum: no pairing stage")

    # --- mentoring-scheme: mentors and mentees register themselves.
    conf = install(ms, work, "mentoring-scheme")
    JO, AL, KIM = "jo.bell@fife.example", "al.kerr@angus.example", "kim@moray.example"
    ms.deliver_lmtp(INBOX_USER, form_message(JO, "ms-1@fife.example",
                                             "Mentee or mentor: Mentor\nName: Jo Bell\nJob title: Director of Finance\n"
                                             "Expertise: budgets, leading teams\n"))
    ms.deliver_lmtp(INBOX_USER, form_message(AL, "ms-2@angus.example",
                                             "Role: Mentee\nName: Al Kerr\nJob title: Finance Officer\n"
                                             "Goals: to lead a team\n"))
    ms.deliver_lmtp(INBOX_USER, form_message(KIM, "ms-3@moray.example", "Name: Kim Lowe\nJob title: Analyst\n"))
    ms.deliver_lmtp(INBOX_USER, form_message("sam@moray.example", "ms-4@moray.example",
                                             "Role: Mentee\nName: Sam Ali\nJob title: Officer\n"))
    once(conf, "register")
    tap.ok('"Role: Mentee" or "Role: Mentor"' in flat((mails(ms, KIM) or [None])[0]),
           "mentoring-scheme: a registration that does not say which role is refused, with the words to write")
    tap.ok('the form needs "Goals:" filled in' in flat((mails(ms, "sam@moray.example") or [None])[0]),
           "mentoring-scheme: a mentee without the mentee's required field is refused")
    rows = {n["email"]: n for n in nomctl_json(conf, "export")}
    tap.is_((rows.get(JO, {}).get("role"), rows.get(AL, {}).get("role"), rows.get(AL, {}).get("goals")),
            ("mentor", "mentee", "to lead a team"), "mentoring-scheme: stored as mentor and mentee, with the goals")
    for who, mid in ((JO, "ms-5@fife.example"), (AL, "ms-6@angus.example")):
        w = next((m for m in mails(ms, who) if "please reply YES" in str(m["Subject"])), None)
        if who == AL:
            tap.ok(w is not None and "registering as a mentee" in flat(w), "mentoring-scheme: the welcome in its words")
        if w is not None:
            ms.deliver_lmtp(INBOX_USER, answer(who, w, "YES", mid))
    once(conf, "yes")
    r = nomctl(conf, "pair", "--commit")
    tap.is_(r.returncode, 0, f"mentoring-scheme: nomctl pair --commit ({r.stderr.strip()[-200:]})")
    once(conf, "introduce")
    intro = (mails(ms, AL, expect=3, subject="pairing") or [None])[0]
    tap.ok("introduce you to your mentor" in flat(intro) and "Jo Bell" in flat(intro),
           "mentoring-scheme: the mentee is introduced to a mentor from another organisation")
    r = nomctl(conf, "event", "add", "--title", "x", "--start", "2027-02-10 10:00", "--duration", "1h",
               "--online-url", "https://x.example/", "--audience", "all", expect=78)
    tap.ok(r.returncode == 78 and "has no events" in r.stderr, "mentoring-scheme: no events stage")

    # --- awards: anyone nominates, in categories. The closing date is put a
    # year ahead so the test does not expire; the rest runs as shipped.
    next_year = datetime.date.today().year + 1
    conf = install(ms, work, "awards",
                   edit=lambda t: re.sub(r'closes = "\d{4}-', f'closes = "{next_year}-', t))
    FAN, RIVAL = "fan@gmail.example", "rival@other.example"

    def nomination(name, email, category, words=60, entry="Team", who="A Fan"):
        citation = " ".join(["Outstanding"] * words)
        return (f"Nomination\nName: {name}\nEmail: {email}\nPerson or team: {entry}\nCategory: {category}\n"
                f"Citation: {citation}\nSo say all of us.\nYour name: {who}\n\n")
    body = ("Organisation: Fife Council\n\n" + nomination("Bins Team", "bins@fife.example", "Innovation")
            + nomination("Roads Team", "roads@fife.example", "innovation")
            + nomination("Parks Team", "parks@fife.example", "Innovation")
            + nomination("Ann Reid", "ann@fife.example", "Rising Star", entry="Person")
            + nomination("Long Team", "long@fife.example", "Digital Inclusion", words=501))
    ms.deliver_lmtp(INBOX_USER, form_message(FAN, "aw-1@gmail.example", body))
    ms.deliver_lmtp(INBOX_USER, form_message(RIVAL, "aw-2@other.example", "Organisation: Fife Council\n\n"
                                             + nomination("Bins Team", "bins@fife.example", "Rising Star")))
    ms.deliver_lmtp(INBOX_USER, form_message(RIVAL, "aw-3@other.example",
                                             nomination("Who Knows", "who@angus.example", "Innovation")))
    once(conf, "nominate")
    reply = next((m for m in mails(ms, FAN) if "Re:" in str(m["Subject"])), None)
    text = flat(reply)
    tap.ok("3 of 5 nominations have been accepted" in text
           and 'already has 2 nominations with "Category: Innovation"' in text
           and '"Citation:" has 506 words; the programme takes at most 500' in text,
           "awards: at most two per category and organisation; the citation's word limit")
    rival = " ".join(flat(m) for m in mails(ms, RIVAL, expect=2))
    tap.ok("someone else made this nomination" in rival and "could not tell which organisation" in rival,
           "awards: another sender cannot change a nomination; a form without its organisation is answered")
    rows = {n["email"]: n for n in nomctl_json(conf, "export") if n["status"] == "accepted"}
    bins = rows.get("bins@fife.example", {})
    tap.ok(bins.get("category") == "Innovation" and bins.get("entry") == "Team"
           and bins.get("nominator_name") == "A Fan" and "So say all of us." in (bins.get("citation") or ""),
           "awards: category, person or team, citation and nominator stored, a column each")
    tap.is_(len(mails(ms, "bins@fife.example", expect=0)), 0, "awards: nominees are not written to (no consent)")
    tap.is_(bins.get("consent"), "confirmed", "awards: without consent, accepted nominations count as confirmed")
    out = os.path.join(work, "judges.xlsx")
    r = nomctl(conf, "judges", "--output", out)
    tap.is_(r.returncode, 0, f"awards: nomctl judges ({r.stderr.strip()[-200:]})")
    sheets = {}
    if os.path.exists(out):
        with zipfile.ZipFile(out) as z:
            book = z.read("xl/workbook.xml").decode()
            shared = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""
            sheets = re.findall(r'<sheet name="([^"]+)"', book)
    tap.ok(sheets[:2] == ["Digital Team of the Year", "Innovation"] and len(sheets) == 5
           and "Bins Team" in shared and "Parks Team" not in shared,
           f"awards: a sheet per category with the accepted nominations ({sheets})")
    r = nomctl(conf, "pair", "--dry-run", expect=78)
    tap.is_(r.returncode, 78, "awards: no pairing stage")

tap.done()
