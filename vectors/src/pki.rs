//! RFC 5280 extension processing and name comparison for the JPKI card check
//! ([`crate::verify::verify_card`]).
//!
//! A certificate-using system "MUST reject the certificate if it encounters a critical extension
//! it does not recognize or a critical extension that contains information that it cannot
//! process" (RFC 5280 §4.2); the same holds for CRL extensions and CRL entry extensions (§5.2,
//! §5.3). Each extension this relying party acts on is decoded with `x509-cert`'s own type
//! (`KeyUsage`, `ExtendedKeyUsage`, `BasicConstraints`, `CrlDistributionPoints`,
//! `IssuingDistributionPoint`, `BaseCrlNumber` for deltaCRLIndicator, `CrlReason`); a second
//! copy of one extension is refused (§4.2: "MUST NOT include more than one instance").
//!
//! What is checked where:
//! - the trust anchor (the CA certificate): its validity at the verification time, basicConstraints
//!   with cA true (§4.2.1.9), keyUsage with keyCertSign if keyUsage is present (§4.2.1.3), no
//!   unknown critical extension, and an RSA key of 2048 to 4096 bits (the JPKI CA's kind);
//! - the card certificate: keyUsage present with digitalSignature (JPKI user authentication is
//!   a signature; §4.2.1.3), extendedKeyUsage, if present, naming clientAuth or
//!   anyExtendedKeyUsage (§4.2.1.12: "the certificate MUST only be used for one of the purposes
//!   indicated", critical or not), no unknown critical extension;
//! - the CRL (§6.3.3): a complete CRL (no deltaCRLIndicator, §5.2.4), a nextUpdate (§5.1.2.5:
//!   "conforming CRL issuers MUST include nextUpdate"), an issuingDistributionPoint that covers
//!   an end-entity card for every reason (not only CA or attribute certificates, not only some
//!   reasons, not indirect; a distributionPoint name must be one of the card's
//!   cRLDistributionPoints, §6.3.3 (b)(2)(i)), no unknown critical CRL or entry extension, no
//!   certificateIssuer entry extension (indirect CRLs are not supported), and a CA allowed to
//!   sign CRLs (cRLSign when keyUsage is present, §6.3.3 (f)).
//!
//! Names are compared as RFC 5280 §7.1 asks of directory strings (written here by hand: neither
//! `x509-cert` nor another well-kept crate compares names): attribute types equal, and
//! PrintableString, UTF8String, BMPString, TeletexString (as Latin-1) and IA5String values
//! converted to Unicode, leading and trailing spaces removed, inner runs of
//! spaces collapsed to one, case folded. This is the subset of RFC 4518 string preparation that
//! matters for names a CA issues (no unassigned or prohibited code points are mapped: a value
//! that needs them compares unequal, which fails closed); any other value compares by its DER.

use der::asn1::ObjectIdentifier;
use der::{Decode, Tag, Tagged};
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, CrlNumber, ExtendedKeyUsage,
    KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

/// id-ce-subjectKeyIdentifier, RFC 5280 §4.2.1.2.
pub const OID_SKI: ObjectIdentifier = oid("2.5.29.14");
/// id-ce-keyUsage, §4.2.1.3.
pub const OID_KEY_USAGE: ObjectIdentifier = oid("2.5.29.15");
/// id-ce-subjectAltName, §4.2.1.6.
pub const OID_SAN: ObjectIdentifier = oid("2.5.29.17");
/// id-ce-issuerAltName, §4.2.1.7 / §5.2.2.
pub const OID_IAN: ObjectIdentifier = oid("2.5.29.18");
/// id-ce-basicConstraints, §4.2.1.9.
pub const OID_BASIC_CONSTRAINTS: ObjectIdentifier = oid("2.5.29.19");
/// id-ce-cRLNumber, §5.2.3.
pub const OID_CRL_NUMBER: ObjectIdentifier = oid("2.5.29.20");
/// id-ce-cRLReasons, §5.3.1.
pub const OID_CRL_REASON: ObjectIdentifier = oid("2.5.29.21");
/// id-ce-invalidityDate, §5.3.2.
pub const OID_INVALIDITY_DATE: ObjectIdentifier = oid("2.5.29.24");
/// id-ce-deltaCRLIndicator, §5.2.4.
pub const OID_DELTA_CRL_INDICATOR: ObjectIdentifier = oid("2.5.29.27");
/// id-ce-issuingDistributionPoint, §5.2.5. (`x509-cert` 0.3.0 gives its `IssuingDistributionPoint`
/// type the OID of subjectInfoAccess, so extensions are matched by this constant.)
pub const OID_IDP: ObjectIdentifier = oid("2.5.29.28");
/// id-ce-certificateIssuer, §5.3.3.
pub const OID_CERTIFICATE_ISSUER: ObjectIdentifier = oid("2.5.29.29");
/// id-ce-cRLDistributionPoints, §4.2.1.13.
pub const OID_CRL_DP: ObjectIdentifier = oid("2.5.29.31");
/// id-ce-certificatePolicies, §4.2.1.4.
pub const OID_CERTIFICATE_POLICIES: ObjectIdentifier = oid("2.5.29.32");
/// id-ce-authorityKeyIdentifier, §4.2.1.1.
pub const OID_AKI: ObjectIdentifier = oid("2.5.29.35");
/// id-ce-extKeyUsage, §4.2.1.12.
pub const OID_EXT_KEY_USAGE: ObjectIdentifier = oid("2.5.29.37");
/// id-ce-freshestCRL, §5.2.6.
pub const OID_FRESHEST_CRL: ObjectIdentifier = oid("2.5.29.46");
/// anyExtendedKeyUsage, §4.2.1.12.
pub const OID_ANY_EKU: ObjectIdentifier = oid("2.5.29.37.0");
/// id-kp-clientAuth, §4.2.1.12.
pub const OID_CLIENT_AUTH: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.2");
/// id-pe-authorityInfoAccess, §4.2.2.1.
pub const OID_AIA: ObjectIdentifier = oid("1.3.6.1.5.5.7.1.1");

/// Why a set of extensions cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtProblem {
    /// An extension appears twice, or a recognised one does not decode as its type.
    Malformed,
    /// A critical extension this relying party does not process.
    UnknownCritical,
}

/// The certificate extensions the relying party acts on, decoded.
#[derive(Clone, Debug, Default)]
pub struct CertExtensions {
    /// keyUsage.
    pub key_usage: Option<KeyUsage>,
    /// extendedKeyUsage.
    pub ext_key_usage: Option<ExtendedKeyUsage>,
    /// basicConstraints.
    pub basic_constraints: Option<BasicConstraints>,
    /// cRLDistributionPoints.
    pub crl_distribution_points: Option<CrlDistributionPoints>,
}

fn no_duplicates(exts: &Extensions) -> Result<(), ExtProblem> {
    let mut ids: Vec<&ObjectIdentifier> = exts.iter().map(|e| &e.extn_id).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(ExtProblem::Malformed);
    }
    Ok(())
}

fn decode<'a, T: Decode<'a>>(bytes: &'a [u8]) -> Result<T, ExtProblem> {
    T::from_der(bytes).map_err(|_| ExtProblem::Malformed)
}

/// Reads a certificate's extensions (RFC 5280 §4.2). Recognised and processed: keyUsage,
/// extendedKeyUsage, basicConstraints, cRLDistributionPoints; recognised and not needed for this
/// check (their syntax is still decoded): subjectKeyIdentifier, authorityKeyIdentifier,
/// subjectAltName. Non-critical others (certificatePolicies, authorityInfoAccess, ...) are
/// ignored; critical others are [`ExtProblem::UnknownCritical`].
pub fn cert_extensions(exts: Option<&Extensions>) -> Result<CertExtensions, ExtProblem> {
    let mut out = CertExtensions::default();
    let Some(exts) = exts else {
        return Ok(out);
    };
    no_duplicates(exts)?;
    for e in exts {
        let v = e.extn_value.as_bytes();
        match e.extn_id {
            OID_KEY_USAGE => out.key_usage = Some(decode(v)?),
            OID_EXT_KEY_USAGE => out.ext_key_usage = Some(decode(v)?),
            OID_BASIC_CONSTRAINTS => out.basic_constraints = Some(decode(v)?),
            OID_CRL_DP => out.crl_distribution_points = Some(decode(v)?),
            OID_SKI => drop(decode::<SubjectKeyIdentifier>(v)?),
            OID_AKI => drop(decode::<AuthorityKeyIdentifier>(v)?),
            OID_SAN => drop(decode::<SubjectAltName>(v)?),
            _ if e.critical => return Err(ExtProblem::UnknownCritical),
            _ => {}
        }
    }
    Ok(out)
}

/// The CRL extensions the relying party acts on, decoded.
#[derive(Clone, Debug, Default)]
pub struct CrlExtensions {
    /// issuingDistributionPoint.
    pub issuing_distribution_point: Option<IssuingDistributionPoint>,
    /// Whether deltaCRLIndicator is present (the CRL is a delta CRL).
    pub delta: bool,
}

/// Reads a CRL's extensions (RFC 5280 §5.2): cRLNumber, authorityKeyIdentifier,
/// issuingDistributionPoint, deltaCRLIndicator, freshestCRL, issuerAltName are recognised;
/// another critical one is [`ExtProblem::UnknownCritical`].
pub fn crl_extensions(exts: Option<&Extensions>) -> Result<CrlExtensions, ExtProblem> {
    let mut out = CrlExtensions::default();
    let Some(exts) = exts else {
        return Ok(out);
    };
    no_duplicates(exts)?;
    for e in exts {
        let v = e.extn_value.as_bytes();
        match e.extn_id {
            OID_IDP => out.issuing_distribution_point = Some(decode(v)?),
            OID_DELTA_CRL_INDICATOR => {
                drop(decode::<x509_cert::ext::pkix::BaseCrlNumber>(v)?);
                out.delta = true;
            }
            OID_CRL_NUMBER => drop(decode::<CrlNumber>(v)?),
            OID_AKI => drop(decode::<AuthorityKeyIdentifier>(v)?),
            OID_FRESHEST_CRL | OID_IAN => {}
            _ if e.critical => return Err(ExtProblem::UnknownCritical),
            _ => {}
        }
    }
    Ok(out)
}

/// Checks a CRL entry's extensions (RFC 5280 §5.3): reasonCode and invalidityDate are
/// recognised; certificateIssuer (an indirect CRL's entry, critical by §5.3.3) is not supported
/// and refused like another critical extension.
pub fn crl_entry_extensions(exts: Option<&Extensions>) -> Result<(), ExtProblem> {
    let Some(exts) = exts else {
        return Ok(());
    };
    no_duplicates(exts)?;
    for e in exts {
        let v = e.extn_value.as_bytes();
        match e.extn_id {
            OID_CRL_REASON => drop(decode::<x509_cert::ext::pkix::CrlReason>(v)?),
            OID_INVALIDITY_DATE => drop(decode::<der::asn1::GeneralizedTime>(v)?),
            OID_CERTIFICATE_ISSUER => return Err(ExtProblem::UnknownCritical),
            _ if e.critical => return Err(ExtProblem::UnknownCritical),
            _ => {}
        }
    }
    Ok(())
}

/// Whether a CRL with this issuingDistributionPoint covers an end-entity certificate with these
/// cRLDistributionPoints for every revocation reason (RFC 5280 §5.2.5, §6.3.3 (b)).
pub fn idp_covers(
    idp: &IssuingDistributionPoint,
    cert_dps: Option<&CrlDistributionPoints>,
) -> bool {
    if idp.only_contains_ca_certs
        || idp.only_contains_attribute_certs
        || idp.only_some_reasons.is_some()
        || idp.indirect_crl
    {
        return false;
    }
    match &idp.distribution_point {
        None => true,
        Some(name) => cert_dps.is_some_and(|dps| {
            dps.0
                .iter()
                .any(|dp: &DistributionPoint| dp_name_matches(dp.distribution_point.as_ref(), name))
        }),
    }
}

fn dp_name_matches(a: Option<&DistributionPointName>, b: &DistributionPointName) -> bool {
    match (a, b) {
        (Some(DistributionPointName::FullName(x)), DistributionPointName::FullName(y)) => {
            x.iter().any(|n| y.contains(n))
        }
        (Some(x), y) => x == y,
        (None, _) => false,
    }
}

/// RFC 5280 §7.1 name comparison (see the module docs for the string preparation used).
pub fn names_match(a: &Name, b: &Name) -> bool {
    if a == b {
        return true;
    }
    if a.iter_rdn().count() != b.iter_rdn().count() {
        return false;
    }
    a.iter_rdn().zip(b.iter_rdn()).all(|(ra, rb)| {
        ra.len() == rb.len()
            && ra.iter().all(|x| {
                rb.iter()
                    .any(|y| x.oid == y.oid && values_match(&x.value, &y.value))
            })
    })
}

fn values_match(a: &der::Any, b: &der::Any) -> bool {
    if a == b {
        return true;
    }
    match (directory_string(a), directory_string(b)) {
        (Some(x), Some(y)) => prepare(&x) == prepare(&y),
        _ => false,
    }
}

/// The Unicode text of a directory string value, if it is one.
fn directory_string(v: &der::Any) -> Option<String> {
    let bytes = v.value();
    match v.tag() {
        Tag::PrintableString | Tag::Utf8String | Tag::Ia5String => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        // T.61 read as Latin-1, as most implementations do (RFC 5280 §4.1.2.4 deprecates it).
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// Insignificant-space handling and case folding (RFC 4518 §2.4, §2.6, simplified).
fn prepare(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One DER TLV at the front of `bytes`: (tag byte, header length, content length), `None` unless
/// the whole TLV is inside `bytes`. Only what certificates use: one-byte tags, definite lengths
/// of up to 4 bytes.
pub(crate) fn tlv(bytes: &[u8]) -> Option<(u8, usize, usize)> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if first < 0x80 {
        let len = usize::from(first);
        return (2 + len <= bytes.len()).then_some((tag, 2, len));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let len = rest
        .get(..n)?
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let total = 2usize.checked_add(n)?.checked_add(len)?;
    (total <= bytes.len()).then_some((tag, 2 + n, len))
}

/// The TLVs inside a constructed value, as (offset in `content`, whole TLV length, tag).
pub(crate) fn children(content: &[u8]) -> Option<Vec<(usize, usize, u8)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < content.len() {
        let (tag, h, l) = tlv(&content[at..])?;
        out.push((at, h + l, tag));
        at += h + l;
    }
    Some(out)
}

/// Decodes a certificate and returns it with the exact bytes of its `tbsCertificate` (what the
/// issuer signed: signatures are checked over these, never over a re-encoding).
///
/// `der` 0.8's `DateTime` (and so `x509-cert`'s `Time`) cannot represent a year before 1970,
/// while RFC 5280 §4.1.2.5 allows UTCTime from 1950 and GeneralizedTime of any year. So that
/// such a certificate is not refused as malformed, a validity time before 1970 is read as
/// 1970-01-01T00:00:00Z in a copy used for decoding (same length, so no length changes): every
/// verification time this relying party uses is after 1970, so "now is before notBefore" and
/// "now is after notAfter" give the same answers as with the real times. Written by hand:
/// neither crate offers a wider time type.
pub fn decode_certificate(der: &[u8]) -> Option<(x509_cert::Certificate, &[u8])> {
    let (tag, h, l) = tlv(der)?;
    if tag != 0x30 || h + l != der.len() {
        return None;
    }
    let outer = &der[h..];
    let (tbs_tag, th, tl) = tlv(outer)?;
    if tbs_tag != 0x30 {
        return None;
    }
    let tbs = &outer[..th + tl];
    let decoded = match x509_cert::Certificate::from_der(der) {
        Ok(c) => c,
        Err(_) => {
            let mut copy = der.to_vec();
            let fields = children(&tbs[th..])?;
            // version [0] is optional: validity is the 4th field after it.
            let skip = usize::from(fields.first()?.2 == 0xa0);
            let (v_at, _, v_tag) = *fields.get(skip + 3)?;
            if v_tag != 0x30 {
                return None;
            }
            let v_abs = h + th + v_at;
            let (_, vh, vl) = tlv(&copy[v_abs..])?;
            let times = children(&copy[v_abs + vh..v_abs + vh + vl])?;
            for (t_at, _, t_tag) in times {
                let at = v_abs + vh + t_at;
                let (_, hh, ll) = tlv(&copy[at..])?;
                let value = &mut copy[at + hh..at + hh + ll];
                match (t_tag, ll) {
                    // UTCTime YYMMDDHHMMSSZ: YY 50-69 is 1950-1969.
                    (0x17, 13) if (b"50".as_slice()..=b"69".as_slice()).contains(&&value[..2]) => {
                        value.copy_from_slice(b"700101000000Z");
                    }
                    // GeneralizedTime YYYYMMDDHHMMSSZ before 1970.
                    (0x18, 15) if &value[..4] < b"1970".as_slice() => {
                        value.copy_from_slice(b"19700101000000Z");
                    }
                    _ => {}
                }
            }
            x509_cert::Certificate::from_der(&copy).ok()?
        }
    };
    Some((decoded, tbs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_stays_inside_its_input() {
        assert_eq!(tlv(&[0x30, 0x02, 0x05, 0x00]), Some((0x30, 2, 2)));
        assert_eq!(
            tlv(&[0x30, 0x05, 0x05, 0x00]),
            None,
            "short form past the end"
        );
        assert_eq!(tlv(&[0x30, 0x81, 0x01, 0x00]), Some((0x30, 3, 1)));
        assert_eq!(
            tlv(&[0x30, 0x82, 0xff, 0xff, 0x00]),
            None,
            "long form past the end"
        );
        assert_eq!(tlv(&[0x30, 0x80]), None, "indefinite length");
        for cut in 0..8 {
            let bytes = [0x30, 0x06, 0x30, 0x04, 0x17, 0x02, 0x35, 0x35];
            assert!(decode_certificate(&bytes[..cut]).is_none());
        }
    }

    #[test]
    fn names_compare_as_rfc_5280_section_7_1_asks() {
        use std::str::FromStr;
        let a = Name::from_str("CN=mynafido test JPKI CA,O=mynafido test,C=JP").expect("name");
        let b = Name::from_str("CN=MYNAFIDO  test JPKI CA ,O=Mynafido Test,C=jp").expect("name");
        let c = Name::from_str("CN=mynafido test JPKI CA 2,O=mynafido test,C=JP").expect("name");
        let d = Name::from_str("O=mynafido test,C=JP").expect("name");
        assert!(names_match(&a, &a));
        assert!(names_match(&a, &b), "case and insignificant spaces");
        assert!(!names_match(&a, &c), "control: another CN");
        assert!(!names_match(&a, &d), "control: fewer RDNs");
    }
}
