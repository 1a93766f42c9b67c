# Benchmarks: programs that print ratios against native from the same run.
BENCH_BIN := $(BUILD)/bench

$(BENCH_BIN)/syscall_cost: bench/syscall_cost.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -Wall -Wextra -Werror -o $@ $<

$(BENCH_BIN)/catch_mechanisms: bench/catch_mechanisms.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BENCH_BIN)/futex_cost: bench/futex_cost.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -pthread -Wall -Wextra -Werror -o $@ $<

$(BENCH_BIN)/signal_cost: bench/signal_cost.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -Wall -Wextra -Werror -o $@ $<

$(BENCH_BIN)/edmm_churn: bench/edmm_churn.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -Wall -Wextra -Werror -o $@ $<

$(BENCH_BIN)/sgx_heap: bench/sgx_heap.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -static -Wall -Wextra -Werror -o $@ $<

$(BENCH_BIN)/go_http: bench/go_http/main.go bench/go_http/go.mod
	@mkdir -p $(dir $@)
	cd bench/go_http && CGO_ENABLED=0 GOCACHE=$(abspath $(BUILD))/go-cache GOFLAGS=-mod=mod \
		go build -o $(abspath $@) .

BENCH_PROGS := $(BENCH_BIN)/syscall_cost $(BENCH_BIN)/catch_mechanisms $(BENCH_BIN)/futex_cost \
	$(BENCH_BIN)/signal_cost $(BENCH_BIN)/edmm_churn $(BENCH_BIN)/sgx_heap \
	$(if $(shell command -v go),$(BENCH_BIN)/go_http)

.PHONY: bench
bench: $(BUILD)/enclos $(BUILD)/enclos-sgx-sim $(BENCH_PROGS)
	@BUILD=$(BUILD) sh bench/run.sh
