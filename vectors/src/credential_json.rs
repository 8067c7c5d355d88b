//! The assertion hot path's single-pass reader of `AuthenticationResponseJSON` (WebAuthn L3
//! §5.1, what `PublicKeyCredential.toJSON()` gives for a `navigator.credentials.get()` result).
//!
//! [`crate::verify::verify_assertion`] reads the credential JSON with [`read_assertion`] first:
//! one pass over the bytes that finds the members a relying party needs and decodes each
//! base64url member (`rawId`, `response.clientDataJSON`, `response.authenticatorData`,
//! `response.signature`, `response.userHandle`) into a stack buffer as it scans it
//! ([`crate::webauthn::unb64_to_quote`]), instead of a `serde_json` parse into borrowed strings
//! followed by a separate decode of each. It is written by hand because no well-kept crate
//! offers a borrowed, single-pass JSON read that decodes base64url while scanning (serde_json,
//! simd-json and the base64 crates each do one of the two passes).
//!
//! The reader is a fast path, never a judge: it returns `None` ("ask the reference") for
//! anything it does not fully understand, and the verifier then runs the reference path,
//! `serde_json` plus [`crate::webauthn::unb64_into`]
//! ([`crate::verify::verify_assertion_serde`]). It returns `Some` only for input on which the
//! reference parse succeeds with the same strings and every base64url member decodes to the
//! same bytes, so the verdict is the reference's on every input. It understands: pure ASCII
//! (any byte >= 0x80 falls back, so no UTF-8 question arises); JSON whitespace (space, tab,
//! LF, CR) anywhere between tokens; members in any order; string values without escapes or
//! control characters; unknown members whose values are such strings, `true`, `false`,
//! `null`, or objects and arrays of these (nested at most 32 deep). It falls back on: a
//! backslash anywhere in a string it reads (escapes), a number, a duplicate of a member it
//! reads (the reference rejects it), a missing required member, a member of the wrong JSON
//! type, a base64url member that does not decode strictly or does not fit its stack buffer,
//! and anything after the closing brace but whitespace. `tests/fuzz.rs` (a proptest) and the
//! `json_credential` fuzz target check both claims against the reference: same fields when
//! `Some`, same verdict always.

use crate::verify::{AUTH_DATA_STACK, CLIENT_DATA_STACK, MAX_SIG_LEN, MAX_USER_HANDLE_LEN};
use crate::webauthn::{MAX_CREDENTIAL_ID_LEN, unb64_to_quote};

/// Longest `rawId` the reader decodes (authenticators issue 16 to 64 bytes); a longer one, up
/// to the [`MAX_CREDENTIAL_ID_LEN`] the reference allows, falls back, which keeps the zeroing
/// of the buffers short.
pub const FAST_ID_LEN: usize = 128;
const _: () = assert!(FAST_ID_LEN <= MAX_CREDENTIAL_ID_LEN);

/// Stack buffers the members are decoded into.
pub struct Buffers {
    /// Decoded `rawId`, if at most [`FAST_ID_LEN`] bytes (a longer one falls back).
    pub raw_id: [u8; FAST_ID_LEN],
    /// Decoded `response.userHandle`.
    pub user_handle: [u8; MAX_USER_HANDLE_LEN],
    /// Decoded `response.clientDataJSON`.
    pub client_data: [u8; CLIENT_DATA_STACK],
    /// Decoded `response.authenticatorData`, with room for the 32-byte hash of clientDataJSON
    /// after it (the signed bytes are built in place).
    pub signed: [u8; AUTH_DATA_STACK + 32],
    /// Decoded `response.signature`.
    pub sig: [u8; MAX_SIG_LEN],
}

impl Buffers {
    /// Zeroed buffers.
    pub fn new() -> Buffers {
        Buffers {
            raw_id: [0; FAST_ID_LEN],
            user_handle: [0; MAX_USER_HANDLE_LEN],
            client_data: [0; CLIENT_DATA_STACK],
            signed: [0; AUTH_DATA_STACK + 32],
            sig: [0; MAX_SIG_LEN],
        }
    }
}

impl Default for Buffers {
    fn default() -> Self {
        Buffers::new()
    }
}

/// What [`read_assertion`] found: the `id`, `rawId` and `type` strings as bytes (ASCII without
/// escapes, so the JSON text is the string) and the decoded length of each base64url member in [`Buffers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read<'a> {
    /// `id`.
    pub id: &'a [u8],
    /// `rawId` as text.
    pub raw_id: &'a [u8],
    /// `type`.
    pub ty: &'a [u8],
    /// Decoded length of `rawId` (`Buffers::raw_id`).
    pub raw_id_len: usize,
    /// Decoded length of `response.userHandle`; `None` if absent or `null`.
    pub user_handle_len: Option<usize>,
    /// Decoded length of `response.clientDataJSON`.
    pub client_data_len: usize,
    /// Decoded length of `response.authenticatorData` (the start of `Buffers::signed`).
    pub auth_data_len: usize,
    /// Decoded length of `response.signature`.
    pub sig_len: usize,
}

/// Deepest nesting of an unknown member's value the reader skips (the reference allows 128).
const MAX_SKIP_DEPTH: u32 = 32;

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    /// Skips JSON whitespace (RFC 8259 §2: space, tab, LF, CR).
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    fn next(&mut self) -> Option<u8> {
        self.ws();
        let b = *self.s.get(self.i)?;
        self.i += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// A string after its opening quote, without escapes, control characters or non-ASCII.
    /// Eight bytes at a time (the usual bit tricks on a `u64`): the lowest marked byte of a
    /// chunk is the first that is `"`, `\\`, below 0x20 or above 0x7f, so the string ends there
    /// if it is `"` and falls back otherwise; fewer than 8 bytes before the end of the input go
    /// byte by byte.
    fn plain_str(&mut self) -> Option<&'a [u8]> {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // A byte of `x` is zero: its high bit is set in the result. A borrow can mark a byte
        // that is not zero only above a byte that is (the subtraction borrows out of a byte only
        // if it is zero or borrowed into), so the lowest mark is always exact; the same holds
        // for the test below 0x20. That lowest mark is all that is read.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let start = self.i;
        while let Some(chunk) = self.s.get(self.i..self.i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            let v = u64::from_le_bytes(w);
            let stop = (v & HIGH)
                | (v.wrapping_sub(ONES * 0x20) & !v & HIGH)
                | zero(v ^ (ONES * u64::from(b'"')))
                | zero(v ^ (ONES * u64::from(b'\\')));
            if stop != 0 {
                // Little-endian: the lowest set bit is in the first marked byte.
                self.i += (stop.trailing_zeros() / 8) as usize;
                if self.s.get(self.i) != Some(&b'"') {
                    return None;
                }
                let text = &self.s[start..self.i];
                self.i += 1;
                return Some(text);
            }
            self.i += 8;
        }
        loop {
            match *self.s.get(self.i)? {
                b'"' => break,
                b'\\' => return None,
                0x20..=0x7f => self.i += 1,
                _ => return None,
            }
        }
        let text = &self.s[start..self.i];
        self.i += 1;
        Some(text)
    }

    /// A string value (whitespace, quote, body).
    fn str_value(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        self.plain_str()
    }

    /// A base64url string value decoded into `out` as it is scanned; the decoded length.
    fn b64_value(&mut self, out: &mut [u8]) -> Option<usize> {
        self.expect(b'"')?;
        let (q, n) = unb64_to_quote(self.s.get(self.i..)?, out)?;
        self.i += q + 1;
        Some(n)
    }

    fn literal(&mut self, rest: &[u8]) -> Option<()> {
        let end = self.i + rest.len();
        (self.s.get(self.i..end)? == rest).then(|| self.i = end)
    }

    /// Skips an unknown member's value of the kinds the reader understands.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_SKIP_DEPTH {
            return None;
        }
        match self.next()? {
            b'"' => self.plain_str().map(drop),
            b't' => self.literal(b"rue"),
            b'f' => self.literal(b"alse"),
            b'n' => self.literal(b"ull"),
            b'[' => {
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.next()? {
                        b',' => {}
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'{' => self.object(|c, _| c.skip_value(depth + 1)),
            _ => None,
        }
    }

    /// An object after its opening brace: each member's key to `member`, which reads the value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.expect(b'"')?;
            let key = self.plain_str()?;
            self.expect(b':')?;
            member(self, key)?;
            match self.next()? {
                b',' => {}
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }
}

/// Sets `slot` once; a second value (a duplicate member) is `None`.
fn once<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(v);
    Some(())
}

/// Reads an `AuthenticationResponseJSON` in one pass, decoding its base64url members into
/// `bufs`; `None` means "ask the reference parser" (see the module documentation).
pub fn read_assertion<'a>(json: &'a [u8], bufs: &mut Buffers) -> Option<Read<'a>> {
    let mut c = Cursor { s: json, i: 0 };
    let (mut id, mut raw_id, mut ty, mut response) = (None, None, None, None);
    c.expect(b'{')?;
    c.object(|c, key| match key {
        b"id" => once(&mut id, c.str_value()?),
        b"rawId" => {
            c.ws();
            let start = c.i + 1;
            let n = c.b64_value(&mut bufs.raw_id)?;
            once(&mut raw_id, (&c.s[start..c.i - 1], n))
        }
        b"type" => once(&mut ty, c.str_value()?),
        b"response" => {
            c.expect(b'{')?;
            let (mut cd, mut ad, mut sig, mut uh) = (None, None, None, None);
            c.object(|c, key| match key {
                b"clientDataJSON" => once(&mut cd, c.b64_value(&mut bufs.client_data)?),
                b"authenticatorData" => {
                    once(&mut ad, c.b64_value(&mut bufs.signed[..AUTH_DATA_STACK])?)
                }
                b"signature" => once(&mut sig, c.b64_value(&mut bufs.sig)?),
                b"userHandle" => {
                    c.ws();
                    let v = if c.s.get(c.i) == Some(&b'n') {
                        c.i += 1;
                        c.literal(b"ull")?;
                        None
                    } else {
                        Some(c.b64_value(&mut bufs.user_handle)?)
                    };
                    once(&mut uh, v)
                }
                _ => c.skip_value(1),
            })?;
            once(&mut response, (cd?, ad?, sig?, uh.flatten()))
        }
        _ => c.skip_value(1),
    })?;
    c.ws();
    if c.i != json.len() {
        return None;
    }
    let (raw_id, raw_id_len) = raw_id?;
    let (client_data_len, auth_data_len, sig_len, user_handle_len) = response?;
    Some(Read {
        id: id?,
        raw_id,
        ty: ty?,
        raw_id_len,
        user_handle_len,
        client_data_len,
        auth_data_len,
        sig_len,
    })
}

/// [`Read`] with its decoded members copied out of the buffers (for the differential checks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owned {
    /// `id`.
    pub id: String,
    /// `rawId` as text.
    pub raw_id: String,
    /// `type`.
    pub ty: String,
    /// Decoded `rawId`.
    pub raw_id_bytes: Vec<u8>,
    /// Decoded `response.userHandle` (`None`: absent or `null`).
    pub user_handle: Option<Vec<u8>>,
    /// Decoded `response.clientDataJSON`.
    pub client_data: Vec<u8>,
    /// Decoded `response.authenticatorData`.
    pub auth_data: Vec<u8>,
    /// Decoded `response.signature`.
    pub sig: Vec<u8>,
}

/// [`read_assertion`] with owned results.
pub fn read_assertion_owned(json: &[u8]) -> Option<Owned> {
    let mut b = Buffers::new();
    let r = read_assertion(json, &mut b)?;
    Some(Owned {
        id: String::from_utf8_lossy(r.id).into_owned(),
        raw_id: String::from_utf8_lossy(r.raw_id).into_owned(),
        ty: String::from_utf8_lossy(r.ty).into_owned(),
        raw_id_bytes: b.raw_id[..r.raw_id_len].to_vec(),
        user_handle: r.user_handle_len.map(|n| b.user_handle[..n].to_vec()),
        client_data: b.client_data[..r.client_data_len].to_vec(),
        auth_data: b.signed[..r.auth_data_len].to_vec(),
        sig: b.sig[..r.sig_len].to_vec(),
    })
}

/// What [`read_client_data`] found in a `CollectedClientData` (§5.8.1): the members the checks
/// of §7.1 and §7.2 read (strings as their UTF-8 bytes), as the reference (`serde_json` into `verify`'s `ClientData`) reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientDataRead<'a> {
    /// `type`.
    pub ty: &'a [u8],
    /// `challenge`.
    pub challenge: &'a [u8],
    /// `origin`.
    pub origin: &'a [u8],
    /// `crossOrigin`; `None` if absent or `null`.
    pub cross_origin: Option<bool>,
    /// Whether `topOrigin` is present (with any value, `null` included).
    pub top_origin: bool,
}

/// Reads decoded `clientDataJSON` (after the BOM is dropped) in one pass, with the same rules
/// and the same fallback as [`read_assertion`]: `None` means "ask the reference parser".
pub fn read_client_data(json: &[u8]) -> Option<ClientDataRead<'_>> {
    let mut c = Cursor { s: json, i: 0 };
    let (mut ty, mut challenge, mut origin, mut cross, mut top) = (None, None, None, None, None);
    c.expect(b'{')?;
    c.object(|c, key| match key {
        b"type" => once(&mut ty, c.str_value()?),
        b"challenge" => once(&mut challenge, c.str_value()?),
        b"origin" => once(&mut origin, c.str_value()?),
        b"crossOrigin" => {
            let v = match c.next()? {
                b't' => c.literal(b"rue").map(|()| Some(true)),
                b'f' => c.literal(b"alse").map(|()| Some(false)),
                b'n' => c.literal(b"ull").map(|()| None),
                _ => None,
            }?;
            once(&mut cross, v)
        }
        b"topOrigin" => {
            c.skip_value(1)?;
            once(&mut top, ())
        }
        _ => c.skip_value(1),
    })?;
    c.ws();
    if c.i != json.len() {
        return None;
    }
    Some(ClientDataRead {
        ty: ty?,
        challenge: challenge?,
        origin: origin?,
        cross_origin: cross.flatten(),
        top_origin: top.is_some(),
    })
}
