# Fractal Landscapes: two commands after cloning, `make book` and `make test`.
# Every target installs what it needs (venv, Python packages, Debian packages) on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the book needs: Fashion-MNIST for the diffusion, multifractal and probing chapters;
# MathJax 2 and its fonts, which the site serves itself (.ci/site_assets.sh).
APT_PACKAGES ?= dataset-fashion-mnist libjs-mathjax fonts-mathjax
# Debian packages of the browser test (make check-site): Chromium and its driver.
BROWSER_APT_PACKAGES := chromium chromium-driver
# nbmake ignores paths containing "_build", so the converted chapters go elsewhere.
NB_BUILD := .nbmake
CHAPTERS := $(wildcard notebooks/*.md)

.PHONY: help install sysdeps site-assets browser book book-smoke check-figures check-site test lint lab \
  bench studies clean clean-cache

help:
	@echo "make book   build the static HTML book at 'book' scale into _build/html"
	@echo "make test   lint, library tests and every chapter (nbmake) at 'smoke' scale"
	@echo "make lab    open JupyterLab on the chapters"
	@echo "make check-site  check every page of _build/html in headless Chromium"
	@echo "make bench  run the speed benchmarks in benchmarks/"
	@echo "make studies  rerun the scale studies (hours) into benchmarks/recorded/"

sysdeps:
	@if ! $(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1; then \
	  echo "installing python3-venv (Debian)"; apt-get update -qq && apt-get install -y -qq python3-venv; fi
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && apt-get install -y -qq $$missing; fi

$(STAMP): requirements.txt pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# JupyterLab opens the MyST chapters (notebooks/*.md) as notebooks, via jupytext.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' \
	  > $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)

install: $(STAMP)

# The site's own MathJax, widget manager and require.js (no CDN at view time), pinned in the
# script; cheap when already there.
site-assets:
	@$(MAKE) --no-print-directory sysdeps
	@bash .ci/site_assets.sh

# The static pages' explorers show precomputed frames (FRACTAL_EXPLORERS=static): no kernel there.
book: $(STAMP) site-assets
	FRACTAL_EXPLORERS=static FRACTAL_PROGRESS=$${FRACTAL_PROGRESS:-0} FRACTAL_SCALE=$${FRACTAL_SCALE:-book} \
	  $(BIN)/jupyter-book build --all -W -n --keep-going .
	@$(MAKE) --no-print-directory check-figures
	@echo "book written to _build/html/index.html"

# The book at smoke scale: what CI builds to catch broken references and raising cells.
# --all: Sphinx would otherwise skip unchanged pages, keeping outputs of another scale.
# Smoke cells take seconds, so a cell timeout of 300 s (not the book's 1500 s) only cuts short a
# stalled kernel message (see test): the build fails in 5 minutes and CI retries it once.
SMOKE_CONFIG := _config.smoke.yml
book-smoke: $(STAMP) site-assets
	sed 's/^  timeout: [0-9]*$$/  timeout: 300/' _config.yml > $(SMOKE_CONFIG)
	@grep -q '^  timeout: 300$$' $(SMOKE_CONFIG) || { echo "no execute timeout in _config.yml"; exit 1; }
	FRACTAL_EXPLORERS=static FRACTAL_PROGRESS=0 FRACTAL_SCALE=smoke $(BIN)/jupyter-book build --all -W -n \
	  --keep-going --config $(SMOKE_CONFIG) .

# A build can exit 0 with figures missing (a cell whose plot never reached the notebook renders no
# figure): fail when a page of the built HTML has fewer figures with an image than its source declares.
check-figures: $(STAMP)
	$(BIN)/python .ci/check_figures.py . _build/html

# Chromium and chromedriver from Debian, for the browser test (installed when missing).
browser:
	@$(MAKE) --no-print-directory sysdeps APT_PACKAGES="$(BROWSER_APT_PACKAGES)"

# The built site in a real browser: every page of _build/html loads in headless Chromium with no
# console error, broken image, raw TeX, output or code wider than its column, unreadably small
# figure labels, CDN request, or explorer whose slider leaves its figure unchanged.
check-site: $(STAMP) browser
	$(BIN)/python .ci/check_site.py _build/html

lint: $(STAMP)
	$(BIN)/ruff check fractal_lib tests benchmarks .ci
	$(BIN)/ruff format --check fractal_lib tests benchmarks .ci
	$(BIN)/python .ci/check_duplicates.py

test: $(STAMP) lint
	@mkdir -p $(NB_BUILD)
	@for f in $(CHAPTERS); do \
	  $(BIN)/jupytext --quiet --to ipynb -o $(NB_BUILD)/$$(basename $${f%.md}).ipynb $$f; done
	@# A notebook run can stall on a lost kernel message (both sides idle; seen with ipykernel 6 and
	@# 7 here): a chapter taking 400 s at smoke scale (normal: under 30 s) is rerun once.
	FRACTAL_PROGRESS=0 FRACTAL_SCALE=smoke $(BIN)/pytest -q tests $(NB_BUILD) --nbmake \
	  --nbmake-timeout=400 --reruns 1 --durations=10 --ignore=$(NB_BUILD)/results
	@# "Results at a glance" reads the ledgers the chapters saved above, so it runs after them.
	@mkdir -p $(NB_BUILD)/results
	$(BIN)/jupytext --quiet --to ipynb -o $(NB_BUILD)/results/at_a_glance.ipynb results/at_a_glance.md
	FRACTAL_PROGRESS=0 FRACTAL_SCALE=smoke $(BIN)/pytest -q $(NB_BUILD)/results --nbmake \
	  --nbmake-timeout=400

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Scale studies: runs beyond the book's scale that the chapters read from benchmarks/recorded/
# (kept in git with command, commit and machine). Resumable: a row computed by the same library
# source is kept. STUDY_ARGS is passed to every script (for example --quick).
studies: $(STAMP)
	@mkdir -p benchmarks/recorded
	@for f in benchmarks/studies/study_*.py; do echo "== $$f"; \
	  FRACTAL_PROGRESS=$${FRACTAL_PROGRESS:-1} $(BIN)/python $$f $(STUDY_ARGS) || exit 1; done

clean:
	rm -rf _build

clean-cache:
	rm -rf .fractal_cache
