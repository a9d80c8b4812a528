# SPDX-License-Identifier: MIT
# zt - one plain Makefile.
#
#   make            build/ztd build/zt-cli build/zt-root build/zt-controller build/libztnode.a
#   make test       unit + simulation + fuzz smoke + netns e2e (root); last line "N passed, N failed"
#   make demo       two members and a root in network namespaces, ping across the overlay
#   make SAN=1      the same with ASan+UBSan (objects go to build-san/)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (clang)
#   make install    PREFIX=/usr/local DESTDIR=
#   make format / format-check

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
CC ?= cc
FUZZ_SECONDS ?= 60

ifeq ($(SAN),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT ?= -O1 -g
else
B := build
SANFLAGS :=
OPT ?= -O2 -g
endif

PKGS := libsodium jansson
# SQLite only for the controller (and the tests and simulator that run it).
CTL_PKGS := sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(CTL_PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wwrite-strings -Wvla -Wformat=2
CFLAGS_COMMON := -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP -I. -Inode
# node/ is portable C11; the shells use Linux and GNU interfaces.
CFLAGS_NODE := $(CFLAGS_COMMON) -D_POSIX_C_SOURCE=200809L
CFLAGS_OS := $(CFLAGS_COMMON) -D_GNU_SOURCE
LDFLAGS += $(SANFLAGS)
LIBS := $(PKG_LIBS) -lpthread
CTL_LIBS := $(shell pkg-config --libs $(CTL_PKGS) 2>/dev/null)

NODE_SRCS := $(wildcard node/*.c)
OSDEP_SRCS := $(wildcard osdep/*.c)
ZTD_SRCS := $(filter-out service/cli.c,$(wildcard service/*.c))
CLI_SRCS := service/cli.c
ROOT_SRCS := $(wildcard root/*.c)
# controller/: libztctl.a (logic, store, API) + the program's main.
CTL_LIB_SRCS := $(filter-out controller/main.c controller/ctld.c controller/invite.c,\
	$(wildcard controller/*.c))
CTL_SRCS := controller/main.c controller/ctld.c controller/invite.c
UNIT_SRCS := $(wildcard test/unit/*_test.c)
SIM_SRCS := $(filter-out test/sim/sim_main.c,$(wildcard test/sim/*.c))

NODE_OBJS := $(NODE_SRCS:%.c=$(B)/%.o)
OSDEP_OBJS := $(OSDEP_SRCS:%.c=$(B)/%.o)
ZTD_OBJS := $(ZTD_SRCS:%.c=$(B)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/%.o)
ROOT_OBJS := $(ROOT_SRCS:%.c=$(B)/%.o)
CTL_LIB_OBJS := $(CTL_LIB_SRCS:%.c=$(B)/%.o)
CTL_OBJS := $(CTL_SRCS:%.c=$(B)/%.o)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(B)/test/%)
SIM_BIN := $(B)/test/zt-sim

PROGS := $(B)/ztd $(B)/zt-cli $(B)/zt-root $(B)/zt-controller

.PHONY: all deps test test-unit test-e2e nat-matrix demo fuzz fuzz-smoke install uninstall clean \
	format format-check check-layering bench dos-bench tsan
all: $(PROGS) $(B)/libztnode.a

deps:
	@sh ext/deps.sh build

$(B)/node/%.o: node/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_NODE) -c -o $@ $<
$(B)/test/unit/%.o: test/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_NODE) -c -o $@ $<
$(B)/test/sim/%.o: test/sim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_NODE) -c -o $@ $<
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OS) -c -o $@ $<

$(B)/libztnode.a: $(NODE_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(B)/libztos.a: $(OSDEP_OBJS)
	@rm -f $@
	ar rcs $@ $^

# ztd asks the home router for port mappings (osdep/portmap.c).
PORTMAP_LIBS := -lminiupnpc -lnatpmp
$(B)/ztd: $(ZTD_OBJS) $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $(ZTD_OBJS) $(B)/libztos.a $(B)/libztnode.a $(LIBS) $(PORTMAP_LIBS)
$(B)/zt-cli: $(CLI_OBJS) $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libztos.a $(B)/libztnode.a $(LIBS)
$(B)/zt-root: $(ROOT_OBJS) $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $(ROOT_OBJS) $(B)/libztos.a $(B)/libztnode.a $(LIBS)

$(B)/libztctl.a: $(CTL_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(B)/zt-controller: $(CTL_OBJS) $(B)/libztctl.a $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CTL_LIBS)

$(B)/test/%_test: $(B)/test/unit/%_test.o $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# cookie_test, hsguard_test: the public-key work a node does is counted
# through wrappers (test/unit/hsattack.h).
HS_WRAP := -Wl,--wrap=crypto_pwhash,--wrap=crypto_scalarmult
$(B)/test/cookie_test $(B)/test/hsguard_test: $(B)/test/%: $(B)/test/unit/%.o $(B)/libztnode.a
	$(CC) $(LDFLAGS) $(HS_WRAP) -o $@ $^ $(LIBS)
# tcp_test, httpd_test, metrics_test: shell modules (osdep/), the first two on
# real loopback sockets.
OSDEP_TESTS := tcp_test httpd_test metrics_test
$(OSDEP_TESTS:%=$(B)/test/unit/%.o): $(B)/test/unit/%.o: test/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OS) -c -o $@ $<
$(OSDEP_TESTS:%=$(B)/test/%): $(B)/test/%: $(B)/test/unit/%.o $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# ctl_*_test: the controller's tests (store, policy, API) also link libztctl.
$(B)/test/ctl_%_test: $(B)/test/unit/ctl_%_test.o $(B)/libztctl.a $(B)/libztos.a \
		$(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CTL_LIBS)
# netapply_test: ztd's config filtering (service/netapply.c).
$(B)/test/netapply_test: $(B)/test/unit/netapply_test.o $(B)/service/netapply.o $(B)/libztos.a \
		$(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# zt-sim counts each node's public-key and Argon2id work (test/sim/pkcount.h).
SIM_WRAP := -Wl,--wrap=crypto_pwhash,--wrap=crypto_scalarmult,--wrap=crypto_scalarmult_base \
	-Wl,--wrap=crypto_sign_verify_detached,--wrap=crypto_sign_detached
$(SIM_BIN): $(SIM_SRCS:%.c=$(B)/%.o) $(B)/libztctl.a $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) $(SIM_WRAP) -o $@ $^ $(LIBS) $(CTL_LIBS)

# The NAT lab's NFQUEUE delay/jitter/loss helper (test/netlab/netlab.sh).
NETLAB_BINS := $(B)/test/ztqdelay
$(B)/test/ztqdelay: test/netlab/ztqdelay.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OS) $(LDFLAGS) -o $@ $< $$(pkg-config --libs libnetfilter_queue)

# ---- tests ----
# test/run.sh runs every test program and script and prints the totals last.
test:
	@sh ext/deps.sh test
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(SIM_BIN) $(NETLAB_BINS) fuzz-build
	@B=$(B) sh test/run.sh

test-unit: $(UNIT_BINS) $(SIM_BIN)
	@B=$(B) ZT_SKIP_E2E=1 ZT_SKIP_FUZZ=1 sh test/run.sh

test-e2e: all $(NETLAB_BINS)
	@B=$(B) ZT_ONLY=e2e sh test/run.sh

# Every pair of NAT kinds in the NAT lab (about 6 minutes, root): the report
# goes to build/nat-matrix.md (copy it to doc/nat-matrix.md to publish it).
nat-matrix: all $(NETLAB_BINS)
	@sh ext/deps.sh test
	@B=$(B) bash test/netlab/nat-matrix.sh > $(B)/nat-matrix.md; rc=$$?; \
		cat $(B)/nat-matrix.md; exit $$rc

demo:
	@sh ext/deps.sh demo
	@$(MAKE) --no-print-directory all
	@B=$(B) sh test/e2e/demo.sh

# ---- fuzzing (clang/libFuzzer) ----
FUZZ_SRCS := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:test/fuzz/%.c=build-fuzz/%)
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-I. -Inode $(PKG_CFLAGS)
FUZZ_LIB_SRCS := $(NODE_SRCS) osdep/http.c osdep/apijson.c service/api_json.c controller/ctl_json.c \
	controller/ctl.c controller/policy.c controller/capi.c controller/store_sqlite.c

build-fuzz/%: test/fuzz/%.c $(FUZZ_LIB_SRCS)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(PKG_LIBS) $(CTL_LIBS)

fuzz-build:
	@if command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(FUZZ_BINS); \
	else echo "fuzz: $(FUZZ_CC) not found, skipping fuzz build"; fi

fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus/$$n \
			test/fuzz/corpus/$$n 2>&1 | tail -n 2 || exit 1; \
	done

# ---- ThreadSanitizer: the crypto pipeline (the only threads) ----
build-tsan/workers_test: test/unit/workers_test.c osdep/workers_linux.c $(NODE_SRCS)
	@mkdir -p build-tsan
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=thread -I. -Inode -Itest/unit $(PKG_CFLAGS) \
		-o $@ test/unit/workers_test.c $(NODE_SRCS) $(PKG_LIBS) -lpthread
tsan: build-tsan/workers_test
	@build-tsan/workers_test

# ---- benchmarks ----
$(B)/bench/hsrate: $(B)/bench/hsrate.o $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

bench: all $(B)/bench/hsrate
	@bash bench/run.sh

# make dos-bench: a real zt-root under floods (bench/dos.sh, as root).
$(B)/bench/rekeyer: $(B)/bench/rekeyer.o $(B)/bench/hsclient.o $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/bench/dosgen: $(B)/bench/dosgen.o $(B)/bench/hsclient.o $(B)/libztnode.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

dos-bench: all $(B)/bench/rekeyer $(B)/bench/dosgen
	@bash bench/dos.sh

# ---- install ----
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(B)/ztd $(B)/zt-root $(B)/zt-controller $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(B)/zt-cli $(DESTDIR)$(BINDIR)/
	@if [ -d doc/man ]; then install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8; \
		for m in doc/man/*.1; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/; done; \
		for m in doc/man/*.8; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/; done; \
	fi; true

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ztd $(DESTDIR)$(SBINDIR)/zt-root $(DESTDIR)$(SBINDIR)/zt-controller \
		$(DESTDIR)$(BINDIR)/zt-cli

# ---- style ----
FMT_SRCS = $(wildcard node/*.[ch] osdep/*.[ch] service/*.[ch] root/*.[ch] controller/*.[ch] \
	test/unit/*.[ch] \
	test/sim/*.[ch] test/fuzz/*.[ch] test/netlab/*.[ch])
format:
	clang-format -i $(FMT_SRCS)
format-check:
	@clang-format --dry-run --Werror $(FMT_SRCS) && echo "format-check: ok"

# node/ must stay pure: no syscalls, clock, threads or files; and each folder
# includes only what DESIGN.md's "The house" allows (test/check-includes.sh).
check-layering: $(B)/libztnode.a
	@sh test/check-layering.sh $(B)/libztnode.a

clean:
	rm -rf build build-san build-fuzz

-include $(shell find build build-san -name '*.d' -type f 2>/dev/null)
