# Function discovery over real binaries (tests/funcs/funcs_tests.py): the host tool
# funcs_dump, built with libc from the runtime's discovery sources, under ASan and UBSan so
# that real binaries exercise the parsers' bounds checks too. Included by tests/tests.mk.
FUNCS_TOOL    := $(TEST_BUILD)/funcs/funcs_dump
FUNCS_SOURCES := common/func_discovery.c common/func_elf.c common/gopclntab.c \
	common/eh_frame.c common/elf_funcs.c common/fmt.c tests/unit/host_alloc.c

$(FUNCS_TOOL): tests/funcs/funcs_dump.c $(FUNCS_SOURCES) $(wildcard common/*.h) tests/funcs/funcs.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -I. -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
		-fsanitize=address,undefined -fno-sanitize-recover=all $(filter %.c,$^) -o $@

EXTRA_TEST_TOOLS += $(FUNCS_TOOL)
