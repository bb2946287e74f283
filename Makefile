# The two front-door commands. Each installs what it needs first (see scripts/setup-debian.sh).

.PHONY: run test kiosk bench setup

# Runs the kiosk in a window, with the sample catalog and simulated devices (a banner says so).
run:
	scripts/setup-debian.sh run
	cargo run --locked -- run --simulate

# Runs every test in the workspace.
test:
	scripts/setup-debian.sh test
	cargo test --workspace --locked

# Builds the cabinet binary (Linux KMS/DRM, no X or Wayland).
kiosk:
	scripts/setup-debian.sh kiosk
	cargo build --release --locked --no-default-features --features kiosk

# Benchmarks (not part of the test suite).
bench:
	scripts/setup-debian.sh test
	cargo bench --workspace --locked

setup:
	scripts/setup-debian.sh run
