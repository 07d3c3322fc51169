# PBC Manager: two commands. `make run` sets up and serves the demo; `make test` runs the suite.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
# Two test processes on this two-core machine; set XDIST= to run in one.
XDIST  ?= -n 2
PORT   ?= 8000

.PHONY: run test install lock lint format check-deploy migrate seed worker beat benchmark backup restore clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed (python3.11 not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# requirements.lock pins every package; installs are the same on every machine.
$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_budgets_demo
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_agreements_demo
	@echo "PBC Manager is starting on http://$(HOST):$(PORT)/ (Ctrl+C to stop)."
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -q $(XDIST) $(PYTEST_ARGS)

lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-deploy: install
	DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-secret-value-for-checks \
	DJANGO_ALLOWED_HOSTS=pbc.example.nhs.uk $(BIN)/python manage.py check --deploy --fail-level WARNING

worker: install
	$(BIN)/celery -A pbc worker -l info

beat: install
	$(BIN)/celery -A pbc beat -l info

# make backup [BACKUP=dir]; make restore BACKUP=dir (asks before replacing the data).
backup: install
	$(BIN)/python manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || { echo "Name the backup: make restore BACKUP=backups/<time>"; exit 1; }
	$(BIN)/python manage.py restore $(BACKUP)

benchmark: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
