# consentgen: the two commands a newcomer runs are `make build` and `make test`.
# Both install what is missing first: Debian packages (fonts, PDF tools) and the Python venv.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Fonts for every bundled script, the libraries WeasyPrint needs, the PDF and QR tools the
# tests read forms back with, and the browser the HTML forms are tested in (Debian's chromium,
# driven by Playwright: Playwright's own browser download cannot be had on every machine).
DEBIAN_PACKAGES := fontconfig fonts-noto-core fonts-noto-cjk fonts-dejavu-core \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils poppler-data zbar-tools \
	chromium
BROWSER_TESTS := tests/browser

.PHONY: build test lint wheel-check system-packages venv browser-deps golden readme-image bench bench-fields clean mutate

build: venv
	$(BIN)/consentgen build

test: venv browser-deps lint wheel-check
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check consentgen tests benchmarks
	$(BIN)/ruff format --check consentgen tests benchmarks
	$(BIN)/mypy consentgen

# The wheel, built from a copy (setuptools would leave its own build/ here, where the forms
# go), installed alone into a clean virtual environment outside this folder, must run
# `check` (exit 0 or 1: the bundled drafts are not releasable) and build one locale: an install
# that lacks a subpackage fails here, not at a hospital.
WHEEL_CHECK := $(CURDIR)/.wheel-check
wheel-check: venv
	rm -rf $(WHEEL_CHECK)
	mkdir -p $(WHEEL_CHECK)/src
	cp -r consentgen pyproject.toml README.md $(WHEEL_CHECK)/src/
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir $(WHEEL_CHECK)/dist $(WHEEL_CHECK)/src
	$(PYTHON) -m venv $(WHEEL_CHECK)/venv
	$(WHEEL_CHECK)/venv/bin/python -m pip install --quiet $(WHEEL_CHECK)/dist/consentgen-*.whl
	cd $(WHEEL_CHECK) && status=0; ./venv/bin/consentgen --project $(CURDIR) check > check.log \
		|| status=$$?; tail -1 check.log; test $$status -le 1 && grep -Eq "problem\(s\)|all checks passed" check.log
	cd $(WHEEL_CHECK) && ./venv/bin/consentgen --project $(CURDIR) build -l en -o $(WHEEL_CHECK)/build
	test -s $(WHEEL_CHECK)/build/en/kyphoplasty.pdf
	rm -rf $(WHEEL_CHECK)

# Mutation testing (docs/testing.md): mutmut over the release gate, verify, the review
# fingerprint, the lockdown scan and the placeholder filling, against the fast tests; prints
# each module's score and its surviving mutants. Not part of `make test`: about 25 minutes
# on two cores, at low priority. One module: make mutate MODULES=consentgen.checks.parity
mutate: venv
	nice -n 15 $(BIN)/python tests/mutation.py $(MODULES)

# Installs the Debian packages that are missing (as root), or names them and stops. npm is looked
# for as a command, not as a package: Node.js often comes from elsewhere (NodeSource, nvm).
system-packages:
	@missing=""; \
	for pkg in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else \
			echo "consentgen needs these Debian packages:$$missing"; \
			echo "install them with: sudo apt-get install$$missing"; \
			exit 1; \
		fi; \
	fi

# The venv is rebuilt when pyproject.toml changes.
venv: system-packages $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core, which the browser tests run on every HTML form, at the exact version its lock file
# pins; installed again only when the lock file changes. npm ci empties node_modules first, so
# the stamp inside it goes too.
browser-deps: system-packages $(BROWSER_TESTS)/node_modules/.installed

$(BROWSER_TESTS)/node_modules/.installed: $(BROWSER_TESTS)/package-lock.json
	cd $(BROWSER_TESTS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Rewrites the golden screenshots in tests/golden/ from this machine's chromium, after a change
# to how the forms look is meant: look at the new PNGs before committing them.
golden: venv browser-deps
	CONSENTGEN_UPDATE_GOLDEN=1 $(BIN)/pytest tests/test_browser.py tests/test_form_text.py -k golden -q

# The pictures at the top of the README: page 1 of the English, Arabic and Traditional
# Chinese kyphoplasty forms, and the English vertebroplasty form's page of risks with icon arrays.
readme-image: build
	for locale in en ar zh_Hant; do \
		pdftoppm -png -r 80 -f 1 -l 1 -singlefile build/$$locale/kyphoplasty.pdf docs/kyphoplasty-$$locale-page1; \
	done
	pdftoppm -png -r 80 -f 3 -l 3 -singlefile build/en/vertebroplasty.pdf docs/vertebroplasty-en-page3

clean:
	rm -rf build

# consentgen against the raw libraries on a synthetic project (prints ratios; a few minutes).
bench: venv
	$(BIN)/python benchmarks/small.py
	$(BIN)/python benchmarks/build.py

# What fillable and signature fields cost, in size and time, per locale (prints ratios).
bench-fields: venv
	$(BIN)/python benchmarks/fields.py
