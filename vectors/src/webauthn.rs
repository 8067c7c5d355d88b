//! WebAuthn byte formats shared by the generator and the verifier.
//!
//! - Authenticator data, WebAuthn L3 §6.1: `rpIdHash` (32) || `flags` (1) || `signCount` (4, big
//!   endian) || attested credential data (§6.5.2: `aaguid` (16) || `credentialIdLength` (2) ||
//!   `credentialId` || `credentialPublicKey` as a COSE_Key) when the AT flag is set.
//! - Flags, §6.1: UP bit 0, UV bit 2, BE bit 3, BS bit 4, AT bit 6, ED bit 7.
//! - COSE keys (RFC 9052 §7, RFC 9053 §7.1.1 for EC2, RFC 8230 §4 for RSA), in the CTAP2
//!   canonical CBOR order of their labels (`1, 3, -1, -2, -3`).
//! - Attestation objects, §6.5.4: a CBOR map `{"fmt", "attStmt", "authData"}`; the formats used here
//!   are "none" (§8.7) and "packed" self attestation (§8.2: `attStmt = {alg, sig}` without `x5c`).
//! - `base64url` without padding (RFC 4648 §5), as `PublicKeyCredential.toJSON()` (§5.1) produces.

use base64::Engine;
use ciborium::Value;

use crate::sig::Alg;

/// User Present, §6.1 bit 0.
pub const FLAG_UP: u8 = 0x01;
/// User Verified, §6.1 bit 2.
pub const FLAG_UV: u8 = 0x04;
/// Backup Eligible, §6.1 bit 3.
pub const FLAG_BE: u8 = 0x08;
/// Backup State, §6.1 bit 4.
pub const FLAG_BS: u8 = 0x10;
/// Attested credential data included, §6.1 bit 6.
pub const FLAG_AT: u8 = 0x40;
/// Extension data included, §6.1 bit 7.
pub const FLAG_ED: u8 = 0x80;
/// Length of the fixed part of authenticator data (32 + 1 + 4), §6.1.
pub const AUTH_DATA_MIN_LEN: usize = 37;
/// Longest credential ID a relying party accepts, §7.1 ("at most 1023 bytes").
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;

/// COSE key labels and values (RFC 9052 §7.1, RFC 9053 §7.1, RFC 8230 §4).
pub mod cose {
    /// `kty` label.
    pub const KTY: i64 = 1;
    /// `alg` label.
    pub const ALG: i64 = 3;
    /// EC2 `crv` / RSA `n` label.
    pub const CRV_OR_N: i64 = -1;
    /// EC2 `x` / RSA `e` label.
    pub const X_OR_E: i64 = -2;
    /// EC2 `y` label.
    pub const Y: i64 = -3;
    /// `kty` EC2.
    pub const KTY_EC2: i64 = 2;
    /// `kty` RSA.
    pub const KTY_RSA: i64 = 3;
    /// `crv` P-256.
    pub const CRV_P256: i64 = 1;
}

/// base64url without padding: encode.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url without padding: strict decode (no padding, canonical trailing bits).
pub fn unb64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s)
}

/// A base64url digit's value shifted into place for position `i` of a 4-character group
/// (`6 * (3 - i)` bits), or [`B64_BAD`] for a byte outside the alphabet (RFC 4648 §5 Table 2:
/// `A-Z a-z 0-9 - _`; `=` is outside it, so padding is refused).
const fn b64_table(i: u32) -> [u32; 256] {
    let mut t = [B64_BAD; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => 0xFF,
        };
        if v != 0xFF {
            t[c] = (v as u32) << (6 * (3 - i));
        }
        c += 1;
    }
    t
}

/// The mark of a byte outside the alphabet: bit 31, above the 24 bits a group decodes to.
const B64_BAD: u32 = 1 << 31;
static B64_DEC: [[u32; 256]; 4] = [b64_table(0), b64_table(1), b64_table(2), b64_table(3)];

/// The length `s` decodes to, if its length is one a base64url text without padding can have
/// (not 1 more than a multiple of 4, RFC 4648 §4: the last group has 2, 3 or 4 characters).
pub fn b64_decoded_len(s: &[u8]) -> Option<usize> {
    match s.len() % 4 {
        1 => None,
        0 => Some(s.len() / 4 * 3),
        r => Some(s.len() / 4 * 3 + r - 1),
    }
}

/// base64url without padding, strict decode into `out` (the verifier's hot path: no
/// allocation): the same language as [`unb64`] (RFC 4648 §5 alphabet, no padding, canonical
/// trailing bits, §3.5), checked against it by the `base64url` fuzz target. Returns the decoded
/// length, or `None` if `s` is not such a text or `out` is too short.
///
/// Each group of 4 characters is 4 table loads ORed into 24 bits; a character outside the
/// alphabet sets bit 31, tested once at the end, so the loop has no branch per character.
pub fn unb64_into(s: &[u8], out: &mut [u8]) -> Option<usize> {
    let n = b64_decoded_len(s)?;
    let out = out.get_mut(..n)?;
    let [t0, t1, t2, t3] = &B64_DEC;
    let (groups, tail) = s.split_at(s.len() / 4 * 4);
    let (out_groups, out_tail) = out.split_at_mut(groups.len() / 4 * 3);
    let group = |g: &[u8]| {
        t0[usize::from(g[0])]
            | t1[usize::from(g[1])]
            | t2[usize::from(g[2])]
            | t3[usize::from(g[3])]
    };
    let mut bad = 0u32;
    // Two groups at a time while 8 output bytes fit: one 8-byte store of which the last 2 are
    // overwritten by the next round.
    let (mut i, mut o) = (0, 0);
    while i + 8 <= groups.len() && o + 8 <= out_groups.len() {
        let (v1, v2) = (group(&groups[i..i + 4]), group(&groups[i + 4..i + 8]));
        bad |= v1 | v2;
        let w = (u64::from(v1 & 0x00FF_FFFF) << 40) | (u64::from(v2 & 0x00FF_FFFF) << 16);
        out_groups[o..o + 8].copy_from_slice(&w.to_be_bytes());
        i += 8;
        o += 6;
    }
    for (g, o) in groups[i..]
        .chunks_exact(4)
        .zip(out_groups[o..].chunks_exact_mut(3))
    {
        let v = group(g);
        bad |= v;
        o.copy_from_slice(&v.to_be_bytes()[1..]);
    }
    // The last 2 or 3 characters carry 1 or 2 bytes; the bits beyond them must be zero
    // (RFC 4648 §3.5 canonical encoding), as `unb64` requires.
    let (v, spare) = match *tail {
        [] => (0, 0),
        [a, b] => {
            let v = t0[usize::from(a)] | t1[usize::from(b)];
            (v, v & 0x0000_F000)
        }
        [a, b, c] => {
            let v = t0[usize::from(a)] | t1[usize::from(b)] | t2[usize::from(c)];
            (v, v & 0x0000_00C0)
        }
        _ => return None,
    };
    if spare != 0 {
        return None;
    }
    bad |= v;
    let bytes = v.to_be_bytes();
    out_tail.copy_from_slice(&bytes[1..1 + out_tail.len()]);
    (bad & B64_BAD == 0).then_some(n)
}

/// Decodes the base64url text at the start of `s` up to a closing `"` (the body of a JSON
/// string), into `out`, in one pass: the credential-JSON reader of the hot path
/// ([`crate::credential_json`]) decodes each field while it scans it. Returns the index of the
/// `"` in `s` and the decoded length, or `None` if the text before the first `"` is not strict
/// base64url (the same language as [`unb64_into`], which decodes its tail), if no `"` follows
/// it, or if `out` is too short. Groups of 4 alphabet characters are decoded until a group holds
/// a character outside the alphabet; the `"` must be within that group.
pub fn unb64_to_quote(s: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let [t0, t1, t2, t3] = &B64_DEC;
    let group = |g: &[u8]| {
        t0[usize::from(g[0])]
            | t1[usize::from(g[1])]
            | t2[usize::from(g[2])]
            | t3[usize::from(g[3])]
    };
    let (mut i, mut o) = (0, 0);
    let pair = |v1: u32, v2: u32| ((u64::from(v1) << 40) | (u64::from(v2) << 16)).to_be_bytes();
    // Four groups at a time while 14 output bytes fit: two 8-byte stores, the last 2 bytes of
    // each overwritten by the next.
    while let Some(g) = s.get(i..i + 16)
        && let Some(dst) = out.get_mut(o..o + 14)
    {
        let (v1, v2, v3, v4) = (
            group(&g[..4]),
            group(&g[4..8]),
            group(&g[8..12]),
            group(&g[12..]),
        );
        if (v1 | v2 | v3 | v4) & B64_BAD != 0 {
            break;
        }
        dst[..8].copy_from_slice(&pair(v1, v2));
        dst[6..].copy_from_slice(&pair(v3, v4));
        i += 16;
        o += 12;
    }
    // Then two groups at a time while 8 output bytes fit.
    while let Some(g) = s.get(i..i + 8)
        && let Some(dst) = out.get_mut(o..o + 8)
    {
        let (v1, v2) = (group(&g[..4]), group(&g[4..]));
        if (v1 | v2) & B64_BAD != 0 {
            break;
        }
        dst.copy_from_slice(&pair(v1, v2));
        i += 8;
        o += 6;
    }
    while let Some(g) = s.get(i..i + 4) {
        let v = group(g);
        if v & B64_BAD != 0 {
            break;
        }
        out.get_mut(o..o + 3)?
            .copy_from_slice(&v.to_be_bytes()[1..]);
        i += 4;
        o += 3;
    }
    // The `"` is in the first group that did not decode; before it, 0, 2 or 3 alphabet
    // characters carry 0, 1 or 2 bytes, and the bits beyond them must be zero (RFC 4648 §3.5
    // canonical encoding), as in `unb64_into`.
    let rest = s.get(i..)?;
    match *rest {
        [b'"', ..] => Some((i, o)),
        [a, b, b'"', ..] => {
            let v = t0[usize::from(a)] | t1[usize::from(b)];
            if v & (B64_BAD | 0x0000_F000) != 0 {
                return None;
            }
            *out.get_mut(o)? = v.to_be_bytes()[1];
            Some((i + 2, o + 1))
        }
        [a, b, c, b'"', ..] => {
            let v = t0[usize::from(a)] | t1[usize::from(b)] | t2[usize::from(c)];
            if v & (B64_BAD | 0x0000_00C0) != 0 {
                return None;
            }
            let [_, x, y, _] = v.to_be_bytes();
            out.get_mut(o..o + 2)?.copy_from_slice(&[x, y]);
            Some((i + 3, o + 2))
        }
        _ => None,
    }
}

/// Builds authenticator data.
pub fn auth_data(
    rp_id_hash: &[u8; 32],
    flags: u8,
    sign_count: u32,
    attested: Option<(&[u8; 16], &[u8], &[u8])>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(AUTH_DATA_MIN_LEN + 256);
    out.extend_from_slice(rp_id_hash);
    out.push(flags);
    out.extend_from_slice(&sign_count.to_be_bytes());
    if let Some((aaguid, cred_id, cose_key)) = attested {
        out.extend_from_slice(aaguid);
        // Credential IDs are at most 1023 bytes (§7.1); the generator never exceeds u16.
        let len = u16::try_from(cred_id.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(cred_id);
        out.extend_from_slice(cose_key);
    }
    out
}

/// The fixed part of authenticator data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthDataHead<'a> {
    /// SHA-256 of the RP ID.
    pub rp_id_hash: &'a [u8],
    /// Flags byte.
    pub flags: u8,
    /// Signature counter.
    pub sign_count: u32,
    /// Everything after the first 37 bytes.
    pub rest: &'a [u8],
}

/// Splits authenticator data into its fixed part and the rest; `None` if shorter than 37 bytes.
pub fn parse_auth_data(data: &[u8]) -> Option<AuthDataHead<'_>> {
    let (rp_id_hash, tail) = data.split_at_checked(32)?;
    let (&flags, tail) = tail.split_first()?;
    let (count, rest) = tail.split_at_checked(4)?;
    let sign_count = u32::from_be_bytes(count.try_into().ok()?);
    Some(AuthDataHead {
        rp_id_hash,
        flags,
        sign_count,
        rest,
    })
}

/// Attested credential data, §6.5.2.
#[derive(Clone, Debug, PartialEq)]
pub struct AttestedCredential<'a> {
    /// Authenticator model identifier.
    pub aaguid: &'a [u8],
    /// Credential ID.
    pub credential_id: &'a [u8],
    /// The COSE_Key, decoded.
    pub public_key: Value,
    /// Bytes after the COSE key (extensions, if ED is set).
    pub trailing: &'a [u8],
}

/// Parses attested credential data from the bytes after the fixed part of authenticator data.
/// `None` if the COSE key is not a CBOR data item (duplicate labels are left to the caller:
/// [`has_duplicate_keys`], so that it can name the COSE key as what is malformed).
pub fn parse_attested(rest: &[u8]) -> Option<AttestedCredential<'_>> {
    let (aaguid, tail) = rest.split_at_checked(16)?;
    let (len, tail) = tail.split_at_checked(2)?;
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let (credential_id, mut key_bytes) = tail.split_at_checked(len)?;
    let public_key: Value = ciborium::de::from_reader(&mut key_bytes).ok()?;
    Some(AttestedCredential {
        aaguid,
        credential_id,
        public_key,
        trailing: key_bytes,
    })
}

/// What follows the fixed part of authenticator data, as its flags announce it (§6.1): attested
/// credential data if AT is set, then an extensions map if ED is set, then nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthDataBody<'a> {
    /// Attested credential data (AT set).
    pub attested: Option<AttestedCredential<'a>>,
    /// The authenticator extension outputs, a CBOR map (ED set).
    pub extensions: Option<Value>,
}

/// Checks the layout of authenticator data after its fixed part (§6.1): AT set means attested
/// credential data follows, ED set means exactly one CBOR map of extension outputs follows it
/// (strict: no duplicate keys), and nothing else may follow. `None` for any other layout:
/// trailing bytes, ED without a well-formed map, a map without ED, AT without its data.
pub fn parse_body<'a>(head: &AuthDataHead<'a>) -> Option<AuthDataBody<'a>> {
    let (attested, mut rest) = if head.flags & FLAG_AT != 0 {
        let mut a = parse_attested(head.rest)?;
        let rest = a.trailing;
        a.trailing = &[];
        (Some(a), rest)
    } else {
        (None, head.rest)
    };
    let extensions = if head.flags & FLAG_ED != 0 {
        let map = cbor_strict(&mut rest)?;
        if !matches!(map, Value::Map(_)) {
            return None;
        }
        Some(map)
    } else {
        None
    };
    rest.is_empty().then_some(AuthDataBody {
        attested,
        extensions,
    })
}

/// Decodes one CBOR data item from the front of `bytes` (advancing it) and refuses a map, at
/// any depth, that has a key twice: RFC 8949 §5.6 calls such a map not valid CBOR, and WebAuthn
/// L3 §6.5.1.1 requires well-formed attestation objects and COSE keys. ciborium (the decoder
/// here) keeps every entry of a map in order and has no strict mode, so the check is written
/// here over the decoded value; keys compare as decoded values (ciborium's `PartialEq`).
pub fn cbor_strict(bytes: &mut &[u8]) -> Option<Value> {
    let value: Value = ciborium::de::from_reader(&mut *bytes).ok()?;
    (!has_duplicate_keys(&value)).then_some(value)
}

/// Whether a map at any depth of `v` has a key twice. Keys are compared by their re-encoding
/// after decoding (so `0x03` and the non-minimal `0x18 0x03` are the same key, as RFC 8949 §5.6
/// compares keys by value), sorted: n log n, so a map of many entries costs no quadratic time.
pub fn has_duplicate_keys(v: &Value) -> bool {
    match v {
        Value::Map(entries) => {
            let mut keys: Vec<Vec<u8>> = entries.iter().map(|(k, _)| cbor(k)).collect();
            keys.sort_unstable();
            keys.windows(2).any(|w| w[0] == w[1])
                || entries
                    .iter()
                    .any(|(k, v)| has_duplicate_keys(k) || has_duplicate_keys(v))
        }
        Value::Array(items) => items.iter().any(has_duplicate_keys),
        Value::Tag(_, inner) => has_duplicate_keys(inner),
        _ => false,
    }
}

/// Encodes a CBOR value.
pub fn cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for the values built here (no floats, no custom types).
    if ciborium::ser::into_writer(value, &mut out).is_err() {
        out.clear();
    }
    out
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// COSE_Key for a P-256 public key (`x`, `y` 32 bytes each).
pub fn cose_ec2(x: &[u8], y: &[u8], alg: i64) -> Vec<u8> {
    cbor(&Value::Map(vec![
        (int(cose::KTY), int(cose::KTY_EC2)),
        (int(cose::ALG), int(alg)),
        (int(cose::CRV_OR_N), int(cose::CRV_P256)),
        (int(cose::X_OR_E), Value::Bytes(x.to_vec())),
        (int(cose::Y), Value::Bytes(y.to_vec())),
    ]))
}

/// COSE_Key for an RSA public key (`n`, `e` big-endian without leading zeros).
pub fn cose_rsa(n: &[u8], e: &[u8], alg: i64) -> Vec<u8> {
    cbor(&Value::Map(vec![
        (int(cose::KTY), int(cose::KTY_RSA)),
        (int(cose::ALG), int(alg)),
        (int(cose::CRV_OR_N), Value::Bytes(n.to_vec())),
        (int(cose::X_OR_E), Value::Bytes(e.to_vec())),
    ]))
}

/// A COSE key reduced to what the verifier needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoseKey {
    /// EC2 P-256 with its declared `alg`.
    P256 {
        /// Declared algorithm.
        alg: i64,
        /// x coordinate.
        x: Vec<u8>,
        /// y coordinate.
        y: Vec<u8>,
    },
    /// RSA with its declared `alg`.
    Rsa {
        /// Declared algorithm.
        alg: i64,
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
}

/// Why a COSE key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoseError {
    /// Not a map, missing or mistyped labels.
    Malformed,
    /// A key type or curve other than EC2/P-256 and RSA.
    UnsupportedKeyType,
}

fn lookup(map: &[(Value, Value)], label: i64) -> Option<&Value> {
    map.iter()
        .find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == i128::from(label)))
        .map(|(_, v)| v)
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

fn as_bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Bytes(b) => Some(b),
        _ => None,
    }
}

/// Reads a COSE_Key.
pub fn parse_cose(value: &Value) -> Result<CoseKey, CoseError> {
    let Value::Map(map) = value else {
        return Err(CoseError::Malformed);
    };
    let kty = lookup(map, cose::KTY)
        .and_then(as_i64)
        .ok_or(CoseError::Malformed)?;
    let alg = lookup(map, cose::ALG)
        .and_then(as_i64)
        .ok_or(CoseError::Malformed)?;
    let field = |label| {
        lookup(map, label)
            .and_then(as_bytes)
            .map(<[u8]>::to_vec)
            .ok_or(CoseError::Malformed)
    };
    match kty {
        cose::KTY_EC2 => {
            let crv = lookup(map, cose::CRV_OR_N)
                .and_then(as_i64)
                .ok_or(CoseError::Malformed)?;
            if crv != cose::CRV_P256 {
                return Err(CoseError::UnsupportedKeyType);
            }
            Ok(CoseKey::P256 {
                alg,
                x: field(cose::X_OR_E)?,
                y: field(cose::Y)?,
            })
        }
        cose::KTY_RSA => Ok(CoseKey::Rsa {
            alg,
            n: field(cose::CRV_OR_N)?,
            e: field(cose::X_OR_E)?,
        }),
        _ => Err(CoseError::UnsupportedKeyType),
    }
}

impl CoseKey {
    /// The declared COSE algorithm.
    pub fn alg(&self) -> i64 {
        match self {
            CoseKey::P256 { alg, .. } | CoseKey::Rsa { alg, .. } => *alg,
        }
    }

    /// The algorithm this key type can serve.
    pub fn key_alg(&self) -> Alg {
        match self {
            CoseKey::P256 { .. } => Alg::Es256,
            CoseKey::Rsa { .. } => Alg::Rs256,
        }
    }

    /// The key as a DER SubjectPublicKeyInfo; `None` if the coordinates/modulus are unusable.
    pub fn to_spki_der(&self) -> Option<Vec<u8>> {
        use spki::EncodePublicKey;
        match self {
            CoseKey::P256 { x, y, .. } => {
                if x.len() != 32 || y.len() != 32 {
                    return None;
                }
                let mut point = Vec::with_capacity(65);
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                let key = p256::PublicKey::from_sec1_bytes(&point).ok()?;
                key.to_public_key_der().ok().map(|d| d.into_vec())
            }
            CoseKey::Rsa { n, e, .. } => {
                let key = rsa::PublicKey::new_with_size_limits(
                    rsa::BoxedUint::from_be_slice_vartime(n),
                    rsa::BoxedUint::from_be_slice_vartime(e),
                    crate::sig::RSA_MIN_BITS..=crate::sig::RSA_MAX_BITS,
                )
                .ok()?;
                key.to_public_key_der().ok().map(|d| d.into_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `unb64_into` accepts exactly what `unb64` (the `base64` crate's strict engine, an
    /// independent implementation) accepts, with the same bytes; each reject below is one rule
    /// (alphabet, padding, length, canonical trailing bits, room in `out`).
    #[test]
    fn unb64_into_agrees_with_unb64() {
        let cases = [
            "",
            "AA",
            "AAA",
            "AAAA",
            "-_-_",
            "QUJD",
            "QUI",
            "QQ",
            "QR",
            "QUJ",
            "QUI=",
            "QQ==",
            "Q",
            "QUJDR",
            "QUJD+",
            "QU/D",
            "QU D",
            "QU\nD",
            "QUJDRA",
            "QUJDRB",
            "QUJDREU",
            "QUJDREV",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAA!AAA",
        ];
        for s in cases {
            let mut out = [0u8; 64];
            let mine = unb64_into(s.as_bytes(), &mut out).map(|n| out[..n].to_vec());
            assert_eq!(mine, unb64(s).ok(), "{s:?}");
        }
        // Every length of random-looking bytes round-trips.
        let data: Vec<u8> = (0u32..300)
            .map(|i| (i.wrapping_mul(167) >> 1) as u8)
            .collect();
        for n in 0..data.len() {
            let text = b64(&data[..n]);
            let mut out = vec![0u8; n];
            assert_eq!(unb64_into(text.as_bytes(), &mut out), Some(n));
            assert_eq!(out, &data[..n]);
            if n > 0 {
                // Negative control: one byte too little room is refused.
                assert_eq!(unb64_into(text.as_bytes(), &mut out[..n - 1]), None);
            }
        }
    }

    #[test]
    fn unb64_to_quote_agrees_with_unb64_into() {
        // Every length 0..=40 (all tails: none, 2, 3 characters; each loop of the decoder),
        // canonical and not, each followed by `"` and more text; expected values from
        // `unb64_into` on the text before the quote.
        let data: Vec<u8> = (0u32..30).map(|i| (i.wrapping_mul(89) + 7) as u8).collect();
        let mut texts: Vec<String> = (0..data.len()).map(|n| b64(&data[..n])).collect();
        // Non-canonical tails (spare bits set), lengths 1 and 5 mod 4, padding, characters
        // outside the alphabet; then one outside the alphabet before the last character of
        // texts of several lengths (in the last whole group or in the tail).
        for t in [
            "QR", "QUJ", "QUJDR", "QUJDREV", "Q", "QUJDQ", "Q=", "QU=", "QU+D", "QU\\D",
        ] {
            texts.push(t.to_owned());
        }
        for n in [3, 4, 6, 17, 20] {
            for bad in ["!", "=", " "] {
                let mut t = b64(&data[..n]);
                t.insert_str(t.len() - 1, bad);
                texts.push(t);
            }
        }
        let mut refused = 0;
        for t in &texts {
            let s = format!("{t}\",\"after\":\"AAAA\"}}");
            let mut want = [0u8; 64];
            let want = unb64_into(t.as_bytes(), &mut want).map(|n| (t.len(), want[..n].to_vec()));
            let mut out = [0u8; 64];
            let got = unb64_to_quote(s.as_bytes(), &mut out).map(|(q, n)| (q, out[..n].to_vec()));
            assert_eq!(got, want, "{s:?}");
            refused += usize::from(got.is_none());
            if let Some((_, bytes)) = &want
                && !bytes.is_empty()
            {
                // Negative control: one byte too little room is refused.
                let mut short = vec![0u8; bytes.len() - 1];
                assert_eq!(unb64_to_quote(s.as_bytes(), &mut short), None, "{s:?}");
            }
        }
        // The refused texts: the ten listed ones (non-canonical spare bits, lengths 1 and 5
        // mod 4, padding, `+`, `\\`) and the fifteen with a character outside the alphabet.
        assert_eq!(refused, 10 + 15);
        // No quote at all, or a quote beyond the group that stopped the decoder.
        assert_eq!(unb64_to_quote(b"QUJD", &mut [0u8; 8]), None);
        assert_eq!(unb64_to_quote(b"QUJD!AA\"", &mut [0u8; 8]), None);
    }
}
