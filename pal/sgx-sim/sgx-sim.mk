# The sgx-sim runtime, build/enclos-sgx-sim: the same LibOS and loader objects as
# build/enclos, the sgx-sim PAL, and the direct PAL's objects with every ABI function the
# sgx-sim PAL wraps or replaces renamed host_pal_NAME (the list is pal/sgx-sim/ocalls.def).
SGX_SIM_SRCS := $(wildcard pal/sgx-sim/*.c)
SGX_SIM_OBJS := $(patsubst %,$(BUILD)/rt/%.o,$(SGX_SIM_SRCS))
DIRECT_PAL_OBJS := $(filter $(BUILD)/rt/pal/direct/%,$(RT_OBJS))
SHARED_RT_OBJS := $(filter-out $(BUILD)/rt/pal/direct/%,$(RT_OBJS))

$(GEN)/sgx-sim-renames.txt: pal/sgx-sim/ocalls.def
	@mkdir -p $(GEN)
	sed -n -e 's/^OCALL([^,]*, *\([a-z0-9_]*\),.*/pal_\1 host_pal_\1/p' \
		-e 's/^OCALL_[A-Z]*(\([a-z0-9_]*\),.*/pal_\1 host_pal_\1/p' \
		-e 's/^CUSTOM(\([a-z0-9_]*\)).*/pal_\1 host_pal_\1/p' $< > $@

$(BUILD)/rt-sgx/pal-direct-host.o: $(DIRECT_PAL_OBJS) $(GEN)/sgx-sim-renames.txt
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD -r   $@")
	$(Q)ld -r -o $@.tmp $(DIRECT_PAL_OBJS)
	$(Q)objcopy --redefine-syms=$(GEN)/sgx-sim-renames.txt $@.tmp $@
	@rm -f $@.tmp

$(BUILD)/sgx-sim-objects.list: FORCE
	@mkdir -p $(BUILD)
	@echo '$(SGX_SIM_OBJS) $(SHARED_RT_OBJS)' | cmp -s - $@ || \
		echo '$(SGX_SIM_OBJS) $(SHARED_RT_OBJS)' > $@

$(BUILD)/enclos-sgx-sim: $(SHARED_RT_OBJS) $(SGX_SIM_OBJS) $(BUILD)/rt-sgx/pal-direct-host.o \
		$(BUILD)/sgx-sim-objects.list common/hot.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(RT_CFLAGS) $(RT_LDFLAGS) -o $@ $(SHARED_RT_OBJS) $(SGX_SIM_OBJS) \
		$(BUILD)/rt-sgx/pal-direct-host.o -lgcc

-include $(SGX_SIM_OBJS:.o=.d)
