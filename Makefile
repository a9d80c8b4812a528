# SPDX-License-Identifier: MIT
# zt - one plain Makefile.
#
#   make            build/ztd build/zt-cli build/zt-root build/zt-controller build/libztnode.a
#   make test       unit + simulation + fuzz smoke + netns e2e (root); last line "N passed, N failed"
#   make demo       two members and a root in network namespaces, ping across the overlay
#   make deps       install the build's Debian packages (DEPS=test|demo|package|bench|pktpath|cross|cross-dyn)
#   make SAN=1      the same with ASan+UBSan (objects go to build-san/)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each (clang)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        the Debian packages (dpkg-buildpackage; they land in build/deb/)
#   make package-test   build the .debs, install, upgrade and purge them in a scratch root
#   make test-cross ARCH=mipsel   static build for mipsel (mips, arm, aarch64), tests under qemu-user
#   make test-cross ARCH=mipsel LINK=dynamic   the same for the OpenWrt package's dynamic build
#   make format / format-check
#
# For packagers (as wireguard-tools' src/Makefile): CC, AR, PKG_CONFIG, CFLAGS,
# CPPFLAGS and LDFLAGS come from the environment or the command line and are
# added to, not replaced (dpkg-buildflags' hardening applies).  CROSS=prefix
# (mipsel-linux-gnu-) picks $(CROSS)gcc, $(CROSS)ar and $(CROSS)pkg-config
# unless CC, AR or PKG_CONFIG are given.  WERROR=1 turns warnings into errors
# (make test and CI do); V=1 prints whole command lines.  Only make deps,
# make demo and make test install packages; make never does.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
FUZZ_SECONDS ?= 60

# make's built-in defaults (cc, ar) give way to the cross toolchain.
CROSS ?=
ifeq ($(origin CC),default)
CC := $(if $(CROSS),$(CROSS)gcc,cc)
endif
ifeq ($(origin AR),default)
AR := $(CROSS)$(if $(filter 1,$(LTO)),gcc-ar,ar)
endif
PKG_CONFIG ?= $(CROSS)pkg-config

# STATIC=1: one self-contained program per binary, for a router or any
# machine without the libraries (with CC=musl-gcc, or the cross musl that
# ext/musl.sh builds: build-mipsel/musl/bin/musl-gcc).  DEPS_PREFIX=dir: the libraries come from dir
# (built by ext/libs.sh from Debian's source packages), not the system.
ifeq ($(STATIC),1)
# One section per function and object, here and in what ext/libs.sh builds:
# the linker keeps only what is used.
override LDFLAGS += -static -Wl,--gc-sections
STATIC_CFLAGS := -ffunction-sections -fdata-sections
PKG_STATIC := --static
endif
ifneq ($(DEPS_PREFIX),)
DEPS_DIR := $(abspath $(DEPS_PREFIX))
override PKG_CONFIG := PKG_CONFIG_LIBDIR=$(DEPS_DIR)/lib/pkgconfig $(PKG_CONFIG)
DEPS_CPPFLAGS := -I$(DEPS_DIR)/include
override LDFLAGS += -L$(DEPS_DIR)/lib
endif

# The version lives in VERSION alone; osdep/version.c is built with it.
VERSION := $(shell cat VERSION 2>/dev/null)

ifeq ($(SAN),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT ?= -O1 -g
else
B := build
SANFLAGS :=
OPT ?= -O2 -g
endif

# LTO=1: link-time optimisation, one section per function and object and
# --gc-sections: the smallest programs (a router's flash, doc/footprint.md).
# The code is generated at the link, so the link is given the compile's
# -O and CFLAGS too; the archives are made with gcc-ar (its plugin indexes
# the LTO objects) unless AR is given.
ifeq ($(LTO),1)
SIZE_CFLAGS := -flto=auto -ffunction-sections -fdata-sections
override LDFLAGS += -flto=auto -Wl,--gc-sections $(OPT) $(CFLAGS)
endif
# MIPS16=1: zt's own code in MIPS16e, the 16-bit encoding of the MIPS32
# cores of common routers (24K, 74K, 1004K): ztd a quarter smaller.
# -minterlink-mips16: calls to and from the libraries' MIPS32 code.
ifeq ($(MIPS16),1)
SIZE_CFLAGS += -mips16 -minterlink-mips16
override LDFLAGS += -mips16 -minterlink-mips16
endif

ifeq ($(V),1)
Q_CC :=
Q_LD :=
Q_AR :=
else
Q_CC = @echo "  CC      $@";
Q_LD = @echo "  LD      $@";
Q_AR = @echo "  AR      $@";
endif

PKGS := libsodium jansson
# SQLite and PostgreSQL's libpq only for the controller (and the tests and
# simulator that run it).
# PG=0 builds the controller without libpq (a router's cross build): --db
# postgres:// is then refused with the reason (controller/store_nopg.c).
ifeq ($(PG),0)
CTL_PKGS := sqlite3
else
CTL_PKGS := sqlite3 libpq
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) $(CTL_PKGS) miniupnpc 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) $(PKG_STATIC) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wwrite-strings -Wvla -Wformat=2
ifeq ($(WERROR),1)
WARN += -Werror
endif
# The caller's CPPFLAGS and CFLAGS come last: their -O and -g win.
CFLAGS_COMMON := -std=c11 $(OPT) $(STATIC_CFLAGS) $(SIZE_CFLAGS) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) $(DEPS_CPPFLAGS) -MMD -MP -I. -Inode \
	$(CPPFLAGS) $(CFLAGS)
# node/ is portable C11; the shells use Linux and GNU interfaces.
CFLAGS_NODE := $(CFLAGS_COMMON) -D_POSIX_C_SOURCE=200809L
CFLAGS_OS := $(CFLAGS_COMMON) -D_GNU_SOURCE
# override: a LDFLAGS given on the command line is added to as well.
override LDFLAGS += $(SANFLAGS)
LIBS := $(PKG_LIBS) -lpthread
# 32-bit MIPS and ARM do the crypto pipeline's 64-bit atomics in libatomic.
ifneq ($(filter mips-% mipsel-% arm-%,$(shell $(CC) -dumpmachine 2>/dev/null)),)
LIBS += -latomic
endif
CTL_LIBS := $(shell $(PKG_CONFIG) $(PKG_STATIC) --libs $(CTL_PKGS) 2>/dev/null)
# ztd asks the home router for port mappings (osdep/portmap.c).  libnatpmp
# ships no .pc file; miniupnpc does (older ones did not: the plain -l then).
# NATPMP=0 builds without libnatpmp (UPnP-IGD only), where it cannot be had.
PORTMAP_LIBS := $(or $(shell $(PKG_CONFIG) $(PKG_STATIC) --libs miniupnpc 2>/dev/null),-lminiupnpc)
ifeq ($(NATPMP),0)
$(B)/osdep/portmap.o: CFLAGS_OS += -DZT_NO_NATPMP
else
PORTMAP_LIBS += -lnatpmp
endif
# ztd's names responder parses and builds DNS messages with ldns
# (service/dns.c); its .pc file is ldns.pc, the plain -l without one.
# NO_DNS=1 builds ztd without the responder (service/daemon_nodns.c) and
# without ldns: a router's build (doc/footprint.md).
ifeq ($(NO_DNS),1)
DNS_LIBS :=
else
PKG_CFLAGS += $(shell $(PKG_CONFIG) --cflags ldns 2>/dev/null)
DNS_LIBS := $(or $(shell $(PKG_CONFIG) $(PKG_STATIC) --libs ldns 2>/dev/null),-lldns)
endif

NODE_SRCS := $(wildcard node/*.c)
OSDEP_SRCS := $(wildcard osdep/*.c)
ZTD_SRCS := $(filter-out service/cli%.c,$(wildcard service/*.c))
ifeq ($(NO_DNS),1)
ZTD_SRCS := $(filter-out service/dns.c service/daemon_dns.c,$(ZTD_SRCS))
else
ZTD_SRCS := $(filter-out service/daemon_nodns.c,$(ZTD_SRCS))
endif
CLI_SRCS := $(wildcard service/cli*.c)
ROOT_SRCS := $(wildcard root/*.c)
# controller/: libztctl.a (logic, store, API) + the program's main.
CTL_LIB_SRCS := $(filter-out controller/main.c controller/ctld.c controller/invite.c \
	controller/rulescmd.c controller/adduser.c controller/zimportcmd.c,$(wildcard controller/*.c))
ifeq ($(PG),0)
CTL_LIB_SRCS := $(filter-out controller/store_pg.c controller/store_pg_%.c,$(CTL_LIB_SRCS))
$(B)/test/unit/ctl_store_test.o: CFLAGS_NODE += -DZT_NO_PG
else
CTL_LIB_SRCS := $(filter-out controller/store_nopg.c,$(CTL_LIB_SRCS))
endif
# The rules language compiler, in libztctl and alone in rulesc_test and the
# fuzz target; not rulescmd.c, zt-controller's command that calls it.
RULESC_SRCS := controller/rulesc.c $(wildcard controller/rulesc_*.c)
CTL_SRCS := controller/main.c controller/ctld.c controller/invite.c controller/rulescmd.c \
	controller/adduser.c controller/zimportcmd.c
# The web UI's files (controller/ui/), built into the controller as C arrays.
UI_FILES := controller/ui/index.html controller/ui/ui.css controller/ui/ui.js controller/ui/favicon.svg
UNIT_SRCS := $(wildcard test/unit/*_test.c)
ifeq ($(NO_DNS),1)
UNIT_SRCS := $(filter-out test/unit/dns_test.c,$(UNIT_SRCS))
endif
SIM_SRCS := $(filter-out test/sim/sim_main.c,$(wildcard test/sim/*.c))

NODE_OBJS := $(NODE_SRCS:%.c=$(B)/%.o)
OSDEP_OBJS := $(OSDEP_SRCS:%.c=$(B)/%.o)
ZTD_OBJS := $(ZTD_SRCS:%.c=$(B)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/%.o)
ROOT_OBJS := $(ROOT_SRCS:%.c=$(B)/%.o)
CTL_LIB_OBJS := $(CTL_LIB_SRCS:%.c=$(B)/%.o) $(B)/gen/ui_assets.o
CTL_OBJS := $(CTL_SRCS:%.c=$(B)/%.o)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(B)/test/%)
SIM_BIN := $(B)/test/zt-sim

PROGS := $(B)/ztd $(B)/zt-cli $(B)/zt-root $(B)/zt-controller

.PHONY: all deps test test-unit test-e2e nat-matrix pktpath-bench shellcost-bench shellcost-rules-bench demo fuzz \
	fuzz-smoke install uninstall clean format format-check check-layering bench dos-bench \
	ctl-bench tsan deb package-test compat cross cross-deps test-cross tests node-tests ci-cross
all: $(PROGS) $(B)/libztnode.a

# DEPS=build (default), test, demo, package, bench, pktpath, cross or
# cross-dyn (these two with ARCH=).
DEPS ?= build
deps:
	@sh ext/deps.sh $(DEPS)

$(B)/node/%.o: node/%.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(CFLAGS_NODE) -c -o $@ $<
$(B)/test/unit/%.o: test/unit/%.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(CFLAGS_NODE) -c -o $@ $<
$(B)/test/sim/%.o: test/sim/%.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(CFLAGS_NODE) -c -o $@ $<
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(CFLAGS_OS) -c -o $@ $<
# The version comes from VERSION alone (or make VERSION=, as debian/rules
# does): a new one rewrites version.stamp, which rebuilds this object.
$(B)/version.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
$(B)/osdep/version.o: $(B)/version.stamp
$(B)/osdep/version.o: CFLAGS_OS += -DZT_VERSION='"$(VERSION)"'
.PHONY: FORCE
FORCE:

$(B)/libztnode.a: $(NODE_OBJS)
	@rm -f $@
	$(Q_AR)$(AR) rcs $@ $^
$(B)/libztos.a: $(OSDEP_OBJS)
	@rm -f $@
	$(Q_AR)$(AR) rcs $@ $^

$(B)/ztd: $(ZTD_OBJS) $(B)/libztos.a $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $(ZTD_OBJS) $(B)/libztos.a $(B)/libztnode.a $(LIBS) $(PORTMAP_LIBS) \
		$(DNS_LIBS)
$(B)/zt-cli: $(CLI_OBJS) $(B)/libztos.a $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libztos.a $(B)/libztnode.a $(LIBS)
$(B)/zt-root: $(ROOT_OBJS) $(B)/libztos.a $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $(ROOT_OBJS) $(B)/libztos.a $(B)/libztnode.a $(LIBS)

$(B)/gen/ui_assets.c: $(UI_FILES) controller/ui/embed.sh
	@mkdir -p $(dir $@)
	@sh controller/ui/embed.sh $(UI_FILES) > $@.tmp && mv $@.tmp $@
$(B)/gen/ui_assets.o: $(B)/gen/ui_assets.c
	$(Q_CC)$(CC) $(CFLAGS_OS) -c -o $@ $<

$(B)/libztctl.a: $(CTL_LIB_OBJS)
	@rm -f $@
	$(Q_AR)$(AR) rcs $@ $^
$(B)/zt-controller: $(CTL_OBJS) $(B)/libztctl.a $(B)/libztos.a $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CTL_LIBS)

$(B)/test/%_test: $(B)/test/unit/%_test.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# cookie_test, hsguard_test: the public-key work a node does is counted
# through wrappers (test/unit/hsattack.h).
HS_WRAP := -Wl,--wrap=crypto_pwhash,--wrap=crypto_scalarmult
$(B)/test/cookie_test $(B)/test/hsguard_test: $(B)/test/%: $(B)/test/unit/%.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) $(HS_WRAP) -o $@ $^ $(LIBS)
# tcp_test, httpd_test, metrics_test: shell modules (osdep/), the first two on
# real loopback sockets.
OSDEP_TESTS := tcp_test httpd_test metrics_test
$(OSDEP_TESTS:%=$(B)/test/unit/%.o): $(B)/test/unit/%.o: test/unit/%.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(CFLAGS_OS) -c -o $@ $<
$(OSDEP_TESTS:%=$(B)/test/%): $(B)/test/%: $(B)/test/unit/%.o $(B)/libztos.a $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# ctl_*_test: the controller's tests (store, policy, API) also link libztctl.
$(B)/test/ctl_%_test: $(B)/test/unit/ctl_%_test.o $(B)/libztctl.a $(B)/libztos.a \
		$(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CTL_LIBS)
# rulesc_test: the rules language compiler alone (controller/rulesc*.c).
$(B)/test/rulesc_test: $(B)/test/unit/rulesc_test.o $(RULESC_SRCS:%.c=$(B)/%.o) $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# netapply_test: ztd's config filtering (service/netapply.c).
$(B)/test/netapply_test: $(B)/test/unit/netapply_test.o $(B)/service/netapply.o $(B)/libztos.a \
		$(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# dns_test: ztd's names responder (service/dns.c, ldns).
$(B)/test/dns_test: $(B)/test/unit/dns_test.o $(B)/service/dns.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(DNS_LIBS)
# zt-sim counts each node's public-key and Argon2id work (test/sim/pkcount.h).
SIM_WRAP := -Wl,--wrap=crypto_pwhash,--wrap=crypto_scalarmult,--wrap=crypto_scalarmult_base \
	-Wl,--wrap=crypto_sign_verify_detached,--wrap=crypto_sign_detached
$(SIM_BIN): $(SIM_SRCS:%.c=$(B)/%.o) $(B)/libztctl.a $(B)/libztos.a $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) $(SIM_WRAP) -o $@ $^ $(LIBS) $(CTL_LIBS)

# The NAT lab's NFQUEUE delay/jitter/loss helper (test/netlab/netlab.sh).
NETLAB_BINS := $(B)/test/ztqdelay
$(B)/test/ztqdelay: test/netlab/ztqdelay.c
	@mkdir -p $(dir $@)
	$(Q_LD)$(CC) $(CFLAGS_OS) $(LDFLAGS) -o $@ $< $$($(PKG_CONFIG) --libs libnetfilter_queue)

# ---- tests ----
# test/run.sh runs every test program and script and prints the totals last.
test:
	@sh ext/deps.sh test
	@$(MAKE) --no-print-directory WERROR=1 all $(UNIT_BINS) $(SIM_BIN) $(NETLAB_BINS) fuzz-build
	@B=$(B) sh test/run.sh

# The unit tests' and the simulator's programs; node-tests: the core's unit
# tests alone (they link libsodium, nothing else of the shells).
NODE_UNIT_BINS = $(filter-out $(OSDEP_TESTS:%=$(B)/test/%) $(B)/test/ctl_%_test \
	$(B)/test/rulesc_test $(B)/test/netapply_test $(B)/test/dns_test,$(UNIT_BINS))
tests: $(UNIT_BINS) $(SIM_BIN)
node-tests: $(NODE_UNIT_BINS)

test-unit: $(UNIT_BINS) $(SIM_BIN)
	@B=$(B) ZT_SKIP_E2E=1 ZT_SKIP_FUZZ=1 sh test/run.sh

test-e2e: all $(NETLAB_BINS)
	@B=$(B) ZT_ONLY=e2e sh test/run.sh

# ZeroTier One's own zerotier-cli (1.14) against ztd, every command, a
# PASS/FAIL table (root).  Not part of `make test`: the real CLI is built
# from ZeroTier's tree, not here (see test/compat/zerotier-cli.sh).
compat: all
	@test -n "$(ZEROTIER_CLI)" || { echo "usage: make compat ZEROTIER_CLI=/path/to/zerotier-cli"; exit 2; }
	@ZT_DEPS_CHECK=1 sh ext/deps.sh test
	@B=$(B) ZEROTIER_CLI="$(ZEROTIER_CLI)" bash test/compat/zerotier-cli.sh

# Every pair of NAT kinds in the NAT lab (about 6 minutes, root): the report
# goes to build/nat-matrix.md (copy it to doc/nat-matrix.md to publish it).
# NAT_MATRIX_ONLY="sym-upnp" runs one row (test/netlab/nat-matrix.sh).
nat-matrix: all $(NETLAB_BINS)
	@ZT_DEPS_CHECK=1 sh ext/deps.sh test
	@B=$(B) bash test/netlab/nat-matrix.sh > $(B)/nat-matrix.md; rc=$$?; \
		cat $(B)/nat-matrix.md; exit $$rc

demo:
	@sh ext/deps.sh demo
	@$(MAKE) --no-print-directory all
	@B=$(B) sh test/e2e/demo.sh

# ---- router builds: static programs for another architecture ----
# make cross ARCH=mipsel       build-mipsel/ztd, zt-cli, zt-root, zt-controller
# make test-cross ARCH=mipsel  the same, then the unit tests and the simulator
#                              under qemu-user (make deps DEPS=cross ARCH=... first)
# Every ARCH links musl statically: for mipsel, mips, arm and aarch64 the
# musl that ext/musl.sh builds from Debian's musl source package with
# Debian's cross compiler (build-ARCH/musl/bin/musl-gcc); for x86_64 Debian's
# own musl-gcc (musl-tools), run natively.  The libraries are those
# ext/libs.sh builds from Debian's source packages into build-ARCH/deps, at
# -Os.  CROSS_LIBS: which of them (the tests need libsodium, jansson and
# SQLite alone); CROSS_OPT: the compiler's -O (-Os: a router's flash).
# make CROSS=mipsel-linux-gnu- DEPS_PREFIX=... is the same build by hand
# against the cross glibc, dynamic unless STATIC=1.
#
# LINK=dynamic (make cross / test-cross ARCH=mipsel LINK=dynamic): the build
# an OpenWrt package makes (openwrt/Makefile), into build-ARCH-dyn/: Debian's
# cross gcc and glibc, linked against the shared libsodium, jansson,
# miniupnpc and libnatpmp of Debian's multiarch packages for the target
# (libsodium-dev:mipsel..., found by pkg-config in /usr/lib/TRIPLET/pkgconfig;
# make deps DEPS=cross-dyn ARCH=mipsel installs them), -Os, NO_DNS=1, LTO=1
# (with --gc-sections) and, on MIPS, MIPS16=1.  The tests run under
# qemu-user with the target's loader and libraries from the same packages
# (/lib/ld.so.1 of libc6:mipsel).  SQLite, for the controller's code in the
# tests alone, is the target's runtime library with the build machine's
# sqlite3.h (ext/deps.sh says why).
CROSS_mipsel := mipsel-linux-gnu-
CROSS_mips := mips-linux-gnu-
CROSS_arm := arm-linux-gnueabihf-
CROSS_aarch64 := aarch64-linux-gnu-
QEMU_mips := qemu-mips
QEMU_mipsel := qemu-mipsel
QEMU_arm := qemu-arm
QEMU_aarch64 := qemu-aarch64
CROSS_OPT ?= -Os -g
ifeq ($(LINK),dynamic)
XB = build-$(ARCH)-dyn
X_MAKE = $(MAKE) --no-print-directory B=$(XB) CC=$(CROSS_$(ARCH))gcc AR=$(CROSS_$(ARCH))gcc-ar \
	PKG_CONFIG='PKG_CONFIG_LIBDIR=/usr/lib/$(patsubst %-,%,$(CROSS_$(ARCH)))/pkgconfig pkg-config' \
	OPT='$(CROSS_OPT)' NO_DNS=1 LTO=1 $(if $(filter mips mipsel,$(ARCH)),MIPS16=1) PG=0 \
	CTL_LIBS=-l:libsqlite3.so.0 WERROR=$(or $(WERROR),1)
else
XB = build-$(ARCH)
X_CC = $(if $(filter x86_64,$(ARCH)),musl-gcc,$(abspath build-$(ARCH)/musl)/bin/musl-gcc)
X_AR = $(if $(filter x86_64,$(ARCH)),ar,$(CROSS_$(ARCH))ar)
X_MAKE = $(MAKE) --no-print-directory B=build-$(ARCH) CC=$(X_CC) AR=$(X_AR) STATIC=1 \
	OPT='$(CROSS_OPT)' DEPS_PREFIX=build-$(ARCH)/deps WERROR=$(or $(WERROR),1) PG=0 \
	$$(test -f build-$(ARCH)/deps/lib/libnatpmp.a || echo NATPMP=0) \
	$$(test -f build-$(ARCH)/deps/lib/libldns.a || echo NO_DNS=1)
endif

cross-deps:
	@test -n "$(CROSS_$(ARCH))$(filter x86_64,$(ARCH))" || \
		{ echo "ARCH=mipsel, mips, arm, aarch64 or x86_64" >&2; exit 2; }
ifeq ($(LINK),dynamic)
	@ZT_DEPS_CHECK=1 ARCH=$(ARCH) sh ext/deps.sh cross-dyn
else
	@ZT_DEPS_CHECK=1 ARCH=$(ARCH) sh ext/deps.sh cross
	@$(if $(CROSS_$(ARCH)),sh ext/musl.sh $(CROSS_$(ARCH)) build-$(ARCH)/musl build-$(ARCH)/src,:)
	@ZT_LIBS_OPT=-Os $(if $(CROSS_LIBS),ZT_LIBS='$(CROSS_LIBS)') \
		sh ext/libs.sh $(X_CC) build-$(ARCH)/deps build-$(ARCH)/src
endif

cross: cross-deps
	+@$(X_MAKE) all $(XB)/bench/footprint

# CROSS_TESTS=node: builds the core's unit tests alone and runs no
# simulator, even one built before (test/run.sh runs every unit test
# program in the build directory: the shells' built before run too).
# Under qemu-user a subset: ZT_SKIP_UNIT (test/run.sh), ZT_SIM_ONLY
# (test/sim/main.c).  CI's stage for the router builds (test/ci-cross.sh),
# under qemu-user: static mipsel, every test; the subset for mipsel
# LINK=dynamic and big-endian mips (make deps DEPS=cross ARCH=mipsel,
# DEPS=cross-dyn ARCH=mipsel and DEPS=cross ARCH=mips install what it needs).
ci-cross:
	@sh test/ci-cross.sh

test-cross: cross-deps
	+@$(X_MAKE) $(if $(filter node,$(CROSS_TESTS)),node-tests,tests)
	@B=$(XB) ZT_RUN=$(QEMU_$(ARCH)) ZT_SKIP_E2E=1 ZT_SKIP_FUZZ=1 \
		$(if $(filter node,$(CROSS_TESTS)),ZT_ONLY=unit) sh test/run.sh

# ---- fuzzing (clang/libFuzzer) ----
FUZZ_SRCS := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:test/fuzz/%.c=build-fuzz/%)
FUZZ_CC ?= clang
COMMA := ,
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-I. -Inode $(PKG_CFLAGS) -DZT_VERSION='"$(VERSION)"'
FUZZ_LIB_SRCS := $(NODE_SRCS) osdep/http.c osdep/apijson.c osdep/rulesjson.c osdep/version.c service/api_json.c controller/ctl_json.c controller/ctl_rules.c \
	controller/ctl.c controller/policy.c $(wildcard controller/capi*.c) $(wildcard controller/store_sqlite*.c) \
	controller/store_index.c controller/zimport.c
# The web UI (fuzz_ui): its server side and its files, generated as in $(B).
FUZZ_LIB_SRCS += controller/ui.c controller/uisess.c build-fuzz/gen/ui_assets.c

# The rules compiler (capi.c compiles a network's rulesSource).
FUZZ_LIB_SRCS += $(RULESC_SRCS)
# ctl.c's caches and rate limits.
FUZZ_LIB_SRCS += controller/ctl_cache.c controller/ctl_rate.c
# ztd's names responder (fuzz_dns).
FUZZ_LIB_SRCS += service/dns.c

# The library is compiled once (instrumented for coverage, without
# libFuzzer's main) and linked into every target: compiling it again for
# each of the targets cost minutes of every `make test`.
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=build-fuzz/obj/%.o)
FUZZ_OBJ_CFLAGS := $(subst -fsanitize=fuzzer$(COMMA),-fsanitize=fuzzer-no-link$(COMMA),$(FUZZ_CFLAGS))

build-fuzz/gen/ui_assets.c: $(UI_FILES) controller/ui/embed.sh
	@mkdir -p $(dir $@)
	@sh controller/ui/embed.sh $(UI_FILES) > $@.tmp && mv $@.tmp $@

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(FUZZ_CC) $(FUZZ_OBJ_CFLAGS) -MMD -MP -c -o $@ $<

build-fuzz/%: test/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p build-fuzz/obj
	$(Q_LD)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -MF build-fuzz/obj/$*.d -o $@ $< \
		$(FUZZ_LIB_OBJS) $(PKG_LIBS) $(CTL_LIBS) $(DNS_LIBS)

fuzz-build:
	@if command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(FUZZ_BINS); \
	else echo "fuzz: $(FUZZ_CC) not found, skipping fuzz build"; fi

fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); mkdir -p build-fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		seeds=; [ -d test/fuzz/corpus/$$n ] && seeds=test/fuzz/corpus/$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/corpus/$$n \
			$$seeds 2>&1 | tail -n 2 || exit 1; \
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
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# bench/footprint: every bounded table's entry size times its bound (doc/footprint.md);
# for a router: make cross ARCH=mipsel, then qemu-mipsel build-mipsel/bench/footprint.
$(B)/bench/footprint: $(B)/bench/footprint.o
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^

# rulesrate: what the rules engine costs per frame (not part of bench/run.sh).
$(B)/bench/rulesrate: $(B)/bench/rulesrate.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

bench: all $(B)/bench/hsrate
	@bash bench/run.sh

# make dos-bench: a real zt-root under floods (bench/dos.sh, as root).
$(B)/bench/rekeyer: $(B)/bench/rekeyer.o $(B)/bench/hsclient.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(B)/bench/dosgen: $(B)/bench/dosgen.o $(B)/bench/hsclient.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

dos-bench: all $(B)/bench/rekeyer $(B)/bench/dosgen
	@bash bench/dos.sh

# make ctl-bench: the controller with 10,000 members (bench/ctl.sh, no root).
$(B)/bench/ctlapi: $(B)/bench/ctlapi.o
	$(CC) $(LDFLAGS) -o $@ $^

# ctlpush runs the controller logic on the simulator's nodes (test/sim).
$(B)/bench/ctlpush: $(B)/bench/ctlpush.o $(filter-out $(B)/test/sim/main.o,$(SIM_SRCS:%.c=$(B)/%.o)) \
		$(B)/libztctl.a $(B)/libztos.a $(B)/libztnode.a
	$(CC) $(LDFLAGS) $(SIM_WRAP) -o $@ $^ $(LIBS) $(CTL_LIBS)

# DB=pg: on a private PostgreSQL (test/pgtmp.sh) instead of a SQLite file.
ctl-bench: $(B)/zt-controller $(B)/bench/ctlapi $(B)/bench/ctlpush
	@B=$(B) $(if $(filter pg,$(DB)),CTL_PG=1) bash bench/ctl.sh

# make pktpath-bench: the core's instructions per 64-byte packet, root and
# two members in one process, counted by callgrind (bench/pktpath.c).
$(B)/bench/pktpath: $(B)/bench/pktpath.o $(B)/libztnode.a
	$(Q_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

pktpath-bench: $(B)/bench/pktpath
	@ZT_DEPS_CHECK=1 sh ext/deps.sh pktpath
	@bash bench/pktpath.sh $(B)/bench/pktpath

# make shellcost-bench: ztd's whole per-packet instruction count (shell and
# core), two ztd under callgrind in the bench lab (bench/shellcost.sh, root).
shellcost-bench: all
	@ZT_DEPS_CHECK=1 sh ext/deps.sh pktpath
	@bash bench/shellcost.sh $(B)

# make shellcost-rules-bench: the same on an ad-hoc network, a controller's
# network without rules and one with bench/rules50.zt, in one run.
shellcost-rules-bench: all
	@ZT_DEPS_CHECK=1 sh ext/deps.sh pktpath
	@bash bench/shellcost.sh rules $(B)

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
		$(DESTDIR)$(BINDIR)/zt-cli $(DESTDIR)$(MANDIR)/man8/ztd.8 \
		$(DESTDIR)$(MANDIR)/man8/zt-root.8 $(DESTDIR)$(MANDIR)/man8/zt-controller.8 \
		$(DESTDIR)$(MANDIR)/man1/zt-cli.1

# ---- Debian packages ----
# make deb: the .debs of debian/ built from a copy of the tree in build/deb/src
# (dpkg-buildpackage cleans its tree and writes to its parent: build/deb/).
# DEB_BUILD_OPTIONS=nocheck skips the unit tests that the build runs.
deb:
	@ZT_DEPS_CHECK=1 sh ext/deps.sh package
	@rm -rf build/deb && mkdir -p build/deb/src
	@tar -cf - --exclude=./build --exclude=./build-san --exclude=./build-fuzz \
		--exclude=./build-tsan --exclude=./.git . | tar -C build/deb/src -xf -
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	@ls -l build/deb/*.deb

# make package-test: build, install into a scratch root with dpkg --root (no
# systemd, no chroot), check, upgrade, remove, purge (test/package/).
package-test:
	@ZT_DEPS_CHECK=1 sh ext/deps.sh package
	@sh test/package/package-test.sh

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
	rm -rf build build-san build-fuzz build-mipsel build-mips build-arm build-aarch64 build-x86_64 \
		build-mipsel-dyn build-mips-dyn build-arm-dyn build-aarch64-dyn

-include $(shell find $(sort build build-san build-fuzz $(B)) -name '*.d' -type f 2>/dev/null)
