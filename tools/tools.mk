# Host-side tools. Included by the top-level Makefile (which defines BUILD and CC).
#
#   build/enclos-sign   `enclos gen-key` and `enclos sign` exec it (tools/sign/): libc and
#                       OpenSSL's libcrypto (libssl-dev), plus the runtime's own measurement
#                       and signature code from common/, built for the host, so that the tool
#                       and the runtime compute the same MRENCLAVE.

SIGN_TOOL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -I. -MMD -MP
SIGN_TOOL_SRCS := $(wildcard tools/sign/*.c) \
	common/sha256.c common/sgx_measure.c common/sgx_sigstruct.c common/enclave_layout.c \
	common/elf_check.c common/toml.c common/fmt.c common/string.c loader/manifest.c \
	tests/unit/host_alloc.c
SIGN_TOOL_OBJS := $(patsubst %.c,$(BUILD)/sign-tool/%.o,$(SIGN_TOOL_SRCS))

$(BUILD)/sign-tool/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(CC) $(SIGN_TOOL_CFLAGS) -c $< -o $@

$(BUILD)/enclos-sign: $(SIGN_TOOL_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $(SIGN_TOOL_OBJS) -lcrypto

-include $(SIGN_TOOL_OBJS:.o=.d)
