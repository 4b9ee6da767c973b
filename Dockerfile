# syntax=docker/dockerfile:1
# hemisim in a container, for sweeps on a cluster (README.md, "Running on a cluster"): a build
# stage that compiles the release binary, and a slim runtime image with just the binary and the
# example scenarios.
#
#   docker build -t hemisim .
#   docker run --rm hemisim run scenarios/quickstart.toml --set duration_s=3600
#   docker run --rm -v "$PWD/out:/out" hemisim sweep scenarios/anchoring.toml \
#       --grid l2.block_time_s=2,6,12 --shard 0/3 --out /out/shard-0
#   apptainer build hemisim.sif docker-daemon://hemisim:latest    # for Slurm clusters
#
# The entry point is the binary: arguments are hemisim's (`docker run --rm hemisim --help`).
# Outputs belong on a mounted volume; the image's working folder holds scenarios/.

# The toolchain the project is tested with (rust-version in Cargo.toml is the oldest it builds
# with). The full image, not -slim: revm's dependencies compile C code (blst, c-kzg, secp256k1).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# .cargo/config.toml sets `--cfg madsim`, without which the build refuses to compile. Do not set
# RUSTFLAGS here: it would replace that setting. The caches keep crates and objects between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p hemisim --bin hemisim \
    && cp target/release/hemisim /usr/local/bin/hemisim

# Runtime: glibc and libgcc are all the binary needs (fonts for the figures are built in).
FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/hemisim /usr/local/bin/hemisim
COPY scenarios /opt/hemisim/scenarios
WORKDIR /opt/hemisim
# A user of its own: outputs on a mounted volume belong to uid 1000, not root.
RUN useradd --uid 1000 --create-home hemisim && chown hemisim /opt/hemisim
USER hemisim
ENTRYPOINT ["hemisim"]
CMD ["--help"]
