//! CI's share of the coverage-guided fuzzing (issue 12): the committed seed corpus
//! `vectors/fuzz/corpus/TARGET/*` replayed through the very bodies the libFuzzer targets run
//! (`vectors/fuzz/src/lib.rs`, compiled here by `#[path]`), without instrumentation, so CI
//! needs no libFuzzer build. The timed runs are `scripts/fuzz.sh` (see vectors/README.md).
//!
//! Negative control: the fixtures accept their own committed credential, so the mutated
//! inputs start from bytes that pass every check (the fuzzer reaches the deep checks).

#[path = "../fuzz/src/lib.rs"]
mod bodies;

use std::path::Path;

type Body = fn(&[u8]);

const TARGETS: [(&str, Body); 6] = [
    ("json_credential", bodies::json_credential),
    ("base64url", bodies::base64url),
    ("cbor_attestation", bodies::cbor_attestation),
    ("authenticator_data", bodies::authenticator_data),
    ("der_certificate", bodies::der_certificate),
    ("der_crl", bodies::der_crl),
];

#[test]
fn committed_fuzz_corpus_replays_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, body) in TARGETS {
        let mut n = 0;
        for e in std::fs::read_dir(root.join(name)).expect("corpus dir") {
            let bytes = std::fs::read(e.expect("entry").path()).expect("seed");
            body(&bytes);
            n += 1;
        }
        assert!(n >= 1, "{name}: empty corpus");
    }
}

#[test]
fn fixtures_accept_their_own_credentials() {
    let (exp, cred) = bodies::get();
    assert!(vectors::verify::verify_assertion(&exp, cred.to_string().as_bytes()).is_ok());
    let (exp, cred) = bodies::create();
    assert!(vectors::verify::verify_registration(&exp, cred.to_string().as_bytes()).is_ok());
    let (exp, cred, _) = bodies::card();
    assert!(vectors::verify::verify_card(&exp, cred.to_string().as_bytes()).is_ok());
}
