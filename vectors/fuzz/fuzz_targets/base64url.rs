//! Fuzz target `base64url` (body: `vectors_fuzz::base64url`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| vectors_fuzz::base64url(data));
