# Two commands (see README.md):
#   make        set up everything (Debian packages, Python environment), then run the pipeline (dvc repro)
#   make test   set up everything, then run the test suite
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 2

# The PDF route (xelatex via nbconvert), pdftotext for the tests, a CJK font for the Hiragana glyphs,
# a browser and its WebDriver for the JupyterLab test (tests/test_jupyterlab.py).
DEBIAN_PACKAGES := texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc poppler-utils fonts-noto-cjk \
  chromium chromium-driver
# The chart libraries of `dvc plots show` (the versions DVC's page asks for), so its page draws offline.
VEGA := $(VENV)/share/vega
VEGA_PACKAGES := vega@5.20.2 vega-lite@5.2.0 vega-embed@6.18.2
# JupyterLab's settings for this project's environment only (not the user's): .py notebooks open as notebooks.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
# The environment's python3 kernel (every notebook's): IPython's, without TensorFlow's start-up lines (charrec.kernel).
KERNEL := $(VENV)/share/jupyter/kernels/python3/kernel.json
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: all setup system-packages run test clean-outputs

all: run

setup: system-packages $(VENV)/.installed $(KERNEL) $(LAB_OVERRIDES) $(VEGA)/.installed

# Installs only what is missing, so a second `make` skips it in a second.
system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The pinned environment; with an NVIDIA driver present, the GPU build of the same TensorFlow replaces the CPU one.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1; then \
	  $(VENV)/bin/pip uninstall -q -y tensorflow-cpu && $(VENV)/bin/pip install -q "tensorflow[and-cuda]==2.21.0"; fi
	touch $@

$(KERNEL): lib/charrec/kernel.py $(VENV)/.installed
	$(VENV)/bin/python -m charrec.kernel --install >/dev/null

# JupyterLab reads overrides.json from its app settings folder inside the environment.
$(LAB_OVERRIDES): jupyterlab/overrides.json $(VENV)/.installed
	install -D -m 644 $< $@

# npm pack fetches a package's tarball without installing anything; only the three browser builds are kept.
# Without a registry the plots page stays blank offline, which stops nothing else.
$(VEGA)/.installed: | system-packages
	mkdir -p $(VEGA)
	cd $(VEGA) && npm pack --silent $(VEGA_PACKAGES) >/dev/null && \
	  for p in vega vega-lite vega-embed; do tar xzf $$p-[0-9]*.tgz --strip-components=2 package/build/$$p.min.js; done && \
	  rm -f *.tgz && touch .installed || echo "vega libraries not fetched: dvc plots show needs internet to draw"

# First the params and every reference between files (datasets, notebooks, class groups), in about 3 s and
# before DVC resolves a stage's dependencies: a typo stops here, named, with exit status 2.
# Then every stage that can run, runs; the status line says what was skipped (e.g. KMNIST without internet).
# All of it holds the checkout's run lock (charrec.runlock): a second `make` (or a stage started by hand)
# stops at once with one line naming the running one, before DVC starts and without changing anything.
run: setup
	python -m charrec.params --check
	python -m charrec.availability --retry
	python -m charrec.runlock bash -c 'dvc repro --keep-going || true; python -m charrec.pipeline_status'

test: setup
	ruff check . && ruff format --check .   # style: pyproject.toml [tool.ruff]
	pytest -q -n auto --dist loadfile   # one worker per core; a test file stays on one worker
