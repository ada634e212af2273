# alembic-guard: see README.md. The user owns CC, CFLAGS, CPPFLAGS, LDFLAGS
# and PREFIX; our own flags live in AG_* variables.

CC      ?= cc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
BUILD   ?= build
PYTHON  ?= /usr/bin/python3

# `env -i make test` (an empty environment, as CI and a fresh root may have)
# leaves PATH unset: give the recipes and their scripts Debian's default.
PATH    ?= /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

PKGS     = libpq libcurl jansson inih
AG_WARN  = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wwrite-strings -Wformat=2 -Wcast-qual -Wundef -Wconversion -Wno-sign-conversion
AG_GIT   = $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The release version (tag, or 0.1.0-g<hash> without one; see release/version.sh).
AG_VER  := $(shell release/version.sh)
AG_CFLAGS = -std=c11 -D_GNU_SOURCE -I. -Ilib -I$(BUILD) $(AG_WARN) -MMD -MP \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libunistring (NFKC identifiers) ships no .pc file: its flags are given here.
AG_LIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lpthread

LIB_SRC  = $(sort $(wildcard lib/*.c))
CMD_SRC  = $(sort $(wildcard cmd/*.c))
TEST_SRC = $(sort $(wildcard tests/test_*.c)) tests/check_main.c
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ  = $(CMD_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)

.PHONY: all test test-run sanitize fuzz fuzz-run bench demo static dist install clean deps check-unit corpora

all: $(BUILD)/alembic-guard $(BUILD)/pyparse-check

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(AG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The commit and the version go into one generated header, rewritten only when
# they change, so a new commit rebuilds main.o and nothing else.
$(BUILD)/ag_version.h: FORCE
	@mkdir -p $(@D)
	@printf '#define AG_GIT_COMMIT "%s"\n#define AG_BUILD_VERSION "%s"\n' '$(AG_GIT)' '$(AG_VER)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@
	@rm -f $@.tmp

$(BUILD)/cmd/main.o: $(BUILD)/ag_version.h

FORCE:

$(BUILD)/libag.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# Linked beside and renamed into place: a test running the old binary never
# finds a half-written one.
$(BUILD)/alembic-guard: $(CMD_OBJ) $(BUILD)/libag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@.tmp $(CMD_OBJ) $(BUILD)/libag.a $(AG_LIBS)
	mv -f $@.tmp $@

# The differential test's driver: lib/pyparse on files, one line each.
$(BUILD)/pyparse-check: $(BUILD)/tests/pyparse_check.o $(BUILD)/libag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/check-unit: $(TEST_OBJ) $(BUILD)/libag.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(BUILD)/libag.a $(AG_LIBS) \
		$(shell pkg-config --libs check)

# Installs what is missing (apt-get), then runs every suite: unit (Check),
# integration against a PostgreSQL the harness starts, the differential test
# against Debian's Alembic, the same again under ASan+UBSan, and the static
# binary's test when it has been built.
test: deps
	$(MAKE) test-run

deps:
	@tests/deps.sh

test-run:
	tests/run-all.sh

check-unit: $(BUILD)/check-unit
	$(BUILD)/check-unit

sanitize:
	$(MAKE) BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		build-asan/alembic-guard build-asan/check-unit

fuzz: deps
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
		build-fuzz/libag.a
	clang -O1 -g -fsanitize=fuzzer,address,undefined -I. -Ilib -o build-fuzz/fuzz-pyscan \
		tests/fuzz/fuzz_pyscan.c build-fuzz/libag.a $(AG_LIBS)
	clang -O1 -g -fsanitize=fuzzer,address,undefined -I. -Ilib -o build-fuzz/fuzz-config \
		tests/fuzz/fuzz_config.c build-fuzz/libag.a $(AG_LIBS)
	@echo "run both for FUZZ_SECONDS (default 600) each: make fuzz-run"

# Both targets at once (one per core), new inputs into scratch directories,
# the committed corpora as seeds; fails on the first crash, leak or hang.
FUZZ_SECONDS ?= 600
fuzz-run: fuzz
	@mkdir -p /tmp/ag-fuzz-py /tmp/ag-fuzz-cfg
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build-fuzz/fuzz-pyscan \
		-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/pyscan- /tmp/ag-fuzz-py tests/fuzz/corpus-pyscan \
		tests/fixtures/uuid/forms tests/fixtures/uuid/helper & p1=$$!; \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build-fuzz/fuzz-config \
		-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/config- /tmp/ag-fuzz-cfg tests/fuzz/corpus-config & p2=$$!; \
	rc=0; wait $$p1 || rc=1; wait $$p2 || rc=1; exit $$rc

# The real public projects of ../shared/corpora (or AG_CORPORA=DIR); CI runs
# this after `make test`. A user's clone has no corpus: the stage then fails
# and says so, which is why it is not part of `make test`.
corpora: deps all
	cd tests/corpora && AG_BIN=$(CURDIR)/$(BUILD)/alembic-guard $(PYTHON) -B run.py

bench: deps all
	$(PYTHON) tests/bench.py --bin $(BUILD)/alembic-guard

demo: deps
	$(MAKE) all
	examples/demo.sh $(BUILD)/alembic-guard

# The static build reads Debian's source packages. Where apt has no deb-src
# entry, release/build-static.sh adds one for bookworm: said here, before it
# runs (a note inside the script would change its dependency cache key).
AG_SRC_LIST = /etc/apt/sources.list.d/alembic-guard-src.sources
static:
	@[ -e $(AG_SRC_LIST) ] || echo "make static: builds from Debian's source packages; where apt has no deb-src entry, it adds $(AG_SRC_LIST) (deb-src bookworm bookworm-updates main) and runs apt-get update; rm that file to undo"
	release/build-static.sh

# The release files of this commit in $(DIST) (release/dist.sh): the static
# binary's tarball, the Heroku buildpack with the binary inside, SHA256SUMS.
# Byte-identical on every run from one commit (SOURCE_DATE_EPOCH = its time).
DIST ?= dist
dist:
	release/dist.sh $(DIST)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/alembic-guard $(DESTDIR)$(PREFIX)/bin/alembic-guard

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
