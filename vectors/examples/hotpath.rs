//! Rough timing of the assertion hot path against the bare signature check it contains, per
//! backend and algorithm (the benches crate does the careful measurement).
//!
//! `cargo run -p vectors --release --example hotpath`

use std::time::Instant;

use sha2::{Digest, Sha256};
use vectors::case::{parse_case, prepare_get};
use vectors::sig::Backend;
use vectors::verify::verify_assertion;
use vectors::webauthn::unb64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const N: u32 = 2_000;
    for name in ["get-es256-accept", "get-rs256-accept"] {
        let path = format!("{}/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let case = parse_case(&std::fs::read_to_string(path)?)?;
        let cred = case.credential.get().as_bytes().to_vec();
        let v: serde_json::Value = serde_json::from_slice(&cred)?;
        let field = |k: &str| unb64(v["response"][k].as_str().unwrap_or_default());
        let mut signed = field("authenticatorData")?;
        signed.extend_from_slice(&Sha256::digest(field("clientDataJSON")?));
        let sig = field("signature")?;
        for backend in Backend::ALL {
            let exp = prepare_get(&case.expected, backend)?.map_err(|r| r.to_string())?;
            // Alternate the two loops and keep the fastest round of each: the machine is shared.
            let (mut bare, mut full) = (f64::INFINITY, f64::INFINITY);
            for _ in 0..7 {
                let t = Instant::now();
                for _ in 0..N {
                    exp.key.verify(&signed, &sig).map_err(|e| e.to_string())?;
                }
                bare = bare.min(t.elapsed().as_secs_f64() / f64::from(N));
                let t = Instant::now();
                for _ in 0..N {
                    verify_assertion(&exp, &cred).map_err(|e| e.to_string())?;
                }
                full = full.min(t.elapsed().as_secs_f64() / f64::from(N));
            }
            // The parsing work alone: the same call with a wrong rpIdHash stops just before the
            // hash and the signature (the SHA-256 of ~150 bytes it skips is well under 1 us).
            let mut early = prepare_get(&case.expected, backend)?.map_err(|r| r.to_string())?;
            early.rp_id_hash[0] ^= 1;
            let mut parse = f64::INFINITY;
            for _ in 0..7 {
                let t = Instant::now();
                for _ in 0..N {
                    let r = verify_assertion(&early, &cred);
                    std::hint::black_box(&r);
                }
                parse = parse.min(t.elapsed().as_secs_f64() / f64::from(N));
            }
            println!(
                "{name:18} {:10} bare {:8.2} us  full {:8.2} us  ({:+6.2}%)  parsing alone {:6.2} us ({:.2}% of bare)",
                backend.name(),
                bare * 1e6,
                full * 1e6,
                (full / bare - 1.0) * 100.0,
                parse * 1e6,
                parse / bare * 100.0
            );
        }
    }
    Ok(())
}
