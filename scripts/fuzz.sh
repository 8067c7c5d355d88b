#!/usr/bin/env bash
# Coverage-guided fuzzing of the verifier's parsers (vectors/fuzz, libFuzzer via libfuzzer-sys).
#
#     scripts/fuzz.sh [SECONDS [TARGET...]]    # default: 600 s for each of the six targets
#     scripts/fuzz.sh --smoke                  # 5 s each (what CI may afford)
#
# Targets: json_credential base64url cbor_attestation authenticator_data der_certificate der_crl.
# Only stable Rust is needed: the crate is built with stable -C flags for SanitizerCoverage
# (inline 8-bit counters, PC table, comparison tracing) for the target triple only (so build
# scripts stay uninstrumented), without a sanitizer runtime (the verifier has no unsafe code;
# panics, overflow and debug assertions are what is caught). It is what `cargo fuzz build -s none`
# does, without needing cargo-fuzz itself. Each run starts from a copy of the committed seed
# corpus vectors/fuzz/corpus/TARGET in target/fuzz/corpus/TARGET (the committed one is never
# rewritten), with -seed=1; crashes go to target/fuzz/artifacts/TARGET/. Prints one line per
# target: executions, crashes, seconds. Exit 1 if any target crashed, 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(json_credential base64url cbor_attestation authenticator_data der_certificate der_crl)
secs=600
if [ "${1:-}" = "--smoke" ]; then secs=5; shift; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,16p' "$0"; exit 0; fi
if [ $# -gt 0 ]; then
    case "$1" in *[!0-9]* | '') echo "error: SECONDS must be a whole number, got '$1'" >&2; exit 2 ;; esac
    secs=$1; shift
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || { echo "error: unknown fuzz target '$t' (one of: ${all[*]})" >&2; exit 2; }
done

triple=$(rustc -vV | sed -n 's/^host: //p')
out=$PWD/target/fuzz
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions"
(cd vectors/fuzz && cargo build --release --locked --target "$triple" --target-dir "$out" --bins)

crashed=0
printf '%-20s %12s %8s %8s\n' target executions crashes seconds
for t in "${targets[@]}"; do
    corpus=$out/corpus/$t
    art=$out/artifacts/$t
    mkdir -p "$corpus" "$art"
    cp -n vectors/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    log=$out/$t.log
    start=$(date +%s)
    set +e
    "$out/$triple/release/$t" "$corpus" -seed=1 -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="$art/" -max_len=8192 >"$log" 2>&1
    rc=$?
    set -e
    end=$(date +%s)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    n=$(find "$art" -type f -name 'crash-*' | wc -l)
    if [ "$rc" -ne 0 ] || [ "$n" -gt 0 ]; then crashed=1; fi
    printf '%-20s %12s %8s %8s\n' "$t" "${execs:-?}" "$n" "$((end - start))"
    [ "$rc" -eq 0 ] || { echo "  $t exited $rc; see $log" >&2; tail -20 "$log" >&2; }
done
exit "$crashed"
