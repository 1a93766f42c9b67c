# The host tool of the differential decoder test (tests/decoder/decoder_tests.py): a linear
# sweep of an ELF's executable sections with common/x86_decode.c, built against libc.
# Included by tests/tests.mk.
DECODER_SWEEP := $(TEST_BUILD)/decoder/x86_sweep

$(DECODER_SWEEP): tests/decoder/x86_sweep.c common/x86_decode.c common/x86_decode.h \
		tests/decoder/decoder.mk
	@mkdir -p $(dir $@)
	$(HOSTCC) -I. -std=gnu11 -O2 -g -Wall -Wextra -Werror tests/decoder/x86_sweep.c \
		common/x86_decode.c -o $@

EXTRA_TEST_TOOLS += $(DECODER_SWEEP)
