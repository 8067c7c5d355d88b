//! JPKI card authentications whose certificates, CRLs and signatures are made by the `openssl`
//! command line (an independent generator: OpenSSL's `req`, `ca`, `dgst`), judged by
//! `vectors::case::verify_text` as a relying party would (issue 12, JPKI part).
//!
//! A CA made with `openssl ca -selfsign`, card certificates issued by `openssl ca` from an
//! extension file, a CRL from `openssl ca -gencrl` after `openssl ca -revoke`, and the card's
//! RSASSA-PKCS1-v1_5 SHA-256 signature over the challenge from `openssl dgst -sha256 -sign`.
//! Each case states the verdict RFC 5280 and the JPKI profile give it:
//!
//! | case | openssl extension / setting | verdict |
//! |---|---|---|
//! | good card | `keyUsage=critical,digitalSignature`, `extendedKeyUsage=clientAuth` | accept |
//! | no digitalSignature | `keyUsage=critical,keyEncipherment` | key-usage-not-permitted |
//! | EKU serverAuth | `extendedKeyUsage=critical,serverAuth` | key-usage-not-permitted |
//! | unknown critical | `1.3.6.1.4.1.32473.9=critical,ASN1:NULL` | unknown-critical-extension |
//! | RSA-1024 card key | `genpkey rsa_keygen_bits:1024` | key-type-mismatch |
//! | expired card | `-startdate 20200401… -enddate 20250331…` | cert-expired |
//! | revoked card | `ca -revoke`, then `ca -gencrl` | cert-revoked |
//! | CA with `CA:FALSE` | `basicConstraints=critical,CA:FALSE` on the CA | ca-not-a-ca |
//! | expired CA | CA valid 2010-2020 | ca-not-valid |
//! | notBefore 1949-12-31 | GeneralizedTime (RFC 5280 §4.1.2.5) | accept |
//! | notBefore 1955-01-01 | UTCTime `55…` (1955) | accept |
//! | valid 1940 to 1960 | GeneralizedTime, UTCTime `60…` | cert-expired |
//!
//! `now` is the clock of the test run (the CRL's thisUpdate is then, nextUpdate 30 days later);
//! the certificates' fixed dates (2024-2034 CA, 2025-2030 cards) hold it until 2030.
//!
//! Needs the `openssl` program (`scripts/setup.d/30-openssl.sh` installs Debian's `openssl` and
//! exports `MYNAFIDO_OPENSSL`). Without it the test is skipped, except under `CI=true`, where it
//! fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use vectors::case::verify_text;
use vectors::sig::Backend;
use vectors::webauthn::b64;

fn openssl() -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var("MYNAFIDO_OPENSSL").unwrap_or_else(|_| "openssl".into()));
    Command::new(&p)
        .arg("version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| p)
}

struct Ossl {
    bin: PathBuf,
    dir: PathBuf,
}

impl Ossl {
    fn run(&self, args: &[&str]) {
        let out = Command::new(&self.bin)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).expect("write in temp dir");
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(name)).expect("openssl wrote it")
    }

    fn key(&self, name: &str, bits: u32) {
        let bits = format!("rsa_keygen_bits:{bits}");
        self.run(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &bits,
            "-out",
            name,
        ]);
    }

    /// A CA database in `sub/` (index, serial) and its `openssl ca` configuration.
    fn ca_dir(&self, sub: &str) {
        let d = self.dir.join(sub);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("index.txt"), "").expect("index");
        std::fs::write(d.join("serial"), "1001\n").expect("serial");
        std::fs::write(d.join("crlnumber"), "01\n").expect("crlnumber");
        let cnf = format!(
            "[ca]\ndefault_ca = dflt\n[dflt]\ndir = {d}\ndatabase = {d}/index.txt\n\
             new_certs_dir = {d}\nserial = {d}/serial\ncrlnumber = {d}/crlnumber\n\
             default_md = sha256\ndefault_crl_days = 30\npolicy = pol\nunique_subject = no\n\
             copy_extensions = none\n[pol]\ncountryName = optional\n\
             organizationName = optional\ncommonName = supplied\n",
            d = d.display()
        );
        std::fs::write(d.join("ca.cnf"), cnf).expect("cnf");
    }

    /// A self-signed CA in `sub/` with the extension section `ext` of `ext.cnf`.
    fn ca(&self, sub: &str, ext: &str, (from, to): (&str, &str)) {
        self.ca_dir(sub);
        let key = format!("{sub}/ca.key");
        self.key(&key, 2048);
        let csr = format!("{sub}/ca.csr");
        self.run(&[
            "req",
            "-new",
            "-key",
            &key,
            "-subj",
            "/C=JP/O=openssl test/CN=openssl JPKI CA",
            "-out",
            &csr,
        ]);
        let cnf = format!("{sub}/ca.cnf");
        let pem = format!("{sub}/ca.pem");
        self.run(&[
            "ca",
            "-batch",
            "-config",
            &cnf,
            "-selfsign",
            "-keyfile",
            &key,
            "-in",
            &csr,
            "-startdate",
            from,
            "-enddate",
            to,
            "-extfile",
            "ext.cnf",
            "-extensions",
            ext,
            "-notext",
            "-out",
            &pem,
        ]);
    }

    /// A card certificate `name.der` (key `name.key`) issued by the CA in `sub/`.
    fn card(&self, sub: &str, name: &str, bits: u32, ext: &str, (from, to): (&str, &str)) {
        let key = format!("{name}.key");
        self.key(&key, bits);
        let csr = format!("{name}.csr");
        let subj = format!("/C=JP/O=openssl test/CN={name} user auth");
        self.run(&["req", "-new", "-key", &key, "-subj", &subj, "-out", &csr]);
        let pem = format!("{name}.pem");
        self.run(&[
            "ca",
            "-batch",
            "-config",
            &format!("{sub}/ca.cnf"),
            "-cert",
            &format!("{sub}/ca.pem"),
            "-keyfile",
            &format!("{sub}/ca.key"),
            "-in",
            &csr,
            "-startdate",
            from,
            "-enddate",
            to,
            "-extfile",
            "ext.cnf",
            "-extensions",
            ext,
            "-notext",
            "-out",
            &pem,
        ]);
        self.run(&[
            "x509",
            "-in",
            &pem,
            "-outform",
            "DER",
            "-out",
            &format!("{name}.der"),
        ]);
    }

    fn ca_der(&self, sub: &str) -> Vec<u8> {
        let out = format!("{sub}/ca.der");
        self.run(&[
            "x509",
            "-in",
            &format!("{sub}/ca.pem"),
            "-outform",
            "DER",
            "-out",
            &out,
        ]);
        self.read(&out)
    }

    /// The CA's CRL (DER) after revoking `revoke` (card certificate names).
    fn crl(&self, sub: &str, revoke: &[&str]) -> Vec<u8> {
        let cnf = format!("{sub}/ca.cnf");
        let cert = format!("{sub}/ca.pem");
        let key = format!("{sub}/ca.key");
        for r in revoke {
            let pem = format!("{r}.pem");
            self.run(&[
                "ca", "-config", &cnf, "-cert", &cert, "-keyfile", &key, "-revoke", &pem,
            ]);
        }
        let pem = format!("{sub}/crl.pem");
        self.run(&[
            "ca", "-config", &cnf, "-cert", &cert, "-keyfile", &key, "-gencrl", "-out", &pem,
        ]);
        let der = format!("{sub}/crl.der");
        self.run(&["crl", "-in", &pem, "-outform", "DER", "-out", &der]);
        self.read(&der)
    }

    /// `openssl dgst -sha256 -sign`: RSASSA-PKCS1-v1_5 with SHA-256 over the challenge.
    fn sign(&self, name: &str, challenge: &[u8]) -> Vec<u8> {
        std::fs::write(self.dir.join("challenge.bin"), challenge).expect("challenge");
        self.run(&[
            "dgst",
            "-sha256",
            "-sign",
            &format!("{name}.key"),
            "-out",
            "sig.bin",
            "challenge.bin",
        ]);
        self.read("sig.bin")
    }
}

const EXT: &str = "\
[ca_good]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ca_false]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign,cRLSign
[card_good]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[card_no_ds]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
[card_eku_server]
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,serverAuth
[card_unknown_critical]
keyUsage = critical,digitalSignature
1.3.6.1.4.1.32473.9 = critical,ASN1:NULL
";

const CARDS: (&str, &str) = ("20250401000000Z", "20300331235959Z");
const CA_DATES: (&str, &str) = ("20240101000000Z", "20340101000000Z");

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .expect("a representable time");
    vectors::verify::format_rfc3339(&dt)
}

/// The case file text: card `card` of CA `ca_der` (with `crl`, if any) signs a fixed challenge.
fn case(o: &Ossl, card: &str, ca_der: &[u8], crl: Option<&[u8]>, now: &str) -> String {
    let challenge = [0x5au8; 32];
    let sig = o.sign(card, &challenge);
    let cert = o.read(&format!("{card}.der"));
    let mut expected = serde_json::json!({
        "challenge": b64(&challenge),
        "caCert": b64(ca_der),
        "now": now,
    });
    if let Some(crl) = crl {
        expected["crl"] = serde_json::json!(b64(crl));
    }
    serde_json::json!({
        "kind": "jpki.auth",
        "expected": expected,
        "credential": {"certificate": b64(&cert), "signature": b64(&sig)},
        "result": "accept",
    })
    .to_string()
}

#[test]
fn openssl_made_jpki_certificates_get_the_verdicts_rfc_5280_gives_them() {
    let Some(bin) = openssl() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and no openssl program (scripts/setup.d/30-openssl.sh installs it)"
        );
        eprintln!("skipped: no openssl program (set MYNAFIDO_OPENSSL or install openssl)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("vectors-openssl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let o = Ossl {
        bin,
        dir: dir.clone(),
    };
    o.write("ext.cnf", EXT);
    o.ca("good", "ca_good", CA_DATES);
    o.ca("notca", "ca_false", CA_DATES);
    o.ca("old", "ca_good", ("20100101000000Z", "20200101000000Z"));
    o.card("good", "card_a", 2048, "card_good", CARDS);
    o.card("good", "card_b", 2048, "card_good", CARDS);
    o.card("good", "card_no_ds", 2048, "card_no_ds", CARDS);
    o.card("good", "card_eku", 2048, "card_eku_server", CARDS);
    o.card("good", "card_crit", 2048, "card_unknown_critical", CARDS);
    o.card("good", "card_1024", 1024, "card_good", CARDS);
    o.card(
        "good",
        "card_expired",
        2048,
        "card_good",
        ("20200401000000Z", "20250331235959Z"),
    );
    // RFC 5280 §4.1.2.5: GeneralizedTime for 1949, UTCTime (YY 55) for 1955; openssl encodes
    // each form as given.
    o.card(
        "good",
        "card_1949",
        2048,
        "card_good",
        ("19491231000000Z", "20300331235959Z"),
    );
    o.card(
        "good",
        "card_1955",
        2048,
        "card_good",
        ("550101000000Z", "20300331235959Z"),
    );
    o.card(
        "good",
        "card_1960",
        2048,
        "card_good",
        ("19400101000000Z", "601231235959Z"),
    );
    o.card("notca", "card_of_notca", 2048, "card_good", CARDS);
    o.card("old", "card_of_old", 2048, "card_good", CARDS);
    let good = o.ca_der("good");
    let crl = o.crl("good", &["card_b"]);
    let now = now();
    /// Card name, trusted CA (DER), CRL (DER), the line `vectors verify` must print.
    type Case<'a> = (&'a str, &'a [u8], Option<&'a [u8]>, &'a str);
    let cases: [Case<'_>; 12] = [
        ("card_a", &good, Some(&crl), "accept"),
        (
            "card_no_ds",
            &good,
            Some(&crl),
            "reject: key-usage-not-permitted",
        ),
        (
            "card_eku",
            &good,
            Some(&crl),
            "reject: key-usage-not-permitted",
        ),
        (
            "card_crit",
            &good,
            Some(&crl),
            "reject: unknown-critical-extension",
        ),
        ("card_1024", &good, Some(&crl), "reject: key-type-mismatch"),
        ("card_expired", &good, Some(&crl), "reject: cert-expired"),
        ("card_b", &good, Some(&crl), "reject: cert-revoked"),
        ("card_1949", &good, Some(&crl), "accept"),
        ("card_1955", &good, Some(&crl), "accept"),
        ("card_1960", &good, Some(&crl), "reject: cert-expired"),
        (
            "card_of_notca",
            &o.ca_der("notca"),
            None,
            "reject: ca-not-a-ca",
        ),
        (
            "card_of_old",
            &o.ca_der("old"),
            None,
            "reject: ca-not-valid",
        ),
    ];
    let mut failures = Vec::new();
    for (card, ca, crl, want) in cases {
        let text = case(&o, card, ca, crl, &now);
        for backend in Backend::ALL {
            let got = verify_text(&text, backend)
                .map(|v| v.line())
                .unwrap_or_else(|e| format!("error: {e}"));
            if got != want {
                failures.push(format!(
                    "{card} on {}: want {want}, got {got}",
                    backend.name()
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(Path::new(&dir));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
