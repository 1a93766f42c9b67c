# Tests. Included by the top-level Makefile (which defines BUILD, CC and GCC_INC).
#
#   make test         every test: unit tests, fuzz smoke runs, integration tests
#   make unit         unit tests only (host programs under ASan and UBSan)
#   make integration  test programs and busybox natively vs under enclos, bad input
#   make smoke        hello under enclos, in its four builds
#   make test-progs   build the test programs only
#
# Knobs (make variables or environment):
#   T=PATTERN          run only tests whose name contains PATTERN
#   ENCLOS_OPTS=...    extra options after `enclos run`, e.g. --pal=sgx-sim
#   ENCLOS="cmd ..."   launcher instead of "build/enclos run" (ENCLOS=env: native vs native)
#   TEST_JOBS=N        tests run in parallel (default: CPU count)
#   TEST_TIMEOUT=S     seconds before one run is killed (default 60)

TEST_BUILD  := $(BUILD)/tests
TEST_PYTHON ?= python3
HOSTCC      ?= gcc

.PHONY: unit integration smoke test-progs unit-build

# ---- Unit tests ---------------------------------------------------------------------
# tests/unit/test_NAME.c starts with `/* unit-sources: a.c b.c */`, the runtime sources it
# links. host_alloc.c supplies rt_malloc & co over libc unless the test links the real
# allocator.
UNIT_CFLAGS  := -I. -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -g \
	-fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_HEADERS := $(shell find common libos pal loader tests/unit tests/fuzz -name '*.h' 2>/dev/null)
# The comment may wrap over several lines (clang-format keeps lines within 100 columns).
unit_sources = $(strip $(shell sed -n '1,/\*\//p' $(1) | sed '1!s|^[[:space:]]*\*[[:space:]]*||' | \
	tr '\n' ' ' | sed -n 's|^/\*[[:space:]]*unit-sources:\([^*]*\)\*/.*$$|\1|p'))
unit_alloc   = $(if $(filter common/alloc.c,$(1)),,tests/unit/host_alloc.c)

UNIT_TEST_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS     := $(patsubst tests/unit/%.c,$(TEST_BUILD)/unit/%,$(UNIT_TEST_SRCS))

define unit_rule
$(TEST_BUILD)/unit/$(1): tests/unit/$(1).c $(2) $(call unit_alloc,$(2)) $(UNIT_HEADERS)
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(UNIT_CFLAGS) $$(filter %.c,$$^) -o $$@
endef
$(foreach src,$(UNIT_TEST_SRCS),$(eval $(call unit_rule,$(basename $(notdir $(src))),$(call unit_sources,$(src)))))

# Fuzz harnesses built as standalone programs (-DFUZZ_STANDALONE) run as unit tests. Their
# first line names their sources like a unit test; without it, the TOML parser's.
FUZZ_DEFAULT_SOURCES := common/toml.c common/string.c common/fmt.c
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_TESTS := $(patsubst tests/fuzz/%.c,$(TEST_BUILD)/unit/%,$(FUZZ_SRCS))
define fuzz_rule
$(TEST_BUILD)/unit/$(1): tests/fuzz/$(1).c $(2) $(call unit_alloc,$(2)) $(UNIT_HEADERS)
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(UNIT_CFLAGS) -DFUZZ_STANDALONE $$(filter %.c,$$^) -o $$@
endef
$(foreach src,$(FUZZ_SRCS),$(eval $(call fuzz_rule,$(basename $(notdir $(src))),$(or $(call unit_sources,$(src)),$(FUZZ_DEFAULT_SOURCES)))))

unit-build: $(UNIT_TESTS) $(FUZZ_TESTS)

# ---- Test programs --------------------------------------------------------------------
# Each tests/progs/NAME.c is built four ways: NAME.glibc-static, NAME.glibc-static-pie,
# NAME.musl-static, NAME.musl-static-pie. Debian's musl-gcc cannot link static-pie (its
# specs force Scrt1.o and an interpreter), so that build links rcrt1.o by hand.
PROG_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Itests/progs
PROG_SRCS   := $(wildcard tests/progs/*.c)
PROG_NAMES  := $(basename $(notdir $(PROG_SRCS)))
PROG_DEPS   := tests/progs/testlib.h tests/tests.mk

# The goals that run tests install busybox-static and musl-tools first when they are missing
# (as root; TESTS_NO_INSTALL=1 prevents it), so that the musl builds below exist.
TEST_GOALS := test integration smoke test-progs
ifneq ($(filter $(TEST_GOALS),$(MAKECMDGOALS)),)
ifeq ($(TESTS_NO_INSTALL),)
ifeq ($(and $(shell command -v musl-gcc 2>/dev/null),$(wildcard /bin/busybox)),)
$(shell sh tests/setup.sh >&2)
endif
endif
endif

MUSL_GCC   := $(shell command -v musl-gcc 2>/dev/null)
MUSL_SPECS := $(if $(MUSL_GCC),$(shell sed -n 's/.*-specs "\([^"]*\)".*/\1/p' $(MUSL_GCC)))
MUSL_LIB   := $(if $(MUSL_SPECS),$(dir $(MUSL_SPECS)))
MUSL_INC   := $(if $(MUSL_SPECS),$(firstword $(shell sed -n 's/.*-isystem \([^ ]*\) -isystem include.*/\1/p' $(MUSL_SPECS))))
GLIBC_VARIANTS := glibc-static glibc-static-pie
MUSL_VARIANTS  := $(if $(MUSL_INC),musl-static musl-static-pie)
PROG_BINS := $(foreach v,$(GLIBC_VARIANTS) $(MUSL_VARIANTS),$(PROG_NAMES:%=$(TEST_BUILD)/progs/%.$(v)))

$(TEST_BUILD)/progs/%.glibc-static: tests/progs/%.c $(PROG_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -fno-pie -static -no-pie $< -o $@

$(TEST_BUILD)/progs/%.glibc-static-pie: tests/progs/%.c $(PROG_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -fPIE -static-pie $< -o $@

$(TEST_BUILD)/progs/%.musl-static: tests/progs/%.c $(PROG_DEPS)
	@mkdir -p $(dir $@)
	$(MUSL_GCC) $(PROG_CFLAGS) -fno-pie -static -no-pie $< -o $@

$(TEST_BUILD)/progs/%.musl-static-pie: tests/progs/%.c $(PROG_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(PROG_CFLAGS) -fPIE -static-pie -nostdinc -isystem $(MUSL_INC) -isystem $(GCC_INC) \
		-nostdlib -nostartfiles $(MUSL_LIB)rcrt1.o $(MUSL_LIB)crti.o \
		$(shell $(CC) -print-file-name=crtbeginS.o) $< -L$(MUSL_LIB) -lc -lgcc \
		$(shell $(CC) -print-file-name=crtendS.o) $(MUSL_LIB)crtn.o -o $@
	@if readelf -l $@ | grep -q INTERP; then echo "$@: has an interpreter" >&2; rm -f $@; exit 1; fi

test-progs: $(PROG_BINS)

# ---- Running ----------------------------------------------------------------------------
TEST_JOBS    ?=
TEST_TIMEOUT ?=
RUN_TESTS = ENCLOS_OPTS='$(ENCLOS_OPTS)' $(if $(ENCLOS),ENCLOS='$(ENCLOS)') $(TEST_PYTHON) tests/run_tests.py \
	$(if $(T),--filter '$(T)') $(if $(TEST_JOBS),--jobs $(TEST_JOBS)) \
	$(if $(TEST_TIMEOUT),--timeout $(TEST_TIMEOUT))

# Each goal first builds what it needs with -k and then runs the tests anyway: whatever
# failed to build is reported by the runner as a failed test, so that every run ends with
# the summary line.
BUILD_ANYWAY = -@$(MAKE) --no-print-directory -k

# Test kinds with their own host tools add them to EXTRA_TEST_TOOLS in their own .mk.
EXTRA_TEST_TOOLS :=
-include tests/decoder/decoder.mk tests/funcs/funcs.mk tests/sgx/sgx.mk

test:
	$(BUILD_ANYWAY) unit-build test-progs $(BUILD)/enclos $(EXTRA_TEST_TOOLS)
	@$(RUN_TESTS) --unit --integration

unit:
	$(BUILD_ANYWAY) unit-build
	@$(RUN_TESTS) --unit

integration:
	$(BUILD_ANYWAY) test-progs $(BUILD)/enclos $(EXTRA_TEST_TOOLS)
	@$(RUN_TESTS) --integration

smoke:
	$(BUILD_ANYWAY) $(BUILD)/enclos $(filter $(TEST_BUILD)/progs/hello.%,$(PROG_BINS))
	@$(RUN_TESTS) --integration --filter progs/hello.

# ---- Go tests ---------------------------------------------------------------------------
# Static Go programs (CGO_ENABLED=0) from tests/go, one per directory with a main.go, and
# hello also stripped; and the test binaries of the standard-library packages listed in
# tests/go_stdlib/packages.txt. Nothing is downloaded (GOPROXY=off, standard library
# only); the Go build cache lives in build/go-cache. Without a Go toolchain nothing is
# built and the runner reports the Go tests as skipped. docs/go.md, section "Tests".
GO := $(shell command -v go 2>/dev/null)
GO_BUILD_DIR  := $(TEST_BUILD)/go
GO_STDLIB_DIR := $(TEST_BUILD)/go-stdlib
GO_ENV := CGO_ENABLED=0 GOFLAGS= GOPROXY=off GO111MODULE=on \
	GOCACHE=$(abspath $(BUILD))/go-cache GOPATH=$(abspath $(BUILD))/go-path
GO_PROGS := $(patsubst tests/go/%/main.go,%,$(wildcard tests/go/*/main.go))
GO_BINS  := $(GO_PROGS:%=$(GO_BUILD_DIR)/%) $(GO_BUILD_DIR)/hello.stripped
GO_STDLIB_PKGS := $(shell sed -e 's/\#.*//' tests/go_stdlib/packages.txt 2>/dev/null)
GO_STDLIB_BINS := $(foreach p,$(GO_STDLIB_PKGS),$(GO_STDLIB_DIR)/$(subst /,_,$(p)).test)
GOROOT_DIR := $(if $(GO),$(shell $(GO) env GOROOT))
# A new toolchain (its VERSION file) rebuilds everything.
GO_TOOLCHAIN := $(wildcard $(GOROOT_DIR)/VERSION)

.PHONY: go-tests-build go-progs go-stdlib

define go_prog_rule
$(GO_BUILD_DIR)/$(1): $(wildcard tests/go/$(1)/*.go) tests/go/go.mod $(GO_TOOLCHAIN)
	@mkdir -p $$(dir $$@)
	cd tests/go && $(GO_ENV) $(GO) build -trimpath -o $$(abspath $$@) ./$(1)
endef
$(foreach p,$(GO_PROGS),$(eval $(call go_prog_rule,$(p))))

$(GO_BUILD_DIR)/hello.stripped: $(wildcard tests/go/hello/*.go) tests/go/go.mod $(GO_TOOLCHAIN)
	@mkdir -p $(dir $@)
	cd tests/go && $(GO_ENV) $(GO) build -trimpath -ldflags='-s -w' -o $(abspath $@) ./hello

# `go test -c` runs in GOROOT/src, the module std. time's tests load America/Los_Angeles
# from GOROOT/lib/time/zoneinfo.zip, which Debian does not ship: they get Go's embedded
# copy of the time zone database instead (the timetzdata tag).
go_stdlib_flags = $(if $(filter time,$(1)),-tags=timetzdata)
define go_stdlib_rule
$(GO_STDLIB_DIR)/$(subst /,_,$(1)).test: $(wildcard $(GOROOT_DIR)/src/$(1)/*.go) $(GO_TOOLCHAIN)
	@mkdir -p $$(dir $$@)
	cd $(GOROOT_DIR)/src && $(GO_ENV) $(GO) test -c $(call go_stdlib_flags,$(1)) -o $$(abspath $$@) $(1)
endef
$(foreach p,$(GO_STDLIB_PKGS),$(eval $(call go_stdlib_rule,$(p))))

go-progs: $(if $(GO),$(GO_BINS))
	@:
go-stdlib: $(if $(GO),$(GO_STDLIB_BINS))
	@:

# The goals that run integration tests build the Go binaries first; a failed build does not
# stop them (the runner reports the missing binary as a failed test).
go-tests-build:
	$(BUILD_ANYWAY) go-progs go-stdlib
test integration: go-tests-build
