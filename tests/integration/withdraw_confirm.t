#!/usr/bin/python3
# WITHDRAW needs proof. A From address is easily forged: a WITHDRAW from
# mail that did not authenticate removes nobody; nomd asks the nominator's
# own mailbox to confirm (a token in the subject, good for 7 days) and
# acts only on the reply from that address. The attacks, through Postfix
# and Dovecot: a forged From, a stranger replying with the token, another
# nominator of the same organisation with it, the confirmation replayed.
# A WITHDRAW the mail server authenticated acts at once.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import tap  # noqa: E402
from mailstack import MailStack  # noqa: E402
from nomdtest import (INBOX_USER, confirm_reply, confirmation_request, form_message, nomctl_json, nomd,  # noqa: E402
                      parse_mail as parse, section, text_of, write_config, workdir)

FIFE = "chief.executive@fife.example"
PA = "pa@fife.example"          # a second nominator for Fife
EVE = "eve@elsewhere.example"   # the attacker
ALEX, SAM, JO = "alex@fife.example", "sam@fife.example", "jo@fife.example"


def status(conf):
    return {n["email"]: n["status"] for n in nomctl_json(conf, "export") if n["email"]}


def outcome(conf, message_id):
    m = {x["message_id"]: x for x in nomctl_json(conf, "messages")}.get(message_id, {})
    return m.get("outcome"), m.get("reasons")


work = workdir("nomd-withdraw-")
with MailStack(os.path.join(work, "stack")) as ms:
    conf = write_config(ms, work)
    orgs = os.path.join(work, "organisations.conf")
    text = open(orgs).read().replace(f'nominators = [ "{FIFE}" ]', f'nominators = [ "{FIFE}", "{PA}" ]')
    open(orgs, "w").write(text)
    # Authentication-Results are read, not required: the usual deployment.
    conf_text = open(conf).read().replace(
        "max_mentors = 5;", 'max_mentors = 5; trusted_authserv_id = "mx.example.org"; own_received_headers = 1;')
    open(conf, "w").write(conf_text)

    ms.deliver_lmtp(INBOX_USER, form_message(FIFE, "fife-1@fife.example",
                                             section("Member", "Alex Morgan", ALEX) +
                                             section("Member", "Sam Ali", SAM) + section("Mentor", "Jo Smith", JO)))
    tap.is_(nomd(conf, "--once").returncode, 0, "nominations processed")
    tap.is_(status(conf), {ALEX: "accepted", SAM: "accepted", JO: "accepted"}, "three accepted")

    # A forged From: Eve sends WITHDRAW as the chief executive, through
    # Postfix, from her own envelope address.
    ms.send_smtp(EVE, [INBOX_USER], form_message(FIFE, "forged-1@elsewhere.example", "Please withdraw Alex.\n",
                                                 subject=f"WITHDRAW {ALEX}"))
    ms.wait_queue_empty(timeout=60)
    ms.fetch(INBOX_USER, expect=1, timeout=30)
    tap.is_(nomd(conf, "--once").returncode, 0, "the forged WITHDRAW is processed")
    tap.is_(status(conf)[ALEX], "accepted", "a WITHDRAW with a forged From removes nobody")
    tap.is_(outcome(conf, "forged-1@elsewhere.example"), ("accepted", ["confirmation_requested"]),
            "it is recorded as confirmation_requested")
    ms.wait_queue_empty(timeout=60)
    request = confirmation_request(ms, FIFE, expect=2)
    tap.ok(request is not None, "the confirmation request goes to the configured nominator's mailbox")
    token = re.search(r"\[confirm ([0-9a-f]+)\]", str(request["Subject"])).group(1) if request else ""
    tap.is_(len(token), 24, "with a 96-bit token in its subject")
    body = text_of(request) if request else ""
    tap.ok(ALEX in body and "reply" in body and "ignore" in body,
           "it names who would be withdrawn, how to confirm, and to ignore it otherwise")
    tap.is_(len(ms.fetch(EVE)), 0, "the forger gets nothing")

    # Eve guesses nothing, but suppose the token leaked: replies with it
    # from her address, and from the other Fife nominator's, change nothing.
    if request is not None:
        ms.deliver_lmtp(INBOX_USER, confirm_reply(EVE, request, "eve-confirm@elsewhere.example"))
        ms.deliver_lmtp(INBOX_USER, confirm_reply(PA, request, "pa-confirm@fife.example"))
    nomd(conf, "--once")
    tap.is_(status(conf)[ALEX], "accepted", "a confirmation from a stranger or another nominator: nobody removed")
    tap.is_(outcome(conf, "eve-confirm@elsewhere.example"), ("held", ["not_authorised"]),
            "the stranger's reply is held as not_authorised")
    tap.is_(outcome(conf, "pa-confirm@fife.example"), ("held", ["confirmation_wrong_sender"]),
            "another nominator's reply with the token is held as confirmation_wrong_sender")

    # The chief executive did ask: their reply carries it out.
    if request is not None:
        ms.deliver_lmtp(INBOX_USER, confirm_reply(FIFE, request, "fife-confirm@fife.example"))
    nomd(conf, "--once")
    tap.is_(status(conf)[ALEX], "withdrawn", "the nominator's own reply withdraws Alex")
    tap.is_(outcome(conf, "fife-confirm@fife.example"), ("accepted", ["command_withdraw"]),
            "recorded as command_withdraw")
    ms.wait_queue_empty(timeout=60)
    done = [m for m in map(parse, ms.fetch(FIFE, expect=3, timeout=60))
            if m["In-Reply-To"] == "<fife-confirm@fife.example>"]
    tap.ok(done and "has been withdrawn" in text_of(done[0]), "and says so")

    # The same confirmation again: used up.
    if request is not None:
        ms.deliver_lmtp(INBOX_USER, confirm_reply(FIFE, request, "fife-confirm-2@fife.example"))
    nomd(conf, "--once")
    tap.is_(outcome(conf, "fife-confirm-2@fife.example"), ("rejected", ["confirmation_expired"]),
            "a confirmation used once does not work twice")
    tap.is_(status(conf), {ALEX: "withdrawn", SAM: "accepted", JO: "accepted"}, "nobody else is touched")

    # Authenticated by the mail server (DMARC pass for fife.example, above
    # the Received field the message came with): acts at once.
    ms.deliver_lmtp(INBOX_USER, form_message(
        FIFE, "fife-wd-sam@fife.example", "", subject=f"WITHDRAW {SAM}",
        extra_headers="") .replace(b"From: ", b"Authentication-Results: mx.example.org; dkim=pass "
                                              b"header.d=fife.example; dmarc=pass header.from=fife.example\r\n"
                                              b"From: ", 1))
    nomd(conf, "--once")
    tap.is_((status(conf)[SAM], outcome(conf, "fife-wd-sam@fife.example")),
            ("withdrawn", ("accepted", ["command_withdraw"])), "an authenticated WITHDRAW acts at once")

    # The same header forged below a Received field is the sender's word.
    forged = form_message(FIFE, "forged-2@elsewhere.example", "", subject=f"WITHDRAW {JO}")
    forged = (b"Received: from relay.elsewhere.example by mx.elsewhere.example; Wed, 25 Nov 2026 09:00:00 +0000\r\n"
              b"Authentication-Results: mx.example.org; dmarc=pass header.from=fife.example\r\n" + forged)
    ms.deliver_lmtp(INBOX_USER, forged)
    nomd(conf, "--once")
    tap.is_((status(conf)[JO], outcome(conf, "forged-2@elsewhere.example")),
            ("accepted", ("accepted", ["confirmation_requested"])),
            "a forged Authentication-Results below a Received field: only a confirmation request")

tap.done()
