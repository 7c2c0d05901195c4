# 两条命令：make run（安装、迁移、示例数据、启动）与 make test（安装并运行全部测试）。
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run serve test lint migrate demo clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo

run: demo
	@echo "服务地址：http://$(HOST):$(PORT)  （按 Ctrl+C 停止）"
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --threads 8 wsgi:app

serve: migrate
	$(BIN)/waitress-serve --host $(HOST) --port $(PORT) --threads 8 wsgi:app

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
