# The README's two commands are `make demo` and `make test`; both set everything up first.
SHELL := /bin/bash
PY := .venv/bin/python
export DEEPOMICS_PYTHON := $(CURDIR)/$(PY)

SANITIZE_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
# Python itself is not built with ASan: preload the runtimes and leave leak checks to test-cpp.
ASAN_ENV := LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
            ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1
DM3_FASTA = $$(Rscript -e 'cat(system.file("extdata", "dm3_upstream2000.fa.gz", package = "Biostrings"))')
FUZZ_SECONDS ?= 300

.PHONY: setup demo test test-python test-cpp test-asan test-r fuzz bench bench-accuracy repro check clean

setup:
	@bash scripts/setup.sh

# The main job, from Python (the command line) and then from R (Rscript), which prints the same.
demo: setup
	$(PY) -m deepomics.cli demo --fasta "$(DM3_FASTA)"
	Rscript -e 'deepomics::runDemo()'

test: setup test-python test-cpp test-asan test-r

test-python:
	$(PY) -m pytest -q tests

# The kernels' own C++ tests, under AddressSanitizer and UBSan (leak checks on).
test-cpp:
	@mkdir -p build/cpp
	g++ -std=c++17 $(SANITIZE_FLAGS) -Wall -Wextra -Isrc_cpp tests/cpp/test_kernels.cpp \
	    src_cpp/encode.cpp src_cpp/fasta.cpp -o build/cpp/test_kernels -lpthread
	build/cpp/test_kernels

# The extension built with ASan/UBSan (in build/asan), run under the sequence tests and fuzzers.
build/asan/deepomics/_core.so: src_cpp/*.cpp src_cpp/*.hpp python/deepomics/*.py
	@mkdir -p build/asan
	rm -rf build/asan/deepomics && cp -r python/deepomics build/asan/ && rm -f build/asan/deepomics/*.so
	$(PY) -c "import pybind11, sysconfig; print(pybind11.get_include(), sysconfig.get_paths()['include'])" > build/asan/includes
	g++ -std=c++17 -shared -fPIC $(SANITIZE_FLAGS) -Isrc_cpp \
	    $$(for d in $$(cat build/asan/includes); do echo -I$$d; done) \
	    src_cpp/*.cpp -o $@ -lpthread

test-asan: build/asan/deepomics/_core.so
	$(ASAN_ENV) PYTHONPATH=build/asan $(PY) -m pytest -q -p no:cacheprovider tests/test_seq.py tests/test_fasta.py tests/test_fuzz.py

# The installed R package (set-up installs it), against the .venv backend.
test-r:
	cd rpkg/tests && DEEPOMICS_REQUIRE_BACKEND=1 Rscript testthat.R

# A longer fuzz run of read_fasta and one_hot against the sanitized build.
fuzz: setup build/asan/deepomics/_core.so
	@mkdir -p fuzz-corpus/fasta fuzz-corpus/one_hot
	$(ASAN_ENV) PYTHONPATH=build/asan $(PY) tests/fuzz/fuzz_fasta.py -max_total_time=$(FUZZ_SECONDS) fuzz-corpus/fasta
	$(ASAN_ENV) PYTHONPATH=build/asan $(PY) tests/fuzz/fuzz_one_hot.py -max_total_time=$(FUZZ_SECONDS) fuzz-corpus/one_hot

# Speed against peers, each ratio measured in one run (installs the peers).
bench: setup
	$(PY) -m pip install -q -c constraints.txt -e ".[bench]"
	$(PY) benchmarks/bench_encode.py
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_train_instructions.py
	$(PY) benchmarks/bench_ism.py
	Rscript benchmarks/bench_rbridge.R

# Published results reproduced on ../shared/data (not part of `make test`): each script prints
# Markdown tables; together they are benchmarks/repro/RESULTS.md.
repro: setup
	@mkdir -p bench-out
	set -o pipefail; cd benchmarks/repro && for set in ecoli bacillus arabidopsis; do \
	  ../../$(PY) promoters.py --sets $$set | tee ../../bench-out/promoters-$$set.md || exit 1; done
	set -o pipefail; cd benchmarks/repro && ../../$(PY) deepbind.py | tee ../../bench-out/deepbind.md
	set -o pipefail; cd benchmarks/repro && ../../$(PY) deeploc.py | tee ../../bench-out/deeploc.md
	(echo "# Reproductions of published results"; echo; \
	  echo "Written by \`make repro\`; what else was tried on the promoter sets: [EXPERIMENTS.md](EXPERIMENTS.md)."; \
	  echo; cat bench-out/promoters-ecoli.md \
	  bench-out/promoters-bacillus.md bench-out/promoters-arabidopsis.md \
	  bench-out/deepbind.md bench-out/deeploc.md) > benchmarks/repro/RESULTS.md

# Accuracy on real data that installed packages ship, against the classic baselines.
bench-accuracy: setup
	$(PY) benchmarks/bench_expression.py

check: setup
	R CMD build rpkg && R CMD check --no-manual deepomics_*.tar.gz

clean:
	rm -rf build fuzz-corpus deepomics_*.tar.gz deepomics.Rcheck
