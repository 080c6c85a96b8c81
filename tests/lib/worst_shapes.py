"""The message shapes that cost a MIME parser the most memory per byte,
generated at a given size (tests/integration/worst_shapes.t feeds each to
nomd at imap.max_message_bytes). Each shape is a function of the size
in bytes returning (raw message, expected limit or None): the words of
the cap that holds it as too_complex, or None when it is read as usual.

    /usr/bin/python3 tests/lib/worst_shapes.py DIR [SIZE]
writes DIR/NAME.eml for every shape (for measuring by hand)."""

import os
import sys

HEAD = (b"From: Chief Executive <chief.executive@moray.example>\r\n"
        b"To: nominations@example.org\r\n"
        b"Message-ID: <%s@moray.example>\r\n"
        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n")


def _head(name, subject=b"Nominations"):
    return HEAD % name.encode() + b"Subject: " + subject + b"\r\nMIME-Version: 1.0\r\n"


def _fill(prefix, unit, suffix, size):
    """prefix + unit * n + suffix, as long as fits in size."""
    n = max(0, (size - len(prefix) - len(suffix)) // len(unit))
    return prefix + unit * n + suffix


def parts_flood(size):
    """The most parts per byte: empty parts, one boundary line each."""
    head = _head("parts-flood") + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    return _fill(head, b"--b\r\n\r\n", b"--b--\r\n", size), "number of MIME parts"


def parts_with_headers(size):
    """Many small parts that each carry a header, a type and a line."""
    head = _head("parts-headers") + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    part = b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nx\r\n"
    return _fill(head, part, b"--b--\r\n", size), "number of MIME parts"


def nested_multipart(size):
    """multipart/mixed inside multipart/mixed, as deep as GMime goes."""
    head = _head("nested-multipart") + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    out = [head]
    used = len(head)
    i = 1
    while used < size - 200 and i < 100000:
        level = b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i)
        out.append(level)
        used += len(level)
        i += 1
    return b"".join(out) + b"--b%d\r\n\r\nx\r\n" % (i - 1), "number of MIME parts"


def nested_rfc822(size):
    """message/rfc822 inside message/rfc822: no boundary at all."""
    head = _head("nested-rfc822") + b"Content-Type: message/rfc822\r\n\r\n"
    return _fill(head, b"Content-Type: message/rfc822\r\n\r\n", b"x\r\n", size), "number of MIME parts"


def many_headers(size):
    """Short header fields, each one an object in the parser."""
    head = _head("many-headers")
    return _fill(head, b"X-A: b\r\n", b"\r\nhello\r\n", size), "number of header fields"


def huge_header(size):
    """One folded References field of short ids."""
    head = _head("huge-header") + b"References:"
    return _fill(head, b" <a@b>\r\n", b"\r\nhello\r\n", size), "size of the header"


def encoded_words(size):
    """A subject of RFC 2047 encoded-words, each a token to decode."""
    head = HEAD % b"encoded-words" + b"MIME-Version: 1.0\r\nSubject: =?utf-8?q?a?="
    return _fill(head, b"\r\n =?utf-8?q?a?=", b"\r\n\r\nhello\r\n", size), "size of the header"


def many_addresses(size):
    """A Cc field of tiny addresses, each a mailbox object."""
    head = _head("many-addresses") + b"Cc: a@b"
    return _fill(head, b",a@b", b"\r\n\r\nhello\r\n", size), "size of the header"


# What a message may decode in all (MIME_MAX_DECODED), and the header
# size the pre-scan allows (MIME_MAX_HEADER_BYTES): the shapes read as
# usual stay just under them.
DECODED = 4 * 1024 * 1024 - 64 * 1024
HEADER = 240 * 1024


def long_line(size):
    """A plain body of one line, as much as may be decoded."""
    head = _head("long-line") + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return _fill(head, b"a" * 64, b"\r\n", min(size, DECODED)), None


def long_line_over(size):
    """A plain body of one line as large as the message."""
    head = _head("long-line-over") + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return _fill(head, b"a" * 64, b"\r\n", size), "decoded size"


def addresses_under(size):
    """A Cc field of tiny addresses, just under the header cap."""
    head = _head("addresses-under") + b"Cc: a@b"
    return _fill(head, b",a@b", b"\r\n\r\nhello\r\n", HEADER), None


def headers_under(size):
    """Short header fields, just under the cap on their number."""
    head = _head("headers-under")
    return head + b"X-A: b\r\n" * 1900 + b"\r\nhello\r\n", None


def base64_body(size):
    """A base64 text part as large as the message: decoding it must not
    hold it all."""
    head = _head("base64-body") + (b"Content-Type: text/plain; charset=utf-8\r\n"
                                    b"Content-Transfer-Encoding: base64\r\n\r\n")
    return _fill(head, b"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\n", b"", size), \
        "decoded size"


def html_table(size):
    """An HTML body that is one giant table of empty cells."""
    head = _head("html-table") + b"Content-Type: text/html; charset=utf-8\r\n\r\n<table>"
    return _fill(head, b"<tr><td></td><td>a</td></tr>\r\n", b"</table>\r\n", min(size, DECODED)), None


def _csv_message(name, sheet, size):
    head = _head(name) + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    body = b"--b\r\nContent-Type: text/plain\r\n\r\nSee the sheets.\r\n"
    part = b'--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename="n.csv"\r\n\r\n'
    return head + body + (part + sheet + b"\r\n") * 4 + b"--b--\r\n"


def csv_labels(size):
    """Four spreadsheets of 64 long labels and 2000 rows of empty cells."""
    labels = b",".join(b"%02d" % i + b"x" * 998 for i in range(64)) + b"\r\n"
    rows = b"a" + b"," * 63 + b"\r\n"
    sheet = labels + rows * 2000
    return _csv_message("csv-labels", sheet, size), None


def csv_cells(size):
    """Four spreadsheets of 64 columns and 2000 rows of full cells."""
    labels = b",".join(b"c%d" % i for i in range(64)) + b"\r\n"
    row = b",".join([b"v" * 7] * 64) + b"\r\n"
    sheet = labels + row * 2000
    return _csv_message("csv-cells", sheet[:1024 * 1024 - 4096], size), None


SHAPES = [parts_flood, parts_with_headers, nested_multipart, nested_rfc822, many_headers, headers_under,
          huge_header, encoded_words, many_addresses, addresses_under, long_line, long_line_over, base64_body,
          html_table, csv_labels, csv_cells]


def main(argv):
    out = argv[1]
    size = int(argv[2]) if len(argv) > 2 else 10 * 1024 * 1024
    os.makedirs(out, exist_ok=True)
    for shape in SHAPES:
        raw, _ = shape(size)
        with open(os.path.join(out, shape.__name__ + ".eml"), "wb") as f:
            f.write(raw)
        print(f"{shape.__name__}: {len(raw)} bytes")


if __name__ == "__main__":
    main(sys.argv)
