//! Fuzz target `authenticator_data` (body: `vectors_fuzz::authenticator_data`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| vectors_fuzz::authenticator_data(data));
