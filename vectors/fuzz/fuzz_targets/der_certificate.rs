//! Fuzz target `der_certificate` (body: `vectors_fuzz::der_certificate`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| vectors_fuzz::der_certificate(data));
