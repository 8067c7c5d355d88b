//! A real browser as the authenticator's client (issue 12).
//!
//! `chromium_ceremonies_accepted_and_tampered_copies_rejected` starts a relying party on
//! 127.0.0.1 (a `tiny_http` server in this test), then `vectors/browser/drive.js`, which drives
//! Debian's Chromium headless through `playwright-core` with a fresh `--user-data-dir` and a
//! CDP virtual authenticator (ctap2, internal, user verification). The page it opens runs
//! `navigator.credentials.create()` and `get()` (ES256, then RS256; one registration and two
//! assertions each) and posts `PublicKeyCredential.toJSON()` back. The relying party turns each
//! post into a case file of today's format (with a `producer` member) and judges it with
//! [`vectors::case::verify_case`]: every one must be accepted; tampered copies must be rejected
//! with their named reasons.
//!
//! Regenerating the committed captures under `vectors/data/browser/` (the documented command):
//!
//! ```sh
//! . scripts/setup.d/10-chromium.sh; . scripts/setup.d/11-playwright.sh   # or scripts/test's setup
//! MYNAFIDO_CAPTURE=1 cargo test --release -p vectors --test browser
//! ```
//!
//! `committed_captures_are_accepted` needs no browser: it checks the committed captures.
//! Without `MYNAFIDO_CHROMIUM`/`MYNAFIDO_PLAYWRIGHT` the browser test skips, except under
//! `CI=true`, where it fails.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vectors::case::{Accepted, Outcome, parse_case, verify_case, verify_text};
use vectors::sig::Backend;
use vectors::webauthn::{b64, unb64};

const RP_ID: &str = "localhost";

fn capture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/browser")
}

/// One ceremony as the relying party saw it: a case file without its producer yet.
#[derive(Clone, Debug)]
struct Captured {
    name: String,
    kind: &'static str,
    description: String,
    expected: Value,
    /// The browser's `toJSON()` text, verbatim.
    credential: String,
}

impl Captured {
    fn render(&self, producer: &str) -> String {
        format!(
            "{{\n  \"kind\": {},\n  \"description\": {},\n  \"producer\": {},\n  \"expected\": {},\n  \"credential\": {},\n  \"result\": \"accept\"\n}}\n",
            json!(self.kind),
            json!(self.description),
            json!(producer),
            serde_json::to_string_pretty(&self.expected)
                .expect("json")
                .replace('\n', "\n  "),
            self.credential
        )
    }
}

struct StoredCredential {
    id: String,
    spki: String,
    alg: i64,
    sign_count: u32,
}

#[derive(Default)]
struct Rp {
    origin: String,
    next: u64,
    pending_create: Option<(String, i64)>,
    pending_get: Option<String>,
    creds: Vec<StoredCredential>,
    gets_of_current: usize,
    captured: Vec<Captured>,
}

impl Rp {
    /// A fresh challenge: SHA-256 of a counter (unpredictable enough for a test RP; the point
    /// is that each ceremony gets its own).
    fn challenge(&mut self) -> String {
        self.next += 1;
        b64(&Sha256::digest(format!(
            "mynafido browser test {}",
            self.next
        )))
    }

    fn alg_name(alg: i64) -> &'static str {
        if alg == -257 { "rs256" } else { "es256" }
    }

    fn handle(&mut self, url: &str, body: &str) -> Value {
        match url.split('?').next().unwrap_or("") {
            "/create-options" => {
                let alg = if url.ends_with("alg=-257") { -257 } else { -7 };
                let challenge = self.challenge();
                self.pending_create = Some((challenge.clone(), alg));
                json!({
                    "rp": {"id": RP_ID, "name": "mynafido test RP"},
                    "user": {"id": b64(format!("user-{alg}").as_bytes()), "name": "taro", "displayName": "Taro"},
                    "challenge": challenge,
                    "pubKeyCredParams": [{"type": "public-key", "alg": alg}],
                    "authenticatorSelection": {"residentKey": "preferred", "userVerification": "required"},
                    "attestation": "none",
                    "timeout": 30000
                })
            }
            "/create" => {
                let Some((challenge, alg)) = self.pending_create.take() else {
                    return json!({"result": "error", "reason": "no pending registration"});
                };
                let c = Captured {
                    name: format!("chromium-{}-create", Self::alg_name(alg)),
                    kind: "webauthn.create",
                    description: format!(
                        "Chromium registration, {}, attestation none, CDP virtual authenticator",
                        Self::alg_name(alg).to_uppercase()
                    ),
                    expected: json!({"origin": self.origin, "rpId": RP_ID, "challenge": challenge,
                                     "requireUserVerification": true}),
                    credential: body.to_owned(),
                };
                let answer = judge(&c);
                if let Ok(Accepted::Create(reg)) = &answer {
                    self.creds.push(StoredCredential {
                        id: b64(&reg.credential_id),
                        spki: b64(&reg.spki),
                        alg,
                        sign_count: reg.sign_count,
                    });
                    self.gets_of_current = 0;
                }
                self.captured.push(c);
                answer_json(&answer)
            }
            "/get-options" => {
                let challenge = self.challenge();
                self.pending_get = Some(challenge.clone());
                let allow: Vec<Value> = self
                    .creds
                    .last()
                    .map(|c| json!({"type": "public-key", "id": c.id}))
                    .into_iter()
                    .collect();
                json!({"rpId": RP_ID, "challenge": challenge, "allowCredentials": allow,
                       "userVerification": "required", "timeout": 30000})
            }
            "/get" => {
                let (Some(challenge), Some(cred)) =
                    (self.pending_get.take(), self.creds.last_mut())
                else {
                    return json!({"result": "error", "reason": "no pending assertion"});
                };
                self.gets_of_current += 1;
                let c = Captured {
                    name: format!(
                        "chromium-{}-get-{}",
                        Self::alg_name(cred.alg),
                        self.gets_of_current
                    ),
                    kind: "webauthn.get",
                    description: format!(
                        "Chromium assertion {} of the {} credential registered just before",
                        self.gets_of_current,
                        Self::alg_name(cred.alg).to_uppercase()
                    ),
                    expected: json!({"origin": self.origin, "rpId": RP_ID, "challenge": challenge,
                                     "publicKey": cred.spki, "publicKeyAlgorithm": cred.alg,
                                     "storedSignCount": cred.sign_count,
                                     "requireUserVerification": true, "credentialId": cred.id}),
                    credential: body.to_owned(),
                };
                let answer = judge(&c);
                if let Ok(Accepted::Get(a)) = &answer {
                    cred.sign_count = a.sign_count;
                }
                self.captured.push(c);
                answer_json(&answer)
            }
            _ => json!({"result": "error", "reason": "unknown path"}),
        }
    }
}

fn judge(c: &Captured) -> Result<Accepted, String> {
    let case = parse_case(&c.render("pending")).map_err(|e| format!("case: {e}"))?;
    verify_case(&case, Backend::default())
        .map_err(|e| format!("case: {e}"))?
        .map_err(|r| r.to_string())
}

fn answer_json(a: &Result<Accepted, String>) -> Value {
    match a {
        Ok(_) => json!({"result": "accept"}),
        Err(reason) => json!({"result": "reject", "reason": reason}),
    }
}

/// The path a system part's setup file exports, or None (skip) outside CI.
fn system_part(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(p) if Path::new(&p).exists() => Some(p),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{var} is not set or missing under CI=true (scripts/setup.d must provide it)")
        }
        _ => {
            eprintln!("skipped: {var} not set (run scripts/test, which sources scripts/setup.d)");
            None
        }
    }
}

fn serve(rp: Arc<Mutex<Rp>>) -> (String, std::thread::JoinHandle<()>, Arc<tiny_http::Server>) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
    let port = server.server_addr().to_ip().expect("ip listener").port();
    let origin = format!("http://localhost:{port}");
    rp.lock().expect("rp").origin = origin.clone();
    let s = Arc::clone(&server);
    let page = include_str!("../browser/page.html");
    let handle = std::thread::spawn(move || {
        for mut req in s.incoming_requests() {
            let url = req.url().to_owned();
            let resp = if url == "/" {
                tiny_http::Response::from_string(page).with_header(
                    "Content-Type: text/html; charset=utf-8"
                        .parse::<tiny_http::Header>()
                        .expect("header"),
                )
            } else {
                let mut body = String::new();
                let answer = match req.as_reader().read_to_string(&mut body) {
                    Ok(_) => rp.lock().expect("rp").handle(&url, &body),
                    Err(e) => json!({"result": "error", "reason": e.to_string()}),
                };
                tiny_http::Response::from_string(answer.to_string()).with_header(
                    "Content-Type: application/json"
                        .parse::<tiny_http::Header>()
                        .expect("header"),
                )
            };
            let _ = req.respond(resp);
        }
    });
    (format!("{origin}/"), handle, server)
}

/// Verifies `text` after `edit` changed its parsed case; returns the reject token.
fn tampered(text: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(text).expect("case json");
    edit(&mut v);
    match verify_text(&v.to_string(), Backend::default()).expect("usable case") {
        Outcome::Accept => "accept".to_owned(),
        o => o.reason().unwrap_or_default(),
    }
}

/// Flips the last byte of base64url member `response.NAME` of the credential.
fn flip(v: &mut Value, name: &str) {
    let s = v["credential"]["response"][name].as_str().expect("member");
    let mut bytes = unb64(s).expect("base64url");
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    v["credential"]["response"][name] = json!(b64(&bytes));
}

/// The tampered copies of one accepted capture and the reason each must be rejected with.
fn check_tampered(text: &str, kind: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut expect = |what: &str, want: &str, got: String| {
        if got != want {
            wrong.push(format!("{what}: want {want}, got {got}"));
        }
    };
    expect(
        "other challenge",
        "challenge-mismatch",
        tampered(text, |v| {
            v["expected"]["challenge"] = json!(b64(b"another challenge"))
        }),
    );
    expect(
        "other origin",
        "wrong-origin",
        tampered(text, |v| {
            v["expected"]["origin"] = json!("http://evil.localhost")
        }),
    );
    expect(
        "other RP ID",
        "rp-id-hash-mismatch",
        tampered(text, |v| v["expected"]["rpId"] = json!("example.com")),
    );
    expect(
        "challenge already used",
        "challenge-reused",
        tampered(text, |v| {
            let c = v["expected"]["challenge"].clone();
            v["expected"]["usedChallenges"] = json!([c]);
        }),
    );
    expect(
        "id changed",
        "credential-id-mismatch",
        tampered(text, |v| v["credential"]["id"] = json!("AAAA")),
    );
    if kind == "webauthn.get" {
        expect(
            "signature flipped",
            "bad-signature",
            tampered(text, |v| flip(v, "signature")),
        );
        expect(
            "authenticatorData flipped",
            "bad-signature",
            tampered(text, |v| flip(v, "authenticatorData")),
        );
        expect(
            "counter not increased",
            "counter-not-increased",
            tampered(text, |v| v["expected"]["storedSignCount"] = json!(u32::MAX)),
        );
    } else {
        expect(
            "clientDataJSON cut",
            "malformed(clientDataJSON)",
            tampered(text, |v| {
                let s = v["credential"]["response"]["clientDataJSON"]
                    .as_str()
                    .expect("member");
                let bytes = unb64(s).expect("base64url");
                v["credential"]["response"]["clientDataJSON"] =
                    json!(b64(&bytes[..bytes.len() / 2]));
            }),
        );
    }
    wrong
}

#[test]
fn chromium_ceremonies_accepted_and_tampered_copies_rejected() {
    let (Some(chromium), Some(playwright)) = (
        system_part("MYNAFIDO_CHROMIUM"),
        system_part("MYNAFIDO_PLAYWRIGHT"),
    ) else {
        return;
    };
    let rp = Arc::new(Mutex::new(Rp::default()));
    let (url, handle, server) = serve(Arc::clone(&rp));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/drive.js");
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(&url)
        .env("MYNAFIDO_CHROMIUM", &chromium)
        .env("MYNAFIDO_PLAYWRIGHT", &playwright)
        .output()
        .expect("run node");
    server.unblock();
    handle.join().expect("server thread");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "drive.js failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("drive.js JSON line");
    let producer = report["producer"].as_str().expect("producer").to_owned();
    let steps = report["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 6, "{report}");
    for s in steps {
        assert_eq!(s["result"], "accept", "a ceremony was not accepted: {s}");
    }
    let captured = rp.lock().expect("rp").captured.clone();
    assert_eq!(captured.len(), 6);
    let mut files = Vec::new();
    for c in &captured {
        let text = c.render(&producer);
        assert_eq!(
            verify_text(&text, Backend::default()).expect("case").line(),
            "accept",
            "{}",
            c.name
        );
        let wrong = check_tampered(&text, c.kind);
        assert!(wrong.is_empty(), "{}: {wrong:?}", c.name);
        files.push(vectors::generate::OutFile {
            name: format!("{}.json", c.name),
            text,
        });
    }
    eprintln!("{producer}: {} ceremonies accepted", captured.len());
    if std::env::var("MYNAFIDO_CAPTURE").is_ok_and(|v| v == "1") {
        vectors::write_files(&capture_dir(), &files).expect("write captures");
        eprintln!(
            "wrote {} captures to {}",
            files.len(),
            capture_dir().display()
        );
    }
}

#[test]
fn committed_captures_are_accepted() {
    let mut counts = std::collections::BTreeMap::<(String, i64), usize>::new();
    let entries = std::fs::read_dir(capture_dir()).expect("data/browser exists");
    for e in entries {
        let path = e.expect("entry").path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let v: Value = serde_json::from_str(&text).expect("json");
        let producer = v["producer"].as_str().unwrap_or_default();
        assert!(
            producer.starts_with("Chromium "),
            "{}: producer",
            path.display()
        );
        assert_eq!(v["result"], "accept", "{}", path.display());
        let case = parse_case(&text).expect("case");
        let got = verify_case(&case, Backend::default()).expect("usable");
        let alg = match got {
            Ok(Accepted::Create(r)) => r.alg.cose(),
            Ok(Accepted::Get(_)) => v["expected"]["publicKeyAlgorithm"].as_i64().unwrap_or(0),
            other => panic!("{}: {other:?}", path.display()),
        };
        *counts
            .entry((case.kind.name().to_owned(), alg))
            .or_default() += 1;
        // Negative control: the same capture, tampered, is rejected with its reason.
        let wrong = check_tampered(&text, case.kind.name());
        assert!(wrong.is_empty(), "{}: {wrong:?}", path.display());
    }
    for kind in ["webauthn.create", "webauthn.get"] {
        for alg in [-7, -257] {
            assert!(
                counts.get(&(kind.to_owned(), alg)).copied().unwrap_or(0) >= 1,
                "no accepted {kind} capture with alg {alg}: {counts:?}"
            );
        }
    }
}
