# The two front-door commands. Each installs what it needs first (see scripts/setup-debian.sh).

.PHONY: run test kiosk bench setup image image-test

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

# The kiosk's OS image (image/README.md): image/out/onevisit-$(ARCH).img.zst and .raucb.
ARCH ?= amd64
image:
	scripts/setup-debian.sh image
	image/build.sh $(ARCH)

# Boots the image under QEMU and checks it; prints `image-test: N passed, M failed`.
image-test: image
	cargo build --locked
	image/test.py --image image/out/onevisit-$(ARCH).img.zst
