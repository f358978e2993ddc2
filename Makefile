# FlatMinima — build, test, demo and benchmark entry points.
#
#   make demo    release build, then a comparison table of every solver on a few instances
#   make test    installs GSL if missing, builds and runs the whole test suite (optimised)
#   make bench   package-benchmark suite in Benchmarks/ (a sub-package; results in BENCHMARKS.md)
#   make validate  the long validations behind docs/VALIDATION.md's measured numbers (~18 min)
#   make cluster-test  a real one-node Slurm (installed and started as root): a sweep as a 4-task job
#                array plus a merge job, checked against the single-process run (~30 s once installed)
#   make deps    installs the system dependencies (GSL, pkg-config) when pkg-config cannot find GSL
#   make notebooks  executes notebooks/NN_*.py against data/ and re-exports Notebooks-export/ (~1 min
#                after the one-time install of the pinned Python packages into .venv-notebooks/)
#   make notebooks-check  the same execution without writing anything (CI runs it)
#   make python-test  installs the Python companion (python/) into the notebooks' environment and runs its
#                tests, an end-to-end sweep → DataFrame → figure among them (CI runs it)
#   make data    regenerates the tables in data/ from sweeps/ (resumes; hours: data/README.md)
#
# CPU tuning stays here, never in Package.swift: `make MARCH=native build` adds -march=native.

SWIFT      ?= swift
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MARCH      ?=
SWIFTFLAGS := $(if $(MARCH),-Xcc -march=$(MARCH) -Xswiftc -target-cpu -Xswiftc $(MARCH),)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN         = .build/release/flatminima

.PHONY: all deps build debug test demo bench validate cluster-test clean notebooks notebooks-check data \
        python-test

all: build

# GSL through pkg-config; apt-get installs libgsl-dev (and pkg-config) when it is missing.
deps:
	@if pkg-config --exists gsl 2>/dev/null; then \
	  echo "deps: GSL $$(pkg-config --modversion gsl) found through pkg-config"; \
	else \
	  echo "deps: GSL not found through pkg-config; installing libgsl-dev with apt-get"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgsl-dev pkg-config >/dev/null && \
	  pkg-config --exists gsl && echo "deps: GSL $$(pkg-config --modversion gsl) installed"; \
	fi

build: deps
	$(SWIFT) build -c release -j $(JOBS) $(SWIFTFLAGS)

debug: deps
	$(SWIFT) build -j $(JOBS)

# The numerical tests are run optimised: a debug build is 50-100x slower on the kernels.
test: deps
	$(SWIFT) build -c release -j $(JOBS) $(SWIFTFLAGS)
	$(SWIFT) test -c release -j $(JOBS) $(SWIFTFLAGS)

demo: build
	@sh scripts/demo.sh $(BIN)

validate: build
	@sh scripts/validate.sh $(BIN)

cluster-test: build
	@bash scripts/slurm/cluster-test.sh

bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark $(BENCH_ARGS)

# Notebooks: a private virtual environment with the pinned packages of notebooks/requirements.txt.
PYTHON     ?= python3
VENV        = .venv-notebooks

$(VENV)/.installed: notebooks/requirements.txt
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "notebooks: $(PYTHON) -m venv failed; installing python3-venv with apt-get"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --disable-pip-version-check -r notebooks/requirements.txt
	@touch $@

notebooks: $(VENV)/.installed
	$(VENV)/bin/python notebooks/build.py

notebooks-check: $(VENV)/.installed
	$(VENV)/bin/python notebooks/build.py --check

python-test: build $(VENV)/.installed
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps ./python
	FLATMINIMA=$(CURDIR)/$(BIN) $(VENV)/bin/python -m pytest -q python/tests

data: build
	sh scripts/make-data.sh $(BIN) data

clean:
	rm -rf .build Benchmarks/.build $(VENV)
