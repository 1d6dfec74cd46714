# Breather: build, install as a user service, test, benchmark.
# Nothing here runs through a shell that the daemon uses; this is only for people.

PREFIX     ?= $(HOME)/.local
BINDIR     := $(PREFIX)/bin
DOCDIR     := $(PREFIX)/share/doc/breather
CONFIG_HOME := $(or $(XDG_CONFIG_HOME),$(HOME)/.config)
CONFIG_DIR := $(CONFIG_HOME)/breather
UNIT_DIR   := $(CONFIG_HOME)/systemd/user
PYTHON     ?= /usr/bin/python3
SWIFT      ?= swift

# Build and test dependencies, from Debian.
DEBS := libsystemd-dev libcurl4-openssl-dev pkg-config make \
        python3-pytest python3-dbusmock dbus dbus-user-session systemd util-linux \
        tmux groff-base xvfb dunst notification-daemon xdotool imagemagick python3-venv

.PHONY: all build release deps install uninstall test unit-test integration-test bench bench-deps bench-smoke fuzz sanitize clean lint format

all: build

build:
	$(SWIFT) build

# The Swift runtime and Foundation linked in: a smaller, quicker-starting daemon and CLI.
# lld (it comes with the toolchain) links them position-independent, so the program itself
# keeps address randomisation, with its 75,000 relocations packed (RELR, glibc 2.36+).
# `make release PIE=no` links them at a fixed address instead: nothing is relocated at
# start, a few tenths of a millisecond quicker per command and 1.5 MiB fewer written pages
# in breatherd, for a program image that is always at the same place.
PIE ?= yes
ifeq ($(PIE),yes)
RELEASE_LINK := -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs
else
RELEASE_LINK := -Xswiftc -use-ld=lld -Xlinker -no-pie
endif

release:
	$(SWIFT) build -c release --static-swift-stdlib $(RELEASE_LINK)

deps:
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBS); \
	else \
	  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBS); \
	fi

# Installs everything and runs Breather as a user service where a systemd user manager runs.
# `make install DEPS=skip` leaves out the apt-get step (for machines that already have the
# packages, and for the end-to-end test); PREFIX (default ~/.local) moves the binaries.
INSTALL_DEPS := $(if $(filter skip,$(DEPS)),,deps)

install: $(INSTALL_DEPS) release
	install -d -m 0755 $(BINDIR) $(DOCDIR)
	install -s -m 0755 .build/release/breatherd .build/release/breather $(BINDIR)/
	install -m 0644 README.md $(DOCDIR)/README.md
	@# The example plans are copied only where none exists: a couple's plans are never
	@# overwritten. breather.toml (the names and the partner's channel) is written by
	@# `breather init`, which asks for them and fits the plans still as copied here. Where a
	@# breather.toml without a `phone` channel is already there, the copies remind on the
	@# desktop only, so that they are valid as they land.
	install -d -m 0700 $(CONFIG_DIR) $(CONFIG_DIR)/plans
	@for plan in config/plans/*.toml; do \
	  dest=$(CONFIG_DIR)/plans/$$(basename $$plan); \
	  [ -e $$dest ] && continue; \
	  if [ -e $(CONFIG_DIR)/breather.toml ] && ! grep -q '^\[channels\.phone\]' $(CONFIG_DIR)/breather.toml; then \
	    (umask 077; sed 's/to = \["desktop", "phone"\]/to = ["desktop"]/' $$plan > $$dest); \
	  else \
	    install -m 0600 $$plan $$dest; \
	  fi; \
	done
	install -d -m 0755 $(UNIT_DIR)
	sed 's|%h/.local/bin/breatherd|$(BINDIR)/breatherd|; s|%h/.local/share/doc/breather|$(DOCDIR)|' systemd/breather.service > $(UNIT_DIR)/breather.service
	install -m 0644 systemd/breather.socket $(UNIT_DIR)/breather.socket
	@# `show-environment` answers whenever a user manager runs, also while it is still starting
	@# or degraded (where `is-system-running` exits non-zero). `restart` (not `start`) so that a
	@# second install runs the new binary; the saved state carries a running break across it.
	@if systemctl --user show-environment >/dev/null 2>&1; then \
	  systemctl --user daemon-reload && \
	  systemctl --user enable breather.socket breather.service && \
	  systemctl --user start breather.socket && \
	  systemctl --user restart breather.service && \
	  echo "Breather is running as a user service: try 'breather status' or 'breather doctor'." || exit 1; \
	  user=$$(id -un); \
	  if [ "$$(loginctl show-user "$$user" -p Linger --value 2>/dev/null)" != yes ] && [ ! -e /var/lib/systemd/linger/$$user ]; then \
	    echo "Lingering is off, so breatherd stops when you log out and a pending check-in would wait until you log in again; 'loginctl enable-linger $$user' keeps it running."; \
	  fi; \
	else \
	  echo "No systemd user manager is running here, so Breather was not started as a service."; \
	  echo "Run it in the foreground instead:  $(BINDIR)/breatherd"; \
	fi
	@[ -e $(CONFIG_DIR)/breather.toml ] || echo "Next: 'breather init' asks for your two names and how to reach your partner, then 'breather reload'."

# Removes the binaries and the units; your config and state (history, a running break) stay.
uninstall:
	-systemctl --user disable --now breather.service breather.socket 2>/dev/null
	rm -f $(BINDIR)/breatherd $(BINDIR)/breather $(UNIT_DIR)/breather.service $(UNIT_DIR)/breather.socket
	rm -rf $(DOCDIR)
	-systemctl --user daemon-reload 2>/dev/null
	@echo "Breather is removed; your config ($(CONFIG_DIR)) and history are kept."

# The whole suite: Swift unit tests, the real programs against real components, and a
# few seconds of the benchmark so its harness cannot rot.
test: unit-test integration-test bench-smoke

unit-test:
	$(SWIFT) build
	$(SWIFT) test

integration-test: build
	BREATHER_BIN_DIR=$(CURDIR)/.build/debug $(PYTHON) -m pytest -v -p no:cacheprovider Tests/integration

# Figures for BENCHMARKS.md, from the release build, beside systemd-run and at.
bench-deps:
	@command -v atd >/dev/null || { apt-get install -y --no-install-recommends at || sudo apt-get install -y --no-install-recommends at; }

bench: bench-deps release
	$(PYTHON) bench/run.py --bin .build/release --out BENCHMARKS.md

bench-smoke: build
	$(PYTHON) bench/run.py --smoke --bin .build/debug --out /dev/null

# libFuzzer with AddressSanitizer over everything that reads untrusted bytes: the control
# protocol, templates and durations, the state file, the config. Seeds live in Fuzz/Corpus;
# a crash is written to Fuzz/artifacts/ and fails the run. Leak detection is off: the
# toolchain's Foundation (FileManager.contents(atPath:)) leaks small buffers that are not
# ours to fix, and these targets hunt crashes.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := FuzzRequest:request FuzzTemplate:template FuzzState:state FuzzConfig:config
fuzz:
	$(SWIFT) build --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
	@mkdir -p Fuzz/artifacts
	@for pair in $(FUZZ_TARGETS); do \
	  target=$${pair%%:*}; seeds=$${pair##*:}; work=$$(mktemp -d); \
	  echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
	  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 Fuzz/.build/debug/$$target -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10 -detect_leaks=0 \
	    -artifact_prefix=Fuzz/artifacts/$$target- $$work Fuzz/Corpus/$$seeds 2>Fuzz/artifacts/$$target.log \
	    || { tail -40 Fuzz/artifacts/$$target.log; rm -rf $$work; exit 1; }; \
	  tail -1 Fuzz/artifacts/$$target.log; rm -rf $$work; \
	done

# The Swift suites under ThreadSanitizer and AddressSanitizer. Leak reports are off for
# the address run: Foundation's Process leaks small buffers that are not ours.
sanitize:
	$(SWIFT) test --sanitize=thread --scratch-path .build-tsan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize=address --scratch-path .build-asan

# swift-format (in the toolchain) with .swift-format: 120 columns. `make format` rewrites,
# `make lint` checks and fails on any finding (CI runs it).
SWIFT_FORMAT_PATHS := Sources Tests Fuzz/Sources Package.swift Fuzz/Package.swift
format:
	$(SWIFT) format -i -r $(SWIFT_FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict -r $(SWIFT_FORMAT_PATHS)

clean:
	rm -rf .build .build-tsan .build-asan .build-hooks Fuzz/.build

# Shell completions and the man page, generated by the release build from its own command
# tree, installed with `make install` and removed with `make uninstall`. Bash and fish find
# these folders by themselves; zsh needs ~/.local/share/zsh/site-functions in its fpath
# (see the README), and man finds ~/.local/share/man when ~/.local/bin is on PATH.
DATA_HOME       := $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
BASH_COMPLETION := $(DATA_HOME)/bash-completion/completions/breather
ZSH_COMPLETION  := $(DATA_HOME)/zsh/site-functions/_breather
FISH_COMPLETION := $(CONFIG_HOME)/fish/completions/breather.fish
MAN_PAGE        := $(DATA_HOME)/man/man1/breather.1

.PHONY: install-completions uninstall-completions
install: install-completions
uninstall: uninstall-completions

install-completions: release
	install -d -m 0755 $(dir $(BASH_COMPLETION)) $(dir $(ZSH_COMPLETION)) $(dir $(FISH_COMPLETION)) $(dir $(MAN_PAGE))
	.build/release/breather --generate-completion-script bash > $(BASH_COMPLETION)
	.build/release/breather --generate-completion-script zsh > $(ZSH_COMPLETION)
	.build/release/breather --generate-completion-script fish > $(FISH_COMPLETION)
	.build/release/breather --generate-manual > $(MAN_PAGE)
	chmod 0644 $(BASH_COMPLETION) $(ZSH_COMPLETION) $(FISH_COMPLETION) $(MAN_PAGE)

uninstall-completions:
	rm -f $(BASH_COMPLETION) $(ZSH_COMPLETION) $(FISH_COMPLETION) $(MAN_PAGE)
