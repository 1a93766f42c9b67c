# enclos build. `make` builds build/enclos, `make test` runs every test, `make bench`
# prints the benchmark ratio tables.
BUILD    := build
CC       := gcc
GCC_INC  := $(shell $(CC) -print-file-name=include)

# The runtime sees only the compiler's own headers and the kernel UAPI headers, so that
# nothing from libc can slip into it.
KINC     := $(BUILD)/kernel-include
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
RT_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdlib -nostdinc \
	-isystem $(GCC_INC) -isystem $(KINC) -fno-stack-protector -mgeneral-regs-only \
	-fPIE -fno-plt -fvisibility=hidden -fno-builtin -fno-strict-aliasing \
	-fno-omit-frame-pointer -mno-red-zone -I. -MMD -MP
RT_LDFLAGS := -static-pie -nostdlib -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
	-Wl,--no-dynamic-linker -Wl,-z,text -Wl,-T,common/hot.ld

RT_SRCS := $(wildcard common/*.c) $(wildcard pal/direct/*.c) $(wildcard pal/direct/*.S) \
	$(wildcard libos/*.c) $(wildcard libos/*.S) $(wildcard libos/sys/*.c) \
	$(wildcard libos/fs/*.c) $(wildcard loader/*.c)
RT_OBJS := $(patsubst %,$(BUILD)/rt/%.o,$(RT_SRCS))

.PHONY: all test unit integration bench clean format format-check FORCE
# A failed recipe must not leave a half-made target that looks up to date.
.DELETE_ON_ERROR:
all: $(BUILD)/enclos $(BUILD)/enclos-sgx-sim $(BUILD)/enclos-sign

$(KINC)/.stamp:
	@mkdir -p $(KINC)
	ln -sfn /usr/include/linux $(KINC)/linux
	ln -sfn /usr/include/asm-generic $(KINC)/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(KINC)/asm
	@touch $@

GEN := $(BUILD)/gen
$(GEN)/syscall_names.inc: /usr/include/x86_64-linux-gnu/asm/unistd_64.h
	@mkdir -p $(GEN)
	sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' $< > $@

$(GEN)/errno_names.inc: /usr/include/asm-generic/errno-base.h /usr/include/asm-generic/errno.h
	@mkdir -p $(GEN)
	cat $^ | sed -n 's/^#define[ \t]*\(E[A-Z0-9]*\)[ \t]*\([0-9][0-9]*\).*/[\2] = "\1",/p' > $@

$(BUILD)/rt/libos/names.c.o: $(GEN)/syscall_names.inc $(GEN)/errno_names.inc
$(BUILD)/rt/libos/names.c.o: RT_CFLAGS += -I$(GEN)

# V=1 shows the full command lines.
Q := $(if $(V),,@)

$(BUILD)/rt/%.c.o: %.c $(KINC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(RT_CFLAGS) -c $< -o $@

$(BUILD)/rt/%.S.o: %.S $(KINC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(RT_CFLAGS) -c $< -o $@

# Relink when a source file is added or removed, not only when one changes.
$(BUILD)/rt-objects.list: FORCE
	@mkdir -p $(BUILD)
	@echo '$(RT_OBJS)' | cmp -s - $@ || echo '$(RT_OBJS)' > $@
FORCE:

$(BUILD)/enclos: $(RT_OBJS) $(BUILD)/rt-objects.list common/hot.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(RT_CFLAGS) $(RT_LDFLAGS) -o $@ $(RT_OBJS) -lgcc

-include $(RT_OBJS:.o=.d)

include pal/sgx-sim/sgx-sim.mk
include tools/tools.mk

-include tests/tests.mk
-include bench/bench.mk

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
