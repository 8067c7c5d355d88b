//! Fuzz target `cbor_attestation` (body: `vectors_fuzz::cbor_attestation`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| vectors_fuzz::cbor_attestation(data));
