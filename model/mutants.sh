#!/usr/bin/env bash
# Mutation adequacy of the model's defences (issue 9): cargo-mutants mutates the defence code
# (the server, the card, the policy automaton, the biometric sensor, the authenticator, the
# secure element, the kiosk, and the owner's and attacker's verbs) and judges each mutant with
# `model check` alone: tests/mutation_oracle.rs runs the default check (must be clean) and every
# bug switch (each must still break the property it names; each search stops at its first
# counterexample). Not part of CI: about a minute per
# mutant on 2 cores.
#
#   model/mutants.sh                 every defence file
#   model/mutants.sh policy server   only model/src/policy.rs and model/src/server.rs
#   MUTANTS_ARGS="--shard 0/8 --sharding round-robin" model/mutants.sh
#                                    extra cargo-mutants flags: here every 8th mutant, a sample
#                                    spread over all the files (a batch scheduler can run the
#                                    8 shards side by side and add up mutants.out/*.txt)
#
# The results are in mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt);
# model/README.md lists each survivor with the reason it is equivalent or how it was killed.
set -euo pipefail
cd "$(dirname "$0")/.."

version=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q "$version"; then
    cargo install cargo-mutants --locked --version "$version"
fi

defences=(server card policy biometric authenticator secure_element kiosk owner attacker)
files=()
for f in "${@:-${defences[@]}}"; do
    [[ -f model/src/$f.rs ]] || { echo "mutants.sh: no model/src/$f.rs" >&2; exit 2; }
    files+=(--file "model/src/$f.rs")
done

# Not defences, so not for this oracle: text for people (Display), the `model budget` figures
# (`budget`, `window_secs`, `count_*`, `PinStage::space`, `Throttle::steady_from`: `model check`
# never computes them) and
# the policy validation that only a user's configuration reaches (the built-ins are valid),
# and the names of the capability table's rows (held to model/README.md by
# tests/capabilities.rs).
exclude=(
    --exclude-re 'impl (std::)?fmt::Display|impl Display|Capability::name'
    --exclude-re '\b(budget|window_secs|count_biometric|count_pin|PinStage::space|steady_from|Policy::validate)\b'
)

# shellcheck disable=SC2086
cargo mutants --package model "${files[@]}" "${exclude[@]}" \
    --profile mutants --jobs 1 --timeout 300 ${MUTANTS_ARGS:-} \
    -- --test mutation_oracle -- --ignored
