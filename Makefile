# The two commands that set up everything on a fresh Debian 12 machine:
#   make run    install what is missing, build, start `bastion serve` on its embedded default
#   make test   install what is missing, build, run every test
PRESET ?= dev
BUILD := build/$(PRESET)
JOBS ?= $(shell nproc)

.PHONY: all deps node build run example test unit interop conformance fuzz bench release clean

all: build

deps:
	@bash scripts/deps.sh

# Node 22 and the official MCP tools (conformance suite, TypeScript SDK clients), from npm only.
node: deps
	@bash scripts/node-tools.sh

$(BUILD)/build.ninja: | deps
	cmake --preset $(PRESET)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: PRESET = release
run: build
	./build/release/src/cli/bastion serve

# The shop example (examples/shop): files, sql and http tools behind every guard.
example: PRESET = release
example: build
	test -f examples/shop/app.db || sqlite3 examples/shop/app.db < examples/shop/app.sql
	cd examples/shop && ../../build/release/src/cli/bastion serve --config bastion.toml

test: build node
	ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure
	bash tests/interop/run-all.sh $(BUILD)
	$(MAKE) fuzz

fuzz: deps
	cmake --preset fuzz
	cmake --build build/fuzz -j $(JOBS)
	ctest --test-dir build/fuzz --output-on-failure

bench: deps
	cmake --preset release
	cmake --build build/release -j $(JOBS)
	bash bench/run.sh build/release

release:
	$(MAKE) build PRESET=release

clean:
	rm -rf build
