# credpass: the one entry point.
#
#   make            user space: libcredpass, test suites (ours and upstream's),
#                   demo, tools, host unit tests, fuzz targets, man page checks
#   make kernel     the test kernel (build/kernel/obj/arch/x86/boot/bzImage)
#   make vm         kernel + initramfs: what tests/vm/run boots
#   make kernel-debug  the debug kernel (build/kernel-debug/obj/...)
#   make check      host unit tests + our suites and the upstream kselftests
#                   on the test kernel + our suites on the debug kernel
#   make demo       boot the VM: SO_PEERCRED across namespaces, then grants
#   make install    ABI header, libcredpass (.so, .a, credpass.pc), man pages
#   make stress     the stress suite alone for DURATION seconds (default 300)
#   make bench      the kernel's costs as ratios, BOOTS VM boots (default 3),
#                   written to bench/results.md
#   make clean      remove build/
#
# Every target first runs scripts/deps.sh (installs missing Debian packages).
# Everything is built under build/.  See README.md for the conventions.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-print-directory

B := build
KDIR := $(B)/kernel
KSRC := $(KDIR)/src
KOBJ := $(KDIR)/obj
BZIMAGE := $(KOBJ)/arch/x86/boot/bzImage
TARBALL := /usr/src/linux-source-6.12.tar.xz
NPROC := $(shell nproc)

# --- dependencies: once per top-level make --------------------------------
# make bench also wants perf (linux-perf) for its profile boot, unless PROFILE=0.
BENCH_DEPS := $(if $(filter bench,$(MAKECMDGOALS)),$(if $(filter 0,$(PROFILE)),,linux-perf))
ifndef CREDPASS_DEPS_DONE
ifneq ($(shell CREDPASS_EXTRA_DEPS="$(BENCH_DEPS)" scripts/deps.sh >&2 && echo ok),ok)
$(error scripts/deps.sh failed: see above)
endif
export CREDPASS_DEPS_DONE := 1
endif

# --- user-space flags -------------------------------------------------------
CC := gcc
WARN := -Wall -Wextra -Werror
CFLAGS := -O2 -g $(WARN) -D_GNU_SOURCE
UAPI := -I include/uapi
# -isystem: kselftest_harness.h itself is not -Wextra clean (unused
# parameters, -Wclobbered); our code still is.
KSFT := -isystem $(KSRC)/tools/testing/selftests

# --- kernel inputs ------------------------------------------------------------
# The one list of overlay roots; scripts/prepare-kernel.sh and
# scripts/mkseries.sh take it from here.
export OVERLAY_ROOTS := include kernel net fs security arch init
OVERLAY_FILES := $(wildcard $(shell git ls-files -- $(OVERLAY_ROOTS) 2>/dev/null))
PATCH_FILES := $(wildcard patches/series patches/*.patch patches/*.diff)
CONFIG_FRAGMENTS := $(sort $(wildcard config/*.config))
KERNEL_INPUTS := $(OVERLAY_FILES) $(PATCH_FILES) $(CONFIG_FRAGMENTS)

.PHONY: FORCE
# A file listing the kernel inputs, rewritten only when the list changes, so
# that removing an overlay file, patch or fragment also triggers a rebuild.
$(KDIR)/inputs.list: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(KERNEL_INPUTS) $(TARBALL) >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(KDIR)/prepared.stamp: $(KDIR)/inputs.list $(OVERLAY_FILES) $(PATCH_FILES) \
		scripts/prepare-kernel.sh $(TARBALL)
	BUILD=$(abspath $(B)) scripts/prepare-kernel.sh
	@touch $@

$(KDIR)/config.stamp: $(KDIR)/prepared.stamp $(CONFIG_FRAGMENTS) scripts/config-kernel.sh
	BUILD=$(abspath $(B)) scripts/config-kernel.sh
	@touch $@

# The kernel's own make decides what to recompile; it is not even started
# when no input changed since the last build.
KMAKE = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	CCACHE_BASEDIR=$(CURDIR) \
	$(MAKE) -C $(KSRC) O=$(abspath $(KOBJ)) ARCH=x86_64 CC="ccache gcc" -j$(NPROC)
$(KDIR)/kernel.stamp: $(KDIR)/config.stamp
	@echo "  KERNEL  building bzImage (log: $(KDIR)/build.log)"
	@set -o pipefail; $(KMAKE) bzImage 2>&1 | tee $(KDIR)/build.log | \
		grep -E '^  (LD|BUILD) +(vmlinux|arch/x86/boot/bzImage)$$| error:|warning:' || true
	@test -f $(BZIMAGE) && ! grep -q -E '^make.*Error|error:' $(KDIR)/build.log || \
		{ tail -n 40 $(KDIR)/build.log; echo "kernel build failed: $(KDIR)/build.log"; exit 1; }
	@touch $@

# The debug kernel (README "Debug kernel"): the same patched tree, the same
# fragments plus config/debug/*.config, its own build directory.
DKDIR := $(B)/kernel-debug
DKOBJ := $(DKDIR)/obj
DBZIMAGE := $(DKOBJ)/arch/x86/boot/bzImage
DEBUG_FRAGMENTS := $(sort $(wildcard config/debug/*.config))

$(DKDIR)/config.stamp: $(KDIR)/prepared.stamp $(CONFIG_FRAGMENTS) $(DEBUG_FRAGMENTS) \
		scripts/config-kernel.sh
	BUILD=$(abspath $(B)) KVARIANT=debug scripts/config-kernel.sh
	@touch $@

DKMAKE = $(subst O=$(abspath $(KOBJ)),O=$(abspath $(DKOBJ)),$(KMAKE))
$(DKDIR)/kernel.stamp: $(DKDIR)/config.stamp
	@echo "  KERNEL  building the debug bzImage (log: $(DKDIR)/build.log)"
	@set -o pipefail; $(DKMAKE) bzImage 2>&1 | tee $(DKDIR)/build.log | \
		grep -E '^  (LD|BUILD) +(vmlinux|arch/x86/boot/bzImage)$$| error:|warning:' || true
	@test -f $(DBZIMAGE) && ! grep -q -E '^make.*Error|error:' $(DKDIR)/build.log || \
		{ tail -n 40 $(DKDIR)/build.log; echo "debug kernel build failed: $(DKDIR)/build.log"; exit 1; }
	@touch $@

.PHONY: kernel kernel-debug kernel-prepare
kernel-prepare: $(KDIR)/prepared.stamp
kernel: $(KDIR)/kernel.stamp
kernel-debug: $(DKDIR)/kernel.stamp

# --- host tools ---------------------------------------------------------------
$(B)/tools/tapsum: tools/tapsum.c tools/tap.c tools/tap.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ tools/tapsum.c tools/tap.c

$(B)/tools/gen_init_cpio: $(KDIR)/prepared.stamp
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $(KSRC)/usr/gen_init_cpio.c

# --- libcredpass: shared and static library, credpass.pc --------------------------
# libcredpass/*.c, public header libcredpass/credpass.h, exports only the
# CREDPASS_1.0 version script's names.  One set of PIC objects makes both
# build/lib/libcredpass.so.* and build/lib/libcredpass.a (what the static
# in-VM suites link).
LIB_VERSION := 1.0.0
LIB_SONAME := libcredpass.so.1
LIB_SRCS := $(sort $(wildcard libcredpass/*.c))
LIB_HDRS := $(wildcard libcredpass/*.h)
LIB_MAP := libcredpass/libcredpass.map
LIBINC := -I libcredpass
LIB_DIR := $(B)/lib
LIB_OBJS := $(patsubst libcredpass/%.c,$(LIB_DIR)/obj/%.o,$(LIB_SRCS))
LIB_A := $(LIB_DIR)/libcredpass.a
LIB_SO := $(LIB_DIR)/libcredpass.so.$(LIB_VERSION)

$(LIB_DIR)/obj/%.o: libcredpass/%.c $(LIB_HDRS) $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC $(UAPI) $(LIBINC) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script=$(LIB_MAP) \
		-Wl,--no-undefined -o $@ $(LIB_OBJS)
	@ln -sf $(@F) $(LIB_DIR)/$(LIB_SONAME)
	@ln -sf $(LIB_SONAME) $(LIB_DIR)/libcredpass.so

# The dynamic symbol table holds exactly the version script's names.
$(LIB_DIR)/exports.ok: $(LIB_SO) $(LIB_MAP)
	@nm -D --defined-only $(LIB_SO) | awk '{ print $$3 }' | sed 's/@.*//' | \
		grep -v '^CREDPASS_' | LC_ALL=C sort >$@.have
	@sed -n 's/^[[:space:]]*\(credpass_[a-z_]*\);/\1/p' $(LIB_MAP) | LC_ALL=C sort >$@.want
	@diff -u $@.want $@.have || { echo "$(LIB_SO): exports differ from $(LIB_MAP)"; exit 1; }
	@rm -f $@.have $@.want
	@touch $@

.PHONY: lib
lib: $(LIB_A) $(LIB_SO) $(LIB_DIR)/exports.ok

# --- in-VM test suites: every tests/selftests/*.c is one suite -------------
SELFTEST_SRCS := $(sort $(wildcard tests/selftests/*.c))
SELFTEST_HDRS := $(wildcard tests/selftests/*.h)
SUITES := $(patsubst tests/selftests/%.c,%,$(SELFTEST_SRCS))
SUITE_BINS := $(addprefix $(B)/tests/,$(SUITES))
UAPI_HDRS := $(shell find include/uapi -name '*.h' 2>/dev/null)

$(B)/tests/%: tests/selftests/%.c $(SELFTEST_HDRS) $(UAPI_HDRS) $(LIB_HDRS) $(LIB_A) \
		$(KDIR)/prepared.stamp
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) $(UAPI) $(LIBINC) $(KSFT) -o $@ $< $(LIB_A) -lcap -lpthread

# --- upstream kselftests: tests/upstream/suites ---------------------------------
# Built from the unpacked tree by each directory's own Makefile (its CFLAGS
# and LDLIBS, lib.mk's rules), static, against this tree's exported UAPI
# headers; see README.md "Upstream kselftests".
UPSTREAM_LIST := tests/upstream/suites
UPSTREAM_BUILT := $(shell awk '$$1 == "run" || $$1 == "file" { print $$2 "/" $$3 }' $(UPSTREAM_LIST))
UPSTREAM_DATA := $(shell awk '$$1 == "data" { print $$2 "/" $$3 }' $(UPSTREAM_LIST))
# "run ... dynamic": linked as its Makefile links it, not static (its
# libraries go into the guest with it)
UPSTREAM_DYNAMIC := $(shell awk '$$1 == "run" && $$5 == "dynamic" { print $$2 "/" $$3 }' $(UPSTREAM_LIST))
UPSTREAM_FILES := $(UPSTREAM_BUILT) $(UPSTREAM_DATA)
UPSTREAM_BINS := $(addprefix $(B)/upstream/,$(UPSTREAM_FILES))
UPSTREAM_HDR := $(B)/upstream/khdr
KSELFTEST_DIR := $(KSRC)/tools/testing/selftests
# ARCH/CROSS_COMPILE/LLVM from the environment would change what lib.mk and
# prctl/Makefile build.
SUBMAKE = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u ARCH -u CROSS_COMPILE -u LLVM $(MAKE)

# The tree's exported UAPI headers.  $(UPSTREAM_HDR).sums changes only when
# their content does, and only then are the programs all rebuilt.
$(UPSTREAM_HDR).stamp: $(KDIR)/prepared.stamp $(if $(wildcard $(UPSTREAM_HDR).sums),,FORCE)
	@mkdir -p $(UPSTREAM_HDR)
	@echo "  HEADERS $(UPSTREAM_HDR)/usr/include (make headers)"
	@$(SUBMAKE) -s -C $(KSRC) O=$(abspath $(UPSTREAM_HDR)) ARCH=x86_64 headers \
		>$(UPSTREAM_HDR).log 2>&1 || { cat $(UPSTREAM_HDR).log; exit 1; }
	@(cd $(UPSTREAM_HDR) && find usr/include -type f -name '*.h' | LC_ALL=C sort | \
		xargs md5sum) >$(UPSTREAM_HDR).sums.new
	@if cmp -s $(UPSTREAM_HDR).sums.new $(UPSTREAM_HDR).sums; then \
		rm -f $(UPSTREAM_HDR).sums.new; \
	else mv -f $(UPSTREAM_HDR).sums.new $(UPSTREAM_HDR).sums; fi
	@touch $@
$(UPSTREAM_HDR).sums: $(UPSTREAM_HDR).stamp ;

# lib.mk decides from the source's time whether to rebuild (-q: quietly ask
# it first), unless the headers changed (-B); V=1: it prints the compiler
# command it runs.  The target is touched so that this rule does not run
# again for a newer prepared.stamp alone.
UPSTREAM_MAKE = $(SUBMAKE) --no-print-directory -C $(KSELFTEST_DIR)/$(patsubst %/,%,$(dir $*)) \
	V=1 OUTPUT=$(abspath $(@D)) USERLDFLAGS=$(if $(filter $*,$(UPSTREAM_DYNAMIC)),,-static) \
	KHDR_INCLUDES="-isystem $(abspath $(UPSTREAM_HDR))/usr/include" $(abspath $@)
$(B)/upstream/%: $(KDIR)/prepared.stamp $(UPSTREAM_HDR).sums
	@mkdir -p $(@D)
	@$(if $(filter %.sums,$?),$(UPSTREAM_MAKE) -B,$(UPSTREAM_MAKE) -q 2>/dev/null || $(UPSTREAM_MAKE))
	@touch $@

# "data" entries (a directory's TEST_FILES): copied from the source directory.
$(addprefix $(B)/upstream/,$(UPSTREAM_DATA)): $(B)/upstream/%: $(KDIR)/prepared.stamp
	@mkdir -p $(@D)
	cp -p $(KSELFTEST_DIR)/$* $@

# --- guest tools and demos (static) --------------------------------------------
DEMO_SRCS := $(sort $(wildcard tests/demo/*.c))
DEMO_BINS := $(patsubst tests/demo/%.c,$(B)/demo/%,$(DEMO_SRCS))
# tests/examples/*.c: user programs built against the ABI header alone.
EXAMPLE_SRCS := $(sort $(wildcard tests/examples/*.c))
EXAMPLE_BINS := $(patsubst tests/examples/%.c,$(B)/examples/%,$(EXAMPLE_SRCS))
BENCH_BIN := $(B)/bench/credbench
GUEST_TOOLS := $(B)/vm/credpass-exit $(B)/vm/credpass-timeout $(DEMO_BINS) $(EXAMPLE_BINS) \
	$(BENCH_BIN)

$(B)/vm/credpass-exit $(B)/vm/credpass-timeout: $(B)/vm/%: tests/vm/%.c
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) -o $@ $<

$(B)/demo/%: tests/demo/%.c $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) $(UAPI) -o $@ $< -lcap -lpthread

# bench/credbench.c: the benchmark make bench runs in the guest (bench/README.md)
$(BENCH_BIN): bench/credbench.c $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) $(UAPI) -o $@ $< -lpthread

MAN_PAGES := $(sort $(wildcard man/*.[0-9]))
# Compiled as a user would: libc and what `make install` puts in place
# (staged under build/stage), found through pkg-config, nothing else of ours.
STAGE := $(B)/stage
STAGE_STAMP := $(STAGE)/.installed
$(STAGE_STAMP): include/uapi/linux/credpass.h $(MAN_PAGES) $(LIB_HDRS) $(LIB_A) $(LIB_SO) \
		libcredpass/credpass.pc.in
	@rm -rf $(STAGE)
	@$(MAKE) install DESTDIR=$(abspath $(STAGE)) PREFIX=/usr >/dev/null
	@touch $@
PKG_CONFIG_STAGE = PKG_CONFIG_SYSROOT_DIR=$(abspath $(STAGE)) \
	PKG_CONFIG_LIBDIR=$(abspath $(STAGE))/usr/lib/pkgconfig pkg-config

$(B)/examples/%: tests/examples/%.c $(STAGE_STAMP)
	@mkdir -p $(@D)
	$(CC) -static -O2 -g $(WARN) -o $@ $< $$($(PKG_CONFIG_STAGE) --cflags --libs --static credpass)

# The EXAMPLES program of libcredpass(3) is tests/examples/libcredpass-example.c,
# character for character; every man page renders without a warning.
$(B)/man/example.ok: man/libcredpass.3 tests/examples/libcredpass-example.c scripts/man-example.sh
	@mkdir -p $(@D)
	@scripts/man-example.sh man/libcredpass.3 | diff -u - tests/examples/libcredpass-example.c || \
		{ echo "man/libcredpass.3: EXAMPLES differs from tests/examples/libcredpass-example.c"; exit 1; }
	@touch $@
$(B)/man/%.ok: man/%
	@mkdir -p $(@D)
	@out=$$(LC_ALL=C.UTF-8 groff -man -ww -z $< 2>&1); \
		if [ -n "$$out" ]; then echo "$$out"; echo "$<: groff warnings"; exit 1; fi
	@touch $@
MAN_OK := $(patsubst man/%,$(B)/man/%.ok,$(MAN_PAGES)) \
	$(if $(wildcard man/libcredpass.3),$(B)/man/example.ok)

# --- fuzz targets: tests/fuzz/NAME.c, libFuzzer (clang), ASan/UBSan ------------
# Seed corpus in tests/fuzz/NAME.corpus/; make check runs each one bounded.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(LIB_HDRS) $(UAPI_HDRS)
	@mkdir -p $(@D)
	clang -O1 -g $(WARN) -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer $(UAPI) $(LIBINC) \
		-o $@ $< $(LIB_SRCS)

# --- initramfs ------------------------------------------------------------------
# The list records each file's mode: what it lists must exist first (order
# only: the list itself is rewritten only when its content changes).
$(B)/vm/initramfs.list: FORCE | $(SUITE_BINS) $(GUEST_TOOLS) $(UPSTREAM_BINS)
	@mkdir -p $(@D)
	@scripts/mkinitramfs.sh $@ $(SUITE_BINS) -- $(GUEST_TOOLS) \
		-- $(UPSTREAM_LIST) $(B)/upstream $(UPSTREAM_FILES)

$(B)/vm/initramfs.cpio: $(B)/vm/initramfs.list $(B)/tools/gen_init_cpio \
		$(SUITE_BINS) $(GUEST_TOOLS) $(UPSTREAM_BINS) $(UPSTREAM_LIST) \
		tests/vm/init tests/vm/run-suites \
		tests/vm/passwd tests/vm/group /bin/busybox \
		$(wildcard tests/vm/audit/*) /sbin/auditd /sbin/auditctl /sbin/ausearch
	$(B)/tools/gen_init_cpio $< >$@

.PHONY: vm
vm: $(KDIR)/kernel.stamp $(B)/vm/initramfs.cpio

# --- host unit tests: tests/unit/*.c, cmocka, plain and ASan/UBSan ----------------
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))
UNIT_LIB_SRCS := tools/tap.c $(LIB_SRCS)
UNIT_LIB_HDRS := tools/tap.h $(LIB_HDRS)
# A test names the functions it mocks in a comment line " * unit-wrap: a b c";
# each becomes -Wl,--wrap=NAME (calls from the library go to __wrap_NAME).
UNIT_WRAP = $$(sed -n 's/^ \* unit-wrap://p' $< | tr ' ' '\n' | sed '/^$$/d; s/^/-Wl,--wrap=/')
UNIT_BINS := $(addprefix $(B)/unit/,$(UNIT_NAMES)) \
	$(addsuffix -asan,$(addprefix $(B)/unit/,$(UNIT_NAMES)))

$(B)/unit/%: tests/unit/%.c $(UNIT_LIB_SRCS) $(UNIT_LIB_HDRS) $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) $(LIBINC) -o $@ $< $(UNIT_LIB_SRCS) $(UNIT_WRAP) -lcmocka
$(B)/unit/%-asan: tests/unit/%.c $(UNIT_LIB_SRCS) $(UNIT_LIB_HDRS) $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) -O1 -g $(WARN) -D_GNU_SOURCE -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer $(UAPI) $(LIBINC) \
		-o $@ $< $(UNIT_LIB_SRCS) $(UNIT_WRAP) -lcmocka

# --- make install: ABI header, libcredpass, credpass.pc, man pages -------------
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib

.PHONY: install
install: $(LIB_A) $(LIB_SO) $(LIB_DIR)/exports.ok
	install -D -m 0644 include/uapi/linux/credpass.h \
		$(DESTDIR)$(PREFIX)/include/linux/credpass.h
	install -D -m 0644 libcredpass/credpass.h $(DESTDIR)$(PREFIX)/include/credpass.h
	install -D -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libcredpass.a
	install -D -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO))
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libcredpass.so
	@mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|$(LIB_VERSION)|' libcredpass/credpass.pc.in \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/credpass.pc
	@set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; \
		echo install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; \
		install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; \
	done

# --- make series: one git format-patch series (new files, then the hooks) -------
.PHONY: series
series: $(KDIR)/prepared.stamp
	BUILD=$(abspath $(B)) scripts/mkseries.sh $(abspath $(B))/series

# --- make series-check: checkpatch on the series, CONFIG_CREDPASS=n ---------------
# checkpatch --strict on every patch; the test kernel's configuration with
# CONFIG_CREDPASS=n built and linked in build/kernel-nocredpass (no credpass
# symbol in it); the structs the series touches as large as in pristine 6.12
# built the same way (build/kernel-pristine).  Not part of `make check`: two
# more kernel builds.
.PHONY: series-check
series-check: series
	@scripts/series-check.sh

# --- make stress: the stress suite alone, as long as asked ----------------------------
# make stress DURATION=600 [SEED=0x...] [PROCS=3] [THREADS=4]: one VM boot
# running tests/selftests/stress.c for DURATION seconds (make check runs it
# for its default 20 s); fails like make check on a kernel BUG, WARNING or
# panic in the console log (build/stress/console.log).
DURATION ?= 300
STRESS_ENV = CREDPASS_STRESS_SECONDS=$(DURATION) $(if $(SEED),CREDPASS_SEED=$(SEED)) \
	$(if $(PROCS),CREDPASS_STRESS_PROCS=$(PROCS)) $(if $(THREADS),CREDPASS_STRESS_THREADS=$(THREADS))
.PHONY: stress
stress: vm
	@mkdir -p $(B)/stress
	@echo "== stress: $(STRESS_ENV) (console log: $(B)/stress/console.log)"
	@set -o pipefail; rc=0; \
	CREDPASS_VM_NOBUILD=1 VM_LOG=$(B)/stress/console.log VM_TIMEOUT=$$(( $(DURATION) + 400 )) \
		tests/vm/run -- env $(STRESS_ENV) /usr/lib/credpass/tests/stress || rc=$$?; \
	if tr -d '\r' <$(B)/stress/console.log | grep -v '^credpass-vm: stderr' | grep -E 'Kernel panic|kernel BUG at|BUG: |Oops|WARNING: |general protection fault|UBSAN:|KASAN:|hung_task'; then \
		echo "stress: kernel problem in $(B)/stress/console.log"; rc=1; fi; \
	exit $$rc

# --- make bench: the kernel's costs, ratios measured in the VM ------------------------
# make bench [BOOTS=3] [PROFILE=1] [BENCH_ARGS=...]: boots the test kernel
# BOOTS times running build/bench/credbench, then once more under perf
# (PROFILE=0: not), prints the table and writes bench/results.md
# (bench/README.md says what each row measures).  Never fails on a figure;
# fails if a boot fails.
BOOTS ?= 3
PROFILE ?= 1
.PHONY: bench
bench: vm
	@BOOTS=$(BOOTS) PROFILE=$(PROFILE) BENCH_ARGS="$(BENCH_ARGS)" scripts/bench.sh

# --- top-level targets ---------------------------------------------------------------
.PHONY: all check demo clean
all: lib $(SUITE_BINS) $(GUEST_TOOLS) $(UPSTREAM_BINS) $(UNIT_BINS) $(FUZZ_BINS) $(MAN_OK) \
	$(B)/tools/tapsum

# Our suites run again on the debug kernel (KASAN, UBSAN, lockdep, kmemleak,
# ...; see README). DEBUG_KERNEL=0 leaves that pass out, for a quick local
# run; CI and a plain `make check` run it.
DEBUG_KERNEL ?= 1
check: all vm $(if $(filter 1,$(DEBUG_KERNEL)),$(DKDIR)/kernel.stamp)
	@DEBUG_KERNEL=$(DEBUG_KERNEL) SUITES="$(SUITES)" UNIT_BINS="$(UNIT_BINS)" FUZZ_BINS="$(FUZZ_BINS)" scripts/check.sh

demo: all vm
	@CREDPASS_VM_NOBUILD=1 VM_LOG=$(B)/demo/console.log tests/vm/run -- peercred-demo
	@echo
	@echo "=== credgrant: issue, inspect, accept (tests/examples/grant-roundtrip.c) ==="
	@CREDPASS_VM_NOBUILD=1 VM_LOG=$(B)/demo/console.log tests/vm/run -- grant-roundtrip
	@echo
	@echo "=== libcredpass: the EXAMPLES program of libcredpass(3) (tests/examples/libcredpass-example.c) ==="
	@CREDPASS_VM_NOBUILD=1 VM_LOG=$(B)/demo/console.log tests/vm/run -- libcredpass-example

clean:
	rm -rf $(B)
