# Two commands for a newcomer: `make solve` (bundled example end to end) and `make test`.
# Each creates .venv and installs what it needs (torch 2.13.0 CPU build first, so nothing
# pulls a CUDA build).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXAMPLE ?= problems/burgers.yaml

.PHONY: install solve test test-slow bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,plot]'
	touch $(STAMP)

install: $(STAMP)

solve: $(STAMP)
	$(VENV)/bin/pinnsolve solve $(EXAMPLE) --out runs/example

test: $(STAMP)
	OMP_NUM_THREADS=2 $(PY) -m pytest -q

test-slow: $(STAMP)
	OMP_NUM_THREADS=2 $(PY) -m pytest -q -m slow

# Long mutation campaign over the bundled problems, then FUZZ_FILES cases that mutate or
# forge the files a problem references (meshes, NPZ, FIFOs, links) under an audit hook,
# FUZZ_STATES damaged run directories (show, export, predict, resume) and FUZZ_MAPPINGS odd
# Python mappings (random seed, printed; FUZZ_SEED=n repeats one); crashing inputs go to
# runs/fuzz-crashes.
FUZZ_CASES ?= 20000
FUZZ_FILES ?= 2000
FUZZ_STATES ?= 300
FUZZ_MAPPINGS ?= 2000
fuzz: $(STAMP)
	$(PY) tests/fuzzing.py --cases $(FUZZ_CASES) --files $(FUZZ_FILES) --states $(FUZZ_STATES) \
		--mappings $(FUZZ_MAPPINGS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED),)

bench: $(STAMP)
	$(PY) benchmarks/accuracy.py

clean:
	rm -rf $(VENV) runs
