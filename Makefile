# SPDX-License-Identifier: GPL-2.0
#
# rxlane: one build for the kernel module, the BPF objects, their libbpf
# skeletons and the rxlane CLI.
#
#   make            build everything
#   make check      install what is missing, build, run the host and vm
#                   kselftest groups, print "N passed, N failed"
#   make demo       boot the VM and show a NIC with XDP carrying traffic
#   make lint       checkpatch + sparse on the module
#   make bench      benchmarks
#   make check-debug  the vm group on a KASAN/lockdep/kmemleak kernel
#
# KVER defaults to the newest kernel installed under /lib/modules (Debian's
# linux-image-amd64, the guest kernel of the VM), not the running one.

.DELETE_ON_ERROR:

TOP		:= $(CURDIR)
VERSION		:= 0.1.0
GIT_REV		:= $(shell git -C $(TOP) describe --always --dirty 2>/dev/null)
FULL_VERSION	:= $(VERSION)$(if $(GIT_REV),+g$(GIT_REV))

KVER		?= $(shell ls -1 /lib/modules 2>/dev/null | sort -V | tail -n 1)
KDIR		?= /lib/modules/$(KVER)/build
BUILD		:= $(TOP)/build
KSFT_SRC	?= /usr/src/linux-source-6.1.tar.xz

CLANG		?= clang
BPFTOOL		?= bpftool
CC		?= gcc
PKG_CONFIG	?= pkg-config
ARCH_INC	:= /usr/include/$(shell $(CC) -dumpmachine)

BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		   -I$(ARCH_INC) -I$(TOP)/include -I$(TOP)/bpf
USER_CFLAGS	:= -g -O2 -Wall -Wextra -Werror -std=gnu11 \
		   -I$(TOP)/include -I$(TOP)/user \
		   -DRXLANE_VERSION='"$(FULL_VERSION)"' \
		   $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
USER_LDLIBS	:= $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
# The CLI reads policy files: JSON with jansson, YAML with libcyaml; it
# lists XDP attachments with an RTM_GETLINK dump through libmnl.
CLI_LIBS	:= jansson libcyaml libmnl
USER_CFLAGS	+= $(shell $(PKG_CONFIG) --cflags $(CLI_LIBS) 2>/dev/null)
USER_LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(CLI_LIBS) 2>/dev/null || echo -ljansson -lcyaml -lyaml -lmnl)

# BPF programs: bpf/NAME.bpf.c -> bpf/NAME.o -> user/NAME.skel.h
BPF_PROGS	:= rxlane_xdp rxlane_tc rxlane_guard
BPF_OBJS	:= $(patsubst %,bpf/%.o,$(BPF_PROGS))
BPF_SKELS	:= $(patsubst %,user/%.skel.h,$(BPF_PROGS))
BPF_HDRS	:= $(wildcard bpf/*.h include/*.h)

USER_SRCS	:= $(wildcard user/*.c)
# rxlane-cni (user/cni*.c) is the CLI's library with its own main().
CNI_SRCS	:= $(wildcard user/cni*.c)
CLI_SRCS	:= $(filter-out $(CNI_SRCS),$(USER_SRCS))
LIB_SRCS	:= $(filter-out user/rxlane.c,$(CLI_SRCS))
# The plugin links the library as an archive, so that only the objects it
# calls come in: not the CLI's commands, nor the YAML reader
# (policy_yaml.c) and libcyaml/libyaml; --as-needed drops what none of
# them uses. libbpf, libelf, zlib and jansson are linked statically:
# runtimes start the plugin once per call, and each shared object costs
# that start its loading and symbol lookups (performance.rst, "CNI
# plugin, per-call cost"). libmnl and libc stay shared (Debian ships no
# libmnl.a). CNI_STATIC= (empty) links them all shared.
comma		:= ,
CNI_OBJDIR	:= $(BUILD)/cni
CNI_OBJS	:= $(patsubst user/%.c,$(CNI_OBJDIR)/%.o,$(CNI_SRCS))
CNI_ARCHIVE	:= $(CNI_OBJDIR)/librxlane.a
CNI_STATIC	?= libbpf jansson
CNI_LDLIBS	:= -Wl,--as-needed \
		   $(if $(CNI_STATIC),-Wl$(comma)-Bstatic $(shell $(PKG_CONFIG) --static --libs-only-l $(CNI_STATIC) 2>/dev/null || echo -lbpf -lelf -lz -ljansson) -Wl$(comma)-Bdynamic) \
		   $(shell $(PKG_CONFIG) --libs $(filter-out $(CNI_STATIC),libbpf jansson) libmnl 2>/dev/null || echo -lmnl)
CNI_DIR		?= /usr/lib/cni
USER_HDRS	:= $(wildcard user/*.h include/*.h)

KSFT_FILES	:= lib.mk kselftest.h kselftest_harness.h kselftest/runner.sh \
		   kselftest/prefix.pl kselftest/module.sh
KSFT_STAMP	:= selftests/.kselftest-stamp

.PHONY: all module bpf user selftests deps check check-host check-vm lint \
	demo bench clean install help debug-kernel check-debug man

all: module bpf user selftests

help:
	@sed -n '3,16p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/deps.sh

# ---- kernel module -------------------------------------------------------
module:
	@test -d $(KDIR) || { echo "no kernel build tree at $(KDIR): run scripts/deps.sh or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 RXLANE_VERSION='$(FULL_VERSION)' modules

# ---- BPF objects and skeletons -------------------------------------------
bpf: $(BPF_OBJS) $(BPF_SKELS)

bpf/%.o: bpf/%.bpf.c $(BPF_HDRS)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

user/%.skel.h: bpf/%.o
	$(BPFTOOL) gen skeleton $< name $* > $@

# ---- CLI -----------------------------------------------------------------
user: user/rxlane user/rxlane-cni

user/rxlane: $(CLI_SRCS) $(USER_HDRS) $(BPF_SKELS)
	$(CC) $(USER_CFLAGS) -o $@ $(CLI_SRCS) $(USER_LDLIBS)

# The CLI with AddressSanitizer, LeakSanitizer and UBSan, for
# selftests/host/cli_leaks.sh: every command ends with nothing leaked and
# no undefined behaviour. Built with the tests, never installed.
SAN_CLI		:= $(BUILD)/san/rxlane
SAN_CFLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer

$(SAN_CLI): $(CLI_SRCS) $(USER_HDRS) $(BPF_SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(SAN_CFLAGS) -o $@ $(CLI_SRCS) $(USER_LDLIBS)

# The plugin the same way (its libraries shared): cni_plugin.sh runs with
# it from cli_leaks.sh.
SAN_CNI		:= $(BUILD)/san/rxlane-cni

$(SAN_CNI): $(CNI_SRCS) $(LIB_SRCS) $(USER_HDRS) $(BPF_SKELS) $(CNI_OBJDIR)/cni_fp.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(SAN_CFLAGS) -I$(CNI_OBJDIR) -o $@ \
		$(CNI_SRCS) $(LIB_SRCS) $(USER_LDLIBS)

user/rxlane-cni: $(CNI_OBJS) $(CNI_ARCHIVE)
	$(CC) $(USER_CFLAGS) -o $@ $(CNI_OBJS) $(CNI_ARCHIVE) $(CNI_LDLIBS)

$(CNI_ARCHIVE): $(patsubst user/%.c,$(CNI_OBJDIR)/%.o,$(LIB_SRCS))
	rm -f $@
	$(AR) rcs $@ $^

$(CNI_OBJDIR)/%.o: user/%.c $(USER_HDRS) $(BPF_SKELS)
	@mkdir -p $(CNI_OBJDIR)
	$(CC) $(USER_CFLAGS) -I$(CNI_OBJDIR) -c -o $@ $<

# The fingerprint of the BPF objects a pinned program must come from
# (cni_prog.c), computed here rather than at each ADD.
$(CNI_OBJDIR)/cni_prog.o: $(CNI_OBJDIR)/cni_fp.h

$(CNI_OBJDIR)/cni_fp.h: $(BPF_OBJS)
	@mkdir -p $(CNI_OBJDIR)
	printf '#define CNI_BPF_FP "%s"\n' "$$(cat $(BPF_OBJS) | sha256sum | cut -c1-16)" > $@

# ---- kselftests ----------------------------------------------------------
# The kernel's kselftest framework (runner, lib.mk, harness) is taken from
# Debian's linux-source-6.1 at build time, never committed.
$(KSFT_STAMP):
	@test -r $(KSFT_SRC) || { echo "missing $(KSFT_SRC): run scripts/deps.sh" >&2; exit 1; }
	tar -xJf $(KSFT_SRC) -C selftests --strip-components=4 \
		$(addprefix linux-source-6.1/tools/testing/selftests/,$(KSFT_FILES))
	touch $@

selftests: $(KSFT_STAMP) bpf $(SAN_CLI) $(SAN_CNI)
	$(MAKE) -C selftests/host
	$(MAKE) -C selftests/vm

check: deps
	$(MAKE) all
	scripts/check.sh

check-host: all
	scripts/check.sh host

check-vm: all
	scripts/check.sh vm

# ---- debug kernel (KASAN, lockdep, kmemleak, refcount tracking) ----------
debug-kernel: deps
	scripts/debug-kernel.sh

check-debug: deps
	$(MAKE) all
	TESTS="$(TESTS)" scripts/check-debug.sh

# ---- lint ----------------------------------------------------------------
CHECKPATCH	:= $(BUILD)/checkpatch/checkpatch.pl

$(CHECKPATCH):
	@mkdir -p $(BUILD)/checkpatch
	tar -xJf $(KSFT_SRC) -C $(BUILD)/checkpatch --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

lint: $(CHECKPATCH)
	$(CHECKPATCH) --no-tree --strict --terse --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
		-f $(wildcard kernel/*.c kernel/*.h include/uapi/linux/*.h)
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 W=1 RXLANE_VERSION='$(FULL_VERSION)' modules 2>&1 | tee $(BUILD)/sparse.log
	@! grep -E '(warning|error):' $(BUILD)/sparse.log

# ---- demo and benchmarks -------------------------------------------------
demo: deps
	$(MAKE) all
	scripts/demo.sh

bench: deps
	$(MAKE) all
	scripts/bench-xdp.sh
	scripts/bench-ct.sh
	scripts/bench-e2e.sh
	scripts/bench-ct-rr.sh
	scripts/bench-cli.sh
	scripts/bench-cni.sh
	scripts/vm-run --timeout 1800 -- selftests/vm/bench_nic.py
	scripts/bench-nic-xdp.sh
	scripts/bench-hw.sh
	[ ! -x scripts/bench.sh ] || scripts/bench.sh

# ---- install -------------------------------------------------------------
PREFIX		?= /usr/local
DESTDIR		?=

# The CLI's manual page (scdoc) and bash completion.
man: user/rxlane.8

user/rxlane.8: user/rxlane.8.scd
	scdoc < $< > $@

install: all man
	install -D -m 0755 user/rxlane $(DESTDIR)$(PREFIX)/sbin/rxlane
	install -D -m 0755 user/rxlane-cni $(DESTDIR)$(CNI_DIR)/rxlane-cni
	install -D -m 0644 bpf/rxlane_xdp.o $(DESTDIR)$(PREFIX)/lib/rxlane/rxlane_xdp.o
	install -D -m 0644 user/rxlane.8 $(DESTDIR)$(PREFIX)/share/man/man8/rxlane.8
	install -D -m 0644 user/rxlane.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/rxlane
	install -D -m 0644 Documentation/rxlane-cli.schema.json \
		$(DESTDIR)$(PREFIX)/share/doc/rxlane/rxlane-cli.schema.json

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C selftests/host clean
	-$(MAKE) -C selftests/vm clean
	rm -f $(BPF_OBJS) $(BPF_SKELS) user/rxlane user/rxlane-cni user/rxlane.8 $(SAN_CLI) $(SAN_CNI)
	rm -rf $(BUILD)
