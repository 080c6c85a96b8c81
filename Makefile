# nomd: email-driven nomination processor.
#   make            build build/nomd and build/nomctl
#   make check      install what the tests need (Debian, as root), build, run all tests
#   make demo       install what it needs, run nomd end to end on a throwaway mail stack
#   make SANITIZE=1 ...   build with ASan and UBSan

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/nomd
MANDIR ?= $(PREFIX)/share/man
# The shipped programme definitions, to copy from (etc/programmes).
PROGRAMMESDIR ?= $(PREFIX)/share/doc/nomd/programmes
# /usr installs configure /etc; others their own etc/.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR ?= $(PREFIX)/lib/systemd/system
BUILD ?= build
CC ?= cc

# The version people quote (see NEWS). From a git checkout, `git describe`
# is added so that a build names its commit; a tarball from `make dist`
# carries the whole string in its VERSION file instead.
VERSION = 0.16.0
ifneq ($(wildcard .git),)
NOMD_VERSION := $(VERSION)+git.$(shell git describe --always --dirty 2>/dev/null || echo unknown)
else ifneq ($(wildcard VERSION),)
NOMD_VERSION := $(shell cat VERSION)
else
NOMD_VERSION := $(VERSION)
endif

# Quiet build: one line per step (CC daemon/ingest.c); V=1 shows commands.
ifeq ($(V),1)
say =
Q =
else
Q = @
say = @printf '  %-4s %s\n' '$(1)' '$(2)';
MAKEFLAGS += --no-print-directory
endif
PKGS = libetpan gmime-3.0 libcurl sqlite3 libconfig gnutls libxml-2.0 libical libsystemd xlsxwriter cairo fontconfig

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The document reader, nomd-reader, alone links the office and PDF
# libraries: nomd runs it in a child process and never loads them.
READER_PKGS = glib-2.0 libgsf-1 libxml-2.0 freexl poppler-glib poppler libseccomp
READER_CFLAGS = $(shell pkg-config --cflags $(READER_PKGS) 2>/dev/null)
READER_LIBS = $(shell pkg-config --libs $(READER_PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-DNOMD_CONFIG='"$(SYSCONFDIR)/nomd/nomd.conf"' \
	-DNOMD_READER='"$(LIBEXECDIR)/nomd-reader"' $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lcsv -lm
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRCS = daemon/log.c daemon/util.c daemon/states.c daemon/config.c daemon/config_form.c daemon/store.c daemon/store_inbox.c daemon/store_outbox.c daemon/store_report.c daemon/store_people.c daemon/store_events.c daemon/store_forget.c daemon/store_mentoring.c daemon/decide.c daemon/judge.c \
	daemon/template.c daemon/reply.c daemon/compose.c daemon/outbox.c daemon/imap.c daemon/smtp.c \
	daemon/deliver.c daemon/ingest.c daemon/daemon.c daemon/crashmark.c daemon/origin.c daemon/assign.c daemon/pairing.c daemon/pairing_run.c daemon/people.c daemon/consent.c daemon/clock.c daemon/schedule.c daemon/events.c daemon/digest.c daemon/round.c daemon/mentoring.c daemon/xlsx.c daemon/listing.c daemon/chart.c daemon/notify.c daemon/docread.c daemon/formdoc.c \
	parsers/document.c parsers/mime.c parsers/mime_scan.c parsers/mime_text.c parsers/form.c parsers/form_spec.c parsers/html.c parsers/csv.c parsers/answer.c parsers/ical.c parsers/address.c parsers/subject.c
CORE_OBJS = $(CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(VERSION_OBJ)
# Files built into nomd with GResource: the blank form as a Word document,
# made by nomd-reader (which alone links the office libraries). Linked as an
# object, not from the archive: it registers itself when the program
# starts and nothing refers to it by name.
GEN = $(BUILD)/gen
RESOURCES = $(BUILD)/obj/gen/resources.o
# The version string, alone in its own object: a new commit recompiles
# this one file and relinks, nothing else.
VERSION_OBJ = $(BUILD)/obj/gen/version.o
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

READER_SRCS = parsers/document.c parsers/form.c parsers/form_spec.c $(wildcard parsers/doc_*.c)
READER_OBJS = $(READER_SRCS:%.c=$(BUILD)/obj/%.o)

all: $(BUILD)/nomd $(BUILD)/nomctl $(BUILD)/nomd-reader

$(BUILD)/obj/%.o: %.c $(wildcard daemon/*.h parsers/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS) -c -o $@ $<

# Made again when the reader's code changes, not when only its version
# does (the binary is then order-only). The reader leaves out the lines
# of a programme's own fields ({{...}}): this is the built-in programme's
# Word form; nomd has the reader make a defined programme's (formdoc.c).
$(GEN)/nomination-form.docx: $(BUILD)/obj/daemon/nomd_reader.o $(BUILD)/libnomd-reader.a templates/blank-form.txt \
		| $(BUILD)/nomd-reader
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)$(BUILD)/nomd-reader --make-form --sections 5 < templates/blank-form.txt > $@.tmp
	$(Q)mv $@.tmp $@

# The shipped templates, built in too: the resource list follows
# templates/ (rewritten only when that list changes), and editing a
# template rebuilds the resource.
TEMPLATES = $(sort $(wildcard templates/*.txt templates/*.html))
$(GEN)/nomd.gresource.xml: daemon/nomd.gresource.xml FORCE
	@mkdir -p $(dir $@)
	@for t in $(TEMPLATES); do echo "    <file>$$t</file>"; done > $@.list
	@sed -e '/^@TEMPLATES@$$/{r $@.list' -e 'd}' $< > $@.tmp
	@rm -f $@.list
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(GEN)/resources.c: $(GEN)/nomd.gresource.xml $(GEN)/nomination-form.docx $(TEMPLATES)
	$(call say,GEN,$@)glib-compile-resources --sourcedir=$(GEN) --sourcedir=. --c-name nomd --generate-source --target=$@ $<

$(BUILD)/obj/gen/resources.o: $(GEN)/resources.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS) -c -o $@ $<

# Rewritten only when the version changed, so that nothing is rebuilt
# otherwise.
$(GEN)/version.c: FORCE
	@mkdir -p $(dir $@)
	$(Q)printf 'const char nomd_version[] = "%s";\n' '$(NOMD_VERSION)' > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; $(if $(Q),echo '  GEN  $@';) fi

$(VERSION_OBJ): $(GEN)/version.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS) -c -o $@ $<

# The reader's own objects see the office libraries' headers.
$(READER_OBJS:%.o=%-reader.o) $(BUILD)/obj/daemon/nomd_reader.o: CFLAGS += $(READER_CFLAGS)
$(BUILD)/obj/%-reader.o: %.c $(wildcard parsers/*.h)
	@mkdir -p $(dir $@)
	$(call say,CC,$< (reader))$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libnomd-reader.a: $(READER_OBJS:%.o=%-reader.o)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/nomd-reader: $(BUILD)/obj/daemon/nomd_reader.o $(VERSION_OBJ) $(BUILD)/libnomd-reader.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(READER_LIBS)

# Tests of the reader, linked with its library (run by tests/lib/reader_pdf.t).
READER_TESTS = $(BUILD)/tests/reader_sandbox
$(BUILD)/tests/reader_%: $(BUILD)/obj/tests/reader/%.o $(BUILD)/libnomd-reader.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(READER_LIBS)

$(BUILD)/libnomd.a: $(CORE_OBJS)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/nomd: $(BUILD)/obj/daemon/nomd.o $(RESOURCES) $(BUILD)/libnomd.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

NOMCTL_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard daemon/nomctl*.c))
$(BUILD)/nomctl: $(NOMCTL_OBJS) $(RESOURCES) $(BUILD)/libnomd.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/render_samples: $(BUILD)/obj/tests/tools/render_samples.o $(RESOURCES) $(BUILD)/libnomd.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The document readers' test tool (tests/lib/reader_office.t).
$(BUILD)/obj/tests/tools/doc_dump-reader.o: CFLAGS += $(READER_CFLAGS)
$(BUILD)/tests/doc_dump: $(BUILD)/obj/tests/tools/doc_dump-reader.o $(BUILD)/libnomd-reader.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(READER_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(RESOURCES) $(BUILD)/libnomd.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	scripts/install-deps.sh

unit: all $(UNIT_BINS) $(BUILD)/tests/render_samples $(BUILD)/tests/doc_dump $(READER_TESTS)

FUZZ_SECONDS ?= 300

# Unit tests (no servers), the integration tests on a real Dovecot and
# Postfix, and libFuzzer over the MIME walk, the form and CSV readers, the
# templates, the configuration and parse -> rules -> reply (NOMD_FUZZ_SECONDS
# in total; see tests/fuzz/run.sh). prove prints TAP and a summary; it
# fails the target when any test fails.
# CHECK_FUZZ= leaves the fuzzing out (the sanitizer run in .ci/run: the
# fuzzers are sanitized builds already).
CHECK_FUZZ ?= tests/fuzz/run.sh
check: deps
	$(MAKE) unit
	NOMD_BUILD=$(abspath $(BUILD)) NOMD_FUZZ_SECONDS=120 NOMD_FUZZ_SEED=1 prove -j2 $(UNIT_BINS) tests/lib/*.t \
		tests/integration/*.t $(CHECK_FUZZ)

# The integration tests that exercise most of nomd, with every nomd and
# nomctl under valgrind: a definite leak or a memory error fails them.
VALGRIND = valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
VALGRIND_TESTS = end_to_end consent pairing events digest admin outbox notify form_docx
check-valgrind: deps
	$(MAKE) all
	NOMD_BUILD=$(abspath $(BUILD)) NOMD_WRAP="$(VALGRIND)" prove -j2 \
		$(VALGRIND_TESTS:%=tests/integration/%.t)

# Fault injection (tests/faults/README.md): nomd killed with -9, Dovecot
# restarted, Postfix stopped, the database read-only, the disk full, each
# in the middle of a backlog; then nothing lost and nothing sent twice.
# FAULTS_SCALE multiplies the message counts (0.1 for a quick run).
FAULTS_SCALE ?= 1
check-faults: deps
	$(MAKE) all
	NOMD_BUILD=$(abspath $(BUILD)) NOMD_FAULTS_SCALE=$(FAULTS_SCALE) prove -j2 tests/faults/*.t

# Longer fuzzing, FUZZ_SECONDS for each target:
#   make fuzz FUZZ_SECONDS=3600 [FUZZ_TARGET="fuzz_form fuzz_mime"]
fuzz: deps
	BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZ_TARGET:%=--target %) $(FUZZ_SECONDS)

demo: deps
	$(MAKE) all
	scripts/demo.sh

$(BUILD)/bench/assign_bench: $(BUILD)/obj/bench/assign_bench.o $(RESOURCES) $(BUILD)/libnomd.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Benchmarks (not part of check): results are appended to docs/benchmarks.md.
# The mail part (about 13 minutes) and the office part (about 2) go to a
# file first, so that a failed run appends nothing.
BENCH_MESSAGES ?= 1000,10000
bench: deps
	$(MAKE) all $(BUILD)/bench/assign_bench
	scripts/install-deps.sh bench
	@mkdir -p docs
	{ echo; echo "## Pairing: assignment against SciPy ($$(date -u +%F))"; echo; \
	  /usr/bin/python3 bench/pairing.py $(BUILD); } | tee -a docs/benchmarks.md
	nice /usr/bin/python3 bench/mail.py --build $(BUILD) --messages $(BENCH_MESSAGES) > $(BUILD)/bench/mail.md
	{ echo; echo "## Mail: nomd against mbsync, smtp-source and a Python script ($$(date -u +%F))"; echo; \
	  cat $(BUILD)/bench/mail.md; } | tee -a docs/benchmarks.md
	nice /usr/bin/python3 bench/office.py --build $(BUILD) > $(BUILD)/bench/office.md
	{ echo; echo "## Office attachments: nomd-reader against python3-docx and openpyxl ($$(date -u +%F))"; echo; \
	  cat $(BUILD)/bench/office.md; } | tee -a docs/benchmarks.md

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: binaries, man
# pages, the systemd unit, and the sample configuration (never over an
# existing one); the templates are built in (`nomctl templates export`
# gives staff a copy to edit). make uninstall takes them away again, but
# keeps a configuration that was changed.
MANPAGES = man/nomd.8 man/nomctl.1 man/nomd.conf.5
UNIT_PATHS = -e 's\#@SBINDIR@\#$(SBINDIR)\#g' -e 's\#@SYSCONFDIR@\#$(SYSCONFDIR)\#g'
# nomd@NAME.service, one programme of several on the host, is the same
# unit with NAME's configuration (NAME.conf), state, cache, password and
# journal name: made from nomd.service, so the two never drift apart.
UNIT_INSTANCE = -e 's\#/nomd/nomd\.conf\#/nomd/%i.conf\#g' \
	-e 's\#^StateDirectory=nomd$$\#StateDirectory=nomd/%i\#' \
	-e 's\#^CacheDirectory=nomd$$\#CacheDirectory=nomd/%i\#' \
	-e 's\#XDG_CACHE_HOME=%C/nomd$$\#XDG_CACHE_HOME=%C/nomd/%i\#' \
	-e 's\#imap\.password:\(.*\)/nomd/imap\.password$$\#imap.password:\1/nomd/%i.imap.password\#' \
	-e 's\#^Description=nomd nomination processor\#Description=nomd nomination processor for %i\#' \
	-e 's\#^\[Service\]$$\#[Service]\nSyslogIdentifier=nomd@%i\#' \
	-e '1s|^\# nomd: .*|\# nomd@NAME, one programme of several on a host (NAME.conf). Installed by `make install`|' \
	-e 's\#/nomd/imap\.password (root\#/nomd/NAME.imap.password (root\#' \
	-e 's\#systemctl edit nomd`\#systemctl edit nomd@NAME`\#' -e 's\#;` in nomd\.conf\#;` in NAME.conf\#'
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(SYSCONFDIR)/nomd $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/nomd $(DESTDIR)$(SBINDIR)/nomd
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(BUILD)/nomd-reader $(DESTDIR)$(LIBEXECDIR)/nomd-reader
	install -m 0755 $(BUILD)/nomctl $(DESTDIR)$(BINDIR)/nomctl
	install -m 0644 man/nomctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/nomd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/nomd.8 $(DESTDIR)$(MANDIR)/man8/
	sed $(UNIT_PATHS) systemd/nomd.service > $(DESTDIR)$(UNITDIR)/nomd.service
	sed $(UNIT_PATHS) $(UNIT_INSTANCE) systemd/nomd.service > $(DESTDIR)$(UNITDIR)/nomd@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nomd.service $(DESTDIR)$(UNITDIR)/nomd@.service
	for f in nomd.conf organisations.conf; do \
		if [ -e $(DESTDIR)$(SYSCONFDIR)/nomd/$$f ]; then \
			echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/nomd/$$f"; \
		else \
			install -m 0644 etc/$$f $(DESTDIR)$(SYSCONFDIR)/nomd/$$f; \
		fi; \
	done
	install -d $(DESTDIR)$(PROGRAMMESDIR)
	install -m 0644 etc/programmes/*.conf $(DESTDIR)$(PROGRAMMESDIR)/
	for d in etc/programmes/*/; do \
		install -d $(DESTDIR)$(PROGRAMMESDIR)/$$(basename $$d); \
		install -m 0644 $$d* $(DESTDIR)$(PROGRAMMESDIR)/$$(basename $$d)/; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/nomd $(DESTDIR)$(BINDIR)/nomctl $(DESTDIR)$(UNITDIR)/nomd.service \
		$(DESTDIR)$(UNITDIR)/nomd@.service \
		$(DESTDIR)$(MANDIR)/man1/nomctl.1 $(DESTDIR)$(MANDIR)/man5/nomd.conf.5 $(DESTDIR)$(MANDIR)/man8/nomd.8
	rm -rf $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(PROGRAMMESDIR)
	-rmdir $(DESTDIR)$(PREFIX)/share/doc/nomd 2>/dev/null
	for f in nomd.conf organisations.conf; do \
		if cmp -s etc/$$f $(DESTDIR)$(SYSCONFDIR)/nomd/$$f; then \
			rm -f $(DESTDIR)$(SYSCONFDIR)/nomd/$$f; \
		elif [ -e $(DESTDIR)$(SYSCONFDIR)/nomd/$$f ]; then \
			echo "uninstall: keeping changed $(DESTDIR)$(SYSCONFDIR)/nomd/$$f"; \
		fi; \
	done
	-rmdir $(DESTDIR)$(SYSCONFDIR)/nomd 2>/dev/null

# make dist [DISTDIR=.]: nomd-VERSION.tar.gz of the committed tree, with a
# VERSION file that fixes the version a build from it reports (it has no
# .git to ask). Uncommitted changes are not in it.
DISTDIR ?= .
DIST = nomd-$(VERSION)
dist:
	@test -e .git || { echo "make dist: needs a git checkout" >&2; exit 1; }
	@git diff --quiet HEAD || echo "make dist: uncommitted changes are left out" >&2
	@mkdir -p $(BUILD)/dist
	$(Q)echo "$(VERSION)+git.$$(git describe --always HEAD)" > $(BUILD)/dist/VERSION
	$(call say,TAR,$(DISTDIR)/$(DIST).tar.gz)git archive --format=tar.gz --prefix=$(DIST)/ \
		--add-file=$(BUILD)/dist/VERSION -o $(DISTDIR)/$(DIST).tar.gz HEAD

# The C style (.clang-format): format rewrites the sources, format-check
# (in CI) fails on any file that differs.
format:
	scripts/format.sh

format-check:
	scripts/format.sh --check

# make distcheck: the tarball alone builds and passes make check.
distcheck: dist
	rm -rf $(BUILD)/distcheck && mkdir -p $(BUILD)/distcheck
	tar -C $(BUILD)/distcheck -xzf $(DISTDIR)/$(DIST).tar.gz
	$(MAKE) -C $(BUILD)/distcheck/$(DIST) check

clean:
	rm -rf $(BUILD)

.PHONY: all deps unit check check-valgrind check-faults demo clean fuzz bench install uninstall dist distcheck format format-check FORCE
.SECONDARY:
