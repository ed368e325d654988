# credpass: the one entry point.
#
#   make            user space: test suites (ours and upstream's), demo, tools,
#                   host unit tests
#   make kernel     the test kernel (build/kernel/obj/arch/x86/boot/bzImage)
#   make vm         kernel + initramfs: what tests/vm/run boots
#   make kernel-debug  the debug kernel (build/kernel-debug/obj/...)
#   make check      host unit tests + our suites and the upstream kselftests
#                   on the test kernel + our suites on the debug kernel
#   make demo       boot the VM and show SO_PEERCRED across namespaces
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
ifndef CREDPASS_DEPS_DONE
ifneq ($(shell scripts/deps.sh >&2 && echo ok),ok)
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

# --- in-VM test suites: every tests/selftests/*.c is one suite -------------
SELFTEST_SRCS := $(sort $(wildcard tests/selftests/*.c))
SELFTEST_HDRS := $(wildcard tests/selftests/*.h)
SUITES := $(patsubst tests/selftests/%.c,%,$(SELFTEST_SRCS))
SUITE_BINS := $(addprefix $(B)/tests/,$(SUITES))
UAPI_HDRS := $(shell find include/uapi -name '*.h' 2>/dev/null)

$(B)/tests/%: tests/selftests/%.c $(SELFTEST_HDRS) $(UAPI_HDRS) $(KDIR)/prepared.stamp
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) $(UAPI) $(KSFT) -o $@ $< -lcap -lpthread

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
GUEST_TOOLS := $(B)/vm/credpass-exit $(B)/vm/credpass-timeout $(DEMO_BINS) $(EXAMPLE_BINS)

$(B)/vm/credpass-exit $(B)/vm/credpass-timeout: $(B)/vm/%: tests/vm/%.c
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) -o $@ $<

$(B)/demo/%: tests/demo/%.c $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) $(UAPI) -o $@ $< -lcap -lpthread

MAN_PAGES := $(sort $(wildcard man/*.[0-9]))
# Compiled as a user would: libc and the header `make install` puts in
# place (staged under build/stage), nothing else of ours.
STAGE := $(B)/stage
STAGED_HDR := $(STAGE)/usr/include/linux/credpass.h
$(STAGED_HDR): include/uapi/linux/credpass.h $(MAN_PAGES)
	@$(MAKE) install DESTDIR=$(abspath $(STAGE)) PREFIX=/usr >/dev/null

$(B)/examples/%: tests/examples/%.c $(STAGED_HDR)
	@mkdir -p $(@D)
	$(CC) -static -O2 -g $(WARN) -I $(STAGE)/usr/include -o $@ $<

# --- initramfs ------------------------------------------------------------------
$(B)/vm/initramfs.list: FORCE
	@mkdir -p $(@D)
	@scripts/mkinitramfs.sh $@ $(SUITE_BINS) -- $(GUEST_TOOLS) \
		-- $(UPSTREAM_LIST) $(B)/upstream $(UPSTREAM_FILES)

$(B)/vm/initramfs.cpio: $(B)/vm/initramfs.list $(B)/tools/gen_init_cpio \
		$(SUITE_BINS) $(GUEST_TOOLS) $(UPSTREAM_BINS) $(UPSTREAM_LIST) \
		tests/vm/init tests/vm/run-suites \
		tests/vm/passwd tests/vm/group /bin/busybox
	$(B)/tools/gen_init_cpio $< >$@

.PHONY: vm
vm: $(KDIR)/kernel.stamp $(B)/vm/initramfs.cpio

# --- host unit tests: tests/unit/*.c, cmocka, plain and ASan/UBSan ----------------
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))
UNIT_LIB_SRCS := tools/tap.c
UNIT_LIB_HDRS := tools/tap.h
UNIT_BINS := $(addprefix $(B)/unit/,$(UNIT_NAMES)) \
	$(addsuffix -asan,$(addprefix $(B)/unit/,$(UNIT_NAMES)))

$(B)/unit/%: tests/unit/%.c $(UNIT_LIB_SRCS) $(UNIT_LIB_HDRS) $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(UAPI) -o $@ $< $(UNIT_LIB_SRCS) -lcmocka
$(B)/unit/%-asan: tests/unit/%.c $(UNIT_LIB_SRCS) $(UNIT_LIB_HDRS) $(UAPI_HDRS)
	@mkdir -p $(@D)
	$(CC) -O1 -g $(WARN) -D_GNU_SOURCE -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer $(UAPI) \
		-o $@ $< $(UNIT_LIB_SRCS) -lcmocka

# --- make install: the ABI header and the man pages -----------------------------
PREFIX ?= /usr/local

.PHONY: install
install:
	install -D -m 0644 include/uapi/linux/credpass.h \
		$(DESTDIR)$(PREFIX)/include/linux/credpass.h
	@set -e; for m in $(MAN_PAGES); do \
		s=$${m##*.}; \
		echo install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; \
		install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$${m##*/}; \
	done

# --- make series: one git format-patch series (new files, then the hooks) -------
.PHONY: series
series: $(KDIR)/prepared.stamp
	BUILD=$(abspath $(B)) scripts/mkseries.sh $(abspath $(B))/series

# --- top-level targets ---------------------------------------------------------------
.PHONY: all check demo clean
all: $(SUITE_BINS) $(GUEST_TOOLS) $(UPSTREAM_BINS) $(UNIT_BINS) $(B)/tools/tapsum

check: all vm $(DKDIR)/kernel.stamp
	@SUITES="$(SUITES)" UNIT_BINS="$(UNIT_BINS)" scripts/check.sh

demo: all vm
	@CREDPASS_VM_NOBUILD=1 VM_LOG=$(B)/demo/console.log tests/vm/run -- peercred-demo
	@echo
	@echo "=== credgrant: issue, inspect, accept (tests/examples/grant-roundtrip.c) ==="
	@CREDPASS_VM_NOBUILD=1 VM_LOG=$(B)/demo/console.log tests/vm/run -- grant-roundtrip

clean:
	rm -rf $(B)
