# What the sgx-sim tests (tests/sgx/sgx_tests.py, and the sgx-edmm/... and sgx1/... runs of
# every program) need besides build/enclos. Included by tests/tests.mk.
EXTRA_TEST_TOOLS += $(BUILD)/enclos-sgx-sim $(BUILD)/enclos-sign $(BUILD)/bench/edmm_churn
