# The two front-door commands. Each installs what it needs first (see scripts/setup-debian.sh).

.PHONY: run test kiosk bench setup image image-test

# Runs the kiosk in a window, with the sample catalog and simulated devices (a banner says so).
run:
	scripts/setup-debian.sh run
	cargo run --locked -- run --simulate

# Runs every test in the workspace; then the central system's tests again as a cluster runs
# it: on PostgreSQL, with attachments in an S3-compatible store (a PostgreSQL cluster and
# OpenStack Swift the tests start themselves; crates/central/tests/common/pg.rs, swift.rs).
test:
	scripts/setup-debian.sh test
	cargo test --workspace --locked
	ONEVISIT_TEST_DATABASE=postgres ONEVISIT_TEST_ATTACHMENTS=s3 cargo test --locked -p onevisit-central --tests

# Builds the cabinet binary (Linux KMS/DRM, no X or Wayland). ARCH=arm64 cross-compiles it
# for the Raspberry Pi: target/aarch64-unknown-linux-gnu/release/onevisit.
ARCH ?= amd64
kiosk:
ifeq ($(ARCH),arm64)
	scripts/setup-debian.sh kiosk-arm64
	rustup target add aarch64-unknown-linux-gnu
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	  CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
	  PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
	  cargo build --release --locked --no-default-features --features kiosk --target aarch64-unknown-linux-gnu
else
	scripts/setup-debian.sh kiosk
	cargo build --release --locked --no-default-features --features kiosk
endif

# Benchmarks (not part of the test suite); the capture one runs OpenCV beside ours.
bench:
	scripts/setup-debian.sh bench
	cargo bench --workspace --locked

setup:
	scripts/setup-debian.sh run

# The kiosk's OS image (image/README.md): image/out/onevisit-$(ARCH).img.zst and .raucb.
image:
	scripts/setup-debian.sh $(if $(filter arm64,$(ARCH)),image-arm64,image)
	image/build.sh $(ARCH)

# Boots the image under QEMU and checks it; prints `image-test: N passed, M failed`.
image-test: image
	cargo build --locked
	image/test.py --image image/out/onevisit-$(ARCH).img.zst --bundle image/out/onevisit-$(ARCH).raucb
