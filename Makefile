# The two commands of the README, and a few helpers. Each target sets up what it needs:
# .venv is (re)built from requirements/ whenever a requirements file or pyproject.toml changes.
#
#   make up      migrate and run every service (UP_ARGS="--only auth --server gunicorn")
#   make test    the whole suite: wanzo_common's tests, then each service's (PYTEST_ARGS="-x")
#   make lint    ruff
#   make bench   every bench/*.py but the chaos soak
#   make chaos   the chaos soak: 10 minutes of faults under load, then every invariant (CHAOS_ARGS)
#   make kafka   a real Apache Kafka on 127.0.0.1:9092, in the foreground (a JDK and Maven)
#   make monitor Prometheus and Alertmanager (Debian's packages) scraping `make up`, in the foreground
#   make monitoring-check  the monitoring stack's static checks (promtool, amtool, docker-compose)
#   make container-smoke   build the image with podman and run every role (deploy/containers/)
#   make container-compose the whole compose system under podman, demo traffic, Prometheus checks
#   make clean   caches and build leftovers (make distclean also removes .venv)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := admin accounting app_mobile auth
PIP := $(PY) -m pip -qq --disable-pip-version-check

# Each service's pytest.ini names its settings; an inherited value would override it.
unexport DJANGO_SETTINGS_MODULE

.PHONY: up test lint bench chaos kafka clean distclean venv monitor monitoring-check container-smoke container-compose

venv: $(STAMP)

$(STAMP): $(wildcard requirements/*.txt) pyproject.toml
	@test -x $(PY) || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing requirements/test.txt and wanzo_common into $(VENV)"
	@$(PIP) install -r requirements/test.txt
	@$(PIP) install -e .
	@touch $@

up: $(STAMP)
	$(PY) manage_all.py up $(UP_ARGS)

test: $(STAMP)
	@status=0; summary=""; \
	run() { \
		label=$$1; shift; echo; echo "=== $$label"; start=$$(date +%s); \
		( "$$@" ); code=$$?; took=$$(( $$(date +%s) - start )); \
		case $$code in 0) result=passed;; 5) result="NO TESTS";; *) result=FAILED; status=1;; esac; \
		summary="$$summary$$(printf '  %-14s %-9s %4ss' "$$label" "$$result" "$$took")\n"; \
	}; \
	run wanzo_common $(PY) -m pytest $(PYTEST_ARGS); \
	for service in $(SERVICES); do \
		run $$service sh -c "cd services/$$service && ../../$(PY) -m pytest $(PYTEST_ARGS)"; \
	done; \
	echo; echo "=== summary"; printf "$$summary"; \
	if [ $$status -eq 0 ]; then echo "all suites passed"; else echo "some suites FAILED"; fi; \
	exit $$status

lint: $(STAMP)
	$(PY) -m ruff check .

bench: $(STAMP)
	@status=0; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		[ "$$script" = bench/chaos.py ] && continue; \
		echo "=== $$script"; $(PY) "$$script" || status=1; \
	done; exit $$status

chaos: $(STAMP)
	$(PY) bench/chaos.py $(CHAOS_ARGS)

kafka:
	deploy/kafka/start.sh

monitor: $(STAMP)
	deploy/monitoring/monitor.sh

monitoring-check: $(STAMP)
	deploy/monitoring/check.sh

container-smoke: $(STAMP)
	deploy/containers/smoke.sh

container-compose: $(STAMP)
	deploy/containers/compose.sh

clean:
	rm -rf .tox .pytest_cache .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) deploy/kafka/lib
