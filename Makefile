# 两条命令：make run（安装、迁移、示例数据、启动）与 make test（安装并运行全部测试）。
# make run PORT=5001 换端口；make run HOST=0.0.0.0 让局域网中的手机也能访问。
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test check-port run serve test lint migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# What the server needs; the test tools (pytest, Playwright, ruff …) only for make test / make lint.
$(BIN)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

install-test: $(BIN)/.installed-test

# Before installing and serving: a busy port is explained in Chinese instead of a traceback at the end.
check-port:
	@$(PYTHON) tools/check_port.py $(HOST) $(PORT)

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo

run: check-port demo
	@echo "服务地址：http://$(HOST):$(PORT)  （按 Ctrl+C 停止）"
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --threads 8 wsgi:app

serve: check-port migrate
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --threads 8 wsgi:app

lint: install-test
	$(BIN)/ruff check .

test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
