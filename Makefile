.PHONY: install run test lint bench audio

install:
	python -m pip install -e ".[dev]"

run:
	podsift run

test:
	python -m pytest -q

lint:
	ruff format --check .
	ruff check .
	mypy flows tasks warehouse

bench:
	python bench/ads.py --dev ../shared/corpus/ads-dev
	python bench/facts.py ../shared/corpus/ads-dev
	python bench/adfree.py

audio:
	python scripts/make_audio.py
