//! Fuzz target `der_crl` (body: `vectors_fuzz::der_crl`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| vectors_fuzz::der_crl(data));
