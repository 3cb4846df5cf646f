# creditstreet — the README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test install sysdeps bench clean i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Run the app on SQLite with the demo city at http://127.0.0.1:5000 (prints the demo logins), with
## the one scheduler process beside it (it sends the SMS outbox: the console sender prints them here).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	@$(BIN)/flask scheduler run & sched=$$!; trap 'kill $$sched 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## The Debian packages the tests need (Chromium, CJK fonts, Pango, pg client): installed when missing
## as root, otherwise one line says what to run. SKIP_SYSDEPS=1 skips the check.
sysdeps:
	@[ -n "$(SKIP_SYSDEPS)" ] || bash .ci/system-deps

## Run every test (SQLite by default; set DATABASE_URL=postgresql://… for PostgreSQL).
## Browser screenshots go to test-artifacts/ (git-ignored), or to $$CREDITSTREET_TEST_ARTIFACTS.
test: install sysdeps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Re-extract UI strings and recompile the catalogs (commit the .po and .mo files).
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o creditstreet/translations/messages.pot .
	$(BIN)/pybabel update -i creditstreet/translations/messages.pot -d creditstreet/translations
	$(BIN)/pybabel compile -d creditstreet/translations

clean:
	rm -rf $(VENV) instance/*.sqlite3*
