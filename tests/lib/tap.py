"""A tiny TAP (Test Anything Protocol) producer for Python test scripts.

    import tap
    tap.ok(x == 1, "x is one")
    tap.is_(got, expected, "got what we expected")
    tap.diag("some note")
    tap.done()            # prints "1..N", exits 1 if any test failed

tap.at_end(fn) runs fn before the plan however the script ends, so that
checks made at the end (nomdtest's sanitizer reports) still count.

The plan is printed at the end, so the number of tests need not be known
in advance.  An uncaught exception is reported as one more failed test
(with its traceback as diagnostics) and the plan is still printed; so is
a script that ends without calling done().  Diagnostics go to stderr (like
Test::More's diag), so prove shows them even without -v.
"""

import atexit
import sys
import traceback

_count = 0
_failed = 0
_done = False
_at_end = []


def _out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _name(name):
    name = str(name).replace("\n", " ")
    # "#" would start a directive (SKIP/TODO) in TAP
    return " - " + name.replace("#", "\\#") if name else ""


def diag(msg):
    """Print msg as TAP diagnostics ("# ..." lines) on stderr."""
    sys.stdout.flush()
    for line in str(msg).splitlines() or [""]:
        sys.stderr.write("# " + line + "\n")
    sys.stderr.flush()


def note(msg):
    """Print msg as "# ..." lines on stdout (shown by prove -v only)."""
    for line in str(msg).splitlines() or [""]:
        _out("# " + line)


def ok(cond, name=""):
    """Record one test; returns bool(cond)."""
    global _count, _failed
    _count += 1
    if cond:
        _out("ok %d%s" % (_count, _name(name)))
    else:
        _failed += 1
        _out("not ok %d%s" % (_count, _name(name)))
        diag("  Failed test %s" % (repr(name) if name else _count))
    return bool(cond)


def is_(got, expected, name=""):
    """ok(got == expected), with a diagnostic on failure."""
    res = ok(got == expected, name)
    if not res:
        diag("         got: %r\n    expected: %r" % (got, expected))
    return res


def isnt(got, unexpected, name=""):
    res = ok(got != unexpected, name)
    if not res:
        diag("         got: %r\n    expected: anything else" % (got,))
    return res


def like(got, pattern, name=""):
    """ok(re.search(pattern, got)); got may be str or bytes."""
    import re
    try:
        res = ok(re.search(pattern, got) is not None, name)
    except TypeError as e:
        res = ok(False, name)
        diag("    %s" % e)
        return res
    if not res:
        diag("                  %r\n    doesn't match %r" % (got, pattern))
    return res


def skip(reason, count=1):
    """Record count skipped tests."""
    global _count
    for _ in range(count):
        _count += 1
        _out("ok %d # SKIP %s" % (_count, reason))


def skip_all(reason):
    """Skip the whole script (must come before any test)."""
    global _done
    _done = True
    _out("1..0 # SKIP %s" % reason)
    sys.exit(0)


def bail_out(reason):
    global _done
    _done = True
    _out("Bail out! %s" % reason)
    sys.exit(255)


def failed():
    return _failed


def at_end(fn):
    """Run fn() when the script ends (done(), an uncaught exception, or
    the end of the script), before the plan: its tests still count."""
    _at_end.append(fn)


def _run_at_end():
    while _at_end:
        fn = _at_end.pop()
        try:
            fn()
        except Exception as e:
            ok(False, "end-of-test check raised %s: %s" % (type(e).__name__, e))
            diag(traceback.format_exc())


def done():
    """Print the plan and exit: 0 if all passed, 1 otherwise."""
    global _done
    _run_at_end()
    _done = True
    _out("1..%d" % _count)
    if _failed:
        diag("Looks like you failed %d test%s of %d." %
             (_failed, "" if _failed == 1 else "s", _count))
    sys.exit(1 if _failed else 0)


def _excepthook(etype, value, tb):
    global _done
    if _done:
        sys.__excepthook__(etype, value, tb)
        return
    ok(False, "uncaught exception: %s: %s" %
       (etype.__name__, str(value).splitlines()[0] if str(value) else ""))
    diag("".join(traceback.format_exception(etype, value, tb)))
    _run_at_end()
    _done = True
    _out("1..%d" % _count)
    # the interpreter exits with status 1 after the hook


def _atexit():
    # script ended without done(): still print the plan
    if not _done:
        _run_at_end()
        if _count == 0:
            ok(False, "script ended without running any test")
        _out("1..%d" % _count)
        if _failed:
            sys.stdout.flush()
            sys.stderr.flush()
            import os
            os._exit(1)


sys.excepthook = _excepthook
atexit.register(_atexit)
