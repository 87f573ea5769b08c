# machimap: two commands for a fresh machine.
#   make run   installs everything, loads the demo city (焼津市) and serves it
#   make test  installs everything and runs lint, types and the whole test suite
# Both are idempotent and quick the second time.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Two workers, one per core; each starts its own embedded cluster.
PYTEST_WORKERS ?= 2
STAMP  := $(VENV)/.installed
# The posters (layers/groups/posters) embed IPA P Gothic, so the running service needs it too.
DEBIAN_PACKAGES := postgresql-15 postgresql-15-postgis-3 gdal-bin fonts-ipafont-gothic
# HTTP load generator for bench/serve (pgbench comes with postgresql-15).
BENCH_PACKAGES  := wrk
# The browser tests drive Debian's Chromium (never a downloaded browser); a Japanese font
# makes their screenshots readable. tests/test_workers.py runs machimap behind Debian's nginx
# with Debian's redis-server (both started by the test on loopback, never as services).
# poppler-utils reads back the map page's printed PDF (tests/browser/test_display.py).
TEST_PACKAGES   := chromium fonts-ipafont-gothic nginx redis-server poppler-utils
# The web pages (web/): npm packages, then a Vite build into web/dist.
WEB_MODULES := web/node_modules/.package-lock.json
WEB_BUILT   := web/dist/.vite/manifest.json
WEB_SOURCES := $(shell find web/src web/scripts -type f 2>/dev/null) $(wildcard web/*.html) \
               web/vite.config.js web/package.json
# The map's label glyphs (GET /tiles/glyphs/...), built from a Debian font by fontnik (an npm
# package of web/) into web/glyphs; never fetched from a font CDN. BIZ UDPGothic: Morisawa's
# universal-design Japanese gothic under the SIL Open Font License, which lets machimap serve
# glyphs made from it (IPA fonts' licence asks a derived font to be renamed).
GLYPH_PACKAGES := fonts-morisawa-bizud-gothic
GLYPH_FONT     := /usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf
GLYPH_LICENCE  := /usr/share/doc/fonts-morisawa-bizud-gothic/copyright
GLYPHS_BUILT   := web/glyphs/.built

.PHONY: run test system test-system bench-system install web glyphs lint typecheck pytest demo bench-import bench-serve bench-reports bench-phone bench-print bench-planning clean

run: install
	$(BIN)/machimap demo
	$(BIN)/machimap serve

test: install test-system lint typecheck pytest

# PostgreSQL + PostGIS (the embedded database) and GDAL (tests drive ogr2ogr against us).
system:
	@if ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 \
	    && command -v ogr2ogr >/dev/null 2>&1; then \
	  echo "system packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); \
	else \
	  echo "Please install: $(DEBIAN_PACKAGES) (Debian/Ubuntu: sudo apt-get install $(DEBIAN_PACKAGES))," \
	       "or set DATABASE_URL to a PostGIS database."; exit 1; \
	fi

install: system $(STAMP) web glyphs

test-system:
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-ipafont-gothic nginx redis-server poppler-utils >/dev/null 2>&1; then \
	  echo "test packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES); \
	else \
	  echo "Please install: $(TEST_PACKAGES) (Debian/Ubuntu: sudo apt-get install $(TEST_PACKAGES))"; \
	  exit 1; \
	fi

web: $(WEB_BUILT)

$(WEB_MODULES): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Please install Node.js 20 or newer with npm."; exit 1; }
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_MODULES)

$(WEB_BUILT): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run build

glyphs: $(GLYPHS_BUILT)

$(GLYPH_FONT):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(GLYPH_PACKAGES); \
	else \
	  echo "Please install: $(GLYPH_PACKAGES) (Debian/Ubuntu: sudo apt-get install $(GLYPH_PACKAGES))"; \
	  exit 1; \
	fi

$(GLYPHS_BUILT): $(GLYPH_FONT) $(WEB_MODULES) web/scripts/build-glyphs.mjs
	cd web && node scripts/build-glyphs.mjs $(GLYPH_FONT) glyphs $(GLYPH_LICENCE)
	touch $(GLYPHS_BUILT)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "machimap needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy .

pytest:
	$(BIN)/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile

demo: install
	$(BIN)/machimap demo

bench-import: install
	$(BIN)/python bench/import/run.py

bench-system:
	@if command -v wrk >/dev/null 2>&1; then \
	  echo "benchmark packages present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_PACKAGES); \
	else \
	  echo "Please install: $(BENCH_PACKAGES) (Debian/Ubuntu: sudo apt-get install $(BENCH_PACKAGES))"; \
	  exit 1; \
	fi

bench-serve: install bench-system
	$(BIN)/python -m bench.serve.run

# 100 clients submitting reports with photos for 60 s; `--quick` for a smoke run.
bench-planning: install
	$(BIN)/python -m bench.planning.projection
	$(BIN)/python -m bench.planning.coverage

bench-reports: install
	$(BIN)/python -m bench.reports.run

# The public map on a throttled phone (Debian chromium), compression on beside off; `--quick` for one run.
bench-phone: install test-system
	$(BIN)/python -m bench.phone.run

# The A3 poster of a 300-place map with 60 photos, cold and warm; `--quick` for a smoke run.
bench-print: install test-system
	$(BIN)/python -m bench.print.run

clean:
	-$(BIN)/machimap db stop
	rm -rf $(VENV) .machimap-test web/node_modules web/dist web/glyphs
