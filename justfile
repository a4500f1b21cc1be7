# Every task of the project. The README's two commands are plain scripts so a fresh machine
# needs no `just`; these recipes call the same scripts.

# Run every test (installs what a fresh machine lacks).
test:
    ./scripts/test

# Start the local test wiki and sync and report the example campaign.
demo:
    ./scripts/demo

# Formatting and lints, as CI would want them.
check:
    cargo fmt --all --check
    cargo clippy --locked --workspace --all-targets -- -D warnings
    cargo clippy --locked --manifest-path plugins/Cargo.toml --workspace --target wasm32-wasip2 -- -D warnings

# Build the plugins alone, e.g. after changing one (the host build does this too).
plugins:
    cargo build --release --manifest-path plugins/Cargo.toml --target wasm32-wasip2 --workspace

# Build the release binary at target/release/wikidash.
release:
    cargo build --locked --release -p wikidash-cli

# Benchmarks against the request and parse floors; pass e.g. `--workload w2` (default: all three).
bench *ARGS:
    cargo build --locked --release -p wikidash-cli -p wikidash-bench
    target/release/wikidash-bench {{ARGS}}
