//! Fuzz target `json_credential` (body: `vectors_fuzz::json_credential`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| vectors_fuzz::json_credential(data));
