//! The JPKI cases of the verifier audit (issue 14 class 2, issue 12's JPKI part, and the name
//! and algorithm choices of class 6): certificates and CRLs that differ from the good ones in
//! one extension, one name encoding or one algorithm, built with `x509-cert` from the same CA
//! key, so that only the check under test can tell them apart.
//!
//! - card certificate: unknown critical extension, keyUsage without digitalSignature or absent,
//!   extendedKeyUsage without clientAuth, an extension twice, sha384WithRSAEncryption, and the
//!   accepts (an unknown non-critical extension, extendedKeyUsage clientAuth, an issuer name
//!   spelt as PrintableString or in other case where the CA's subject is UTF8String);
//! - the configured CA: expired, basicConstraints cA false or absent, keyUsage without
//!   keyCertSign or without cRLSign, a P-256 key, an unknown critical extension;
//! - notBefore before 1970 (GeneralizedTime 1949, UTCTime 1955), accepted;
//! - the CRL: a delta CRL, issuingDistributionPoint only for CA certificates, only for attribute
//!   certificates, only some reasons, another distribution point, an unknown critical CRL or
//!   entry extension, no nextUpdate, and the accepts (onlyContainsUserCerts, an entry with a
//!   reasonCode).

use std::str::FromStr;

use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode};
use rsa::pkcs1v15::Signature as RsaSignature;
use serde_json::Value;
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::certificate::{Certificate, Version};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    BasicConstraints, CrlNumber, CrlReason, ExtendedKeyUsage, KeyUsage, KeyUsages,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use super::{
    GenError, Kind, NOW, Pki, Renderer, RsaSigner, b64, card_expected, card_json, case, rsa_sign,
    rsa_spki, time,
};
use crate::pki;

/// A certificate profile with exactly the given extensions.
struct Exact {
    issuer: Name,
    subject: Name,
    exts: Vec<Extension>,
}

impl BuilderProfile for Exact {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.exts.clone())
    }
}

/// An extension of a fixed value built here. Encoding such a value (tens of bytes) cannot fail:
/// DER refuses only lengths past 256 MiB, so the `expect`s below state an invariant, not input.
fn ext(oid: der::asn1::ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    let der = value.to_der().expect("a small fixed value encodes");
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(der).expect("a small octet string"),
    }
}

fn ku(flags: der::flagset::FlagSet<KeyUsages>) -> Extension {
    ext(pki::OID_KEY_USAGE, true, &KeyUsage(flags))
}

fn bc(ca: bool) -> Extension {
    ext(
        pki::OID_BASIC_CONSTRAINTS,
        true,
        &BasicConstraints {
            ca,
            path_len_constraint: ca.then_some(0),
        },
    )
}

/// A private-enterprise OID no relying party knows (the documentation arc of RFC 5612).
fn unknown(critical: bool) -> Extension {
    ext(
        der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.1"),
        critical,
        &der::asn1::Null,
    )
}

/// What to build a certificate from.
struct Spec<'a> {
    signer: &'a rsa::PrivateKey,
    issuer: Name,
    subject: Name,
    serial: u32,
    validity: (&'a str, &'a str),
    spki: Vec<u8>,
    exts: Vec<Extension>,
    sha384: bool,
}

fn build(s: Spec<'_>) -> Result<Vec<u8>, GenError> {
    let profile = Exact {
        issuer: s.issuer,
        subject: s.subject,
        exts: s.exts,
    };
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::from(s.serial),
        Validity::new(time(s.validity.0)?, time(s.validity.1)?),
        spki::SubjectPublicKeyInfoOwned::from_der(&s.spki)?,
    )?;
    let cert: Certificate = if s.sha384 {
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(s.signer.clone());
        builder.build::<_, RsaSignature>(&signer)?
    } else {
        builder.build::<_, RsaSignature>(&RsaSigner::new(s.signer.clone()))?
    };
    Ok(cert.to_der()?)
}

/// A card A certificate from the CA, valid now, with these extensions.
fn card_spec(p: &Pki, exts: Vec<Extension>) -> Result<Spec<'_>, GenError> {
    Ok(Spec {
        signer: &p.ca_key,
        issuer: p.ca_name.clone(),
        subject: Name::from_str("CN=card A user auth,O=mynafido test,C=JP")?,
        serial: 0x1101,
        validity: ("2025-04-01T00:00:00Z", "2030-03-31T23:59:59Z"),
        spki: rsa_spki(&p.card_a)?,
        exts,
        sha384: false,
    })
}

fn ca_spec(p: &Pki, exts: Vec<Extension>) -> Result<Spec<'_>, GenError> {
    Ok(Spec {
        signer: &p.ca_key,
        issuer: p.ca_name.clone(),
        subject: p.ca_name.clone(),
        serial: 1,
        validity: ("2024-01-01T00:00:00Z", "2034-01-01T00:00:00Z"),
        spki: rsa_spki(&p.ca_key)?,
        exts,
        sha384: false,
    })
}

fn user_exts() -> Vec<Extension> {
    vec![bc(false), ku(KeyUsages::DigitalSignature.into())]
}

/// A CRL of the CA (revoking card B's 0x2001) with these CRL extensions, entry extensions and
/// nextUpdate, signed with the CA key.
fn crl(
    p: &Pki,
    exts: Vec<Extension>,
    entry_exts: Option<Vec<Extension>>,
    next_update: bool,
) -> Result<Vec<u8>, GenError> {
    let mut all = vec![ext(
        pki::OID_CRL_NUMBER,
        false,
        &CrlNumber(der::asn1::Uint::new(&[8])?),
    )];
    all.extend(exts);
    let tbs = TbsCertList {
        version: Version::V2,
        signature: spki::AlgorithmIdentifierOwned {
            oid: crate::verify::OID_SHA256_WITH_RSA,
            parameters: Some(der::asn1::Null.into()),
        },
        issuer: p.ca_name.clone(),
        this_update: time("2026-05-31T00:00:00Z")?,
        next_update: if next_update {
            Some(time("2026-06-30T00:00:00Z")?)
        } else {
            None
        },
        revoked_certificates: Some(vec![RevokedCert {
            serial_number: SerialNumber::from(0x2001u32),
            revocation_date: time("2026-03-01T00:00:00Z")?,
            crl_entry_extensions: entry_exts,
        }]),
        crl_extensions: Some(all),
    };
    let signature = rsa_sign(&p.ca_key, &tbs.to_der()?);
    let list = CertificateList {
        signature_algorithm: tbs.signature.clone(),
        tbs_cert_list: tbs,
        signature: der::asn1::BitString::from_bytes(&signature)?,
    };
    Ok(list.to_der()?)
}

fn idp(f: impl FnOnce(&mut IssuingDistributionPoint)) -> Extension {
    let mut v = IssuingDistributionPoint {
        distribution_point: None,
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    };
    f(&mut v);
    ext(pki::OID_IDP, true, &v)
}

/// One card-authentication case: card A's key signs the challenge.
fn emit(
    r: &mut Renderer,
    name: &str,
    desc: &str,
    cert: &[u8],
    ca: Option<&[u8]>,
    crl_der: Option<&[u8]>,
    reason: Option<&str>,
) -> Result<(), GenError> {
    let ch = r.w.challenge();
    let p = &r.pki;
    let mut e = card_expected(p, &ch, NOW);
    if let Some(ca) = ca {
        e.ca_cert = Some(b64(ca));
    }
    if let Some(c) = crl_der {
        e.crl = Some(b64(c));
    }
    let cred: Value = card_json(cert, &rsa_sign(&p.card_a, &ch));
    let c = case(Kind::JpkiAuth, desc, e, &cred, reason)?;
    r.w.push(name, &c)
}

/// The CA's name DER with every UTF8String value re-tagged PrintableString (its values are
/// printable: letters, digits, spaces), as another CA product might encode the same name.
fn printable(name: &Name) -> Result<Name, GenError> {
    let mut der = name.to_der()?;
    // Walk the TLVs: an AttributeTypeAndValue is SEQUENCE { OID, value }; re-tag a value whose
    // tag is UTF8String (0x0c) directly after an OID (0x06).
    let mut i = 0;
    while i + 1 < der.len() {
        if der[i] == 0x06 {
            let len = usize::from(der[i + 1]);
            let v = i + 2 + len;
            if der.get(v) == Some(&0x0c) {
                der[v] = 0x13;
            }
            i = v;
        } else {
            i += 1;
        }
    }
    Ok(Name::from_der(&der)?)
}

/// A DER SEQUENCE of `content`.
fn seq(content: &[u8]) -> Vec<u8> {
    let mut out = vec![0x30];
    let len = content.len();
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// Card A's certificate with `not_before` (a whole UTCTime or GeneralizedTime TLV) as its
/// notBefore: `x509-cert` cannot build a time before 1970, so the tbsCertificate is built with
/// 1970 and its validity rewritten as DER, then signed with the CA key (RFC 5280 §4.1.2.5 allows
/// UTCTime from 1950 and GeneralizedTime before it).
fn card_not_before(p: &Pki, not_before: &[u8]) -> Result<Vec<u8>, GenError> {
    let bad = || GenError::Der(der::Error::from(der::ErrorKind::Failed));
    let cert = Certificate::from_der(&build(Spec {
        validity: ("1970-01-01T00:00:00Z", "2030-03-31T23:59:59Z"),
        ..card_spec(p, user_exts())?
    })?)?;
    let tbs = cert.tbs_certificate().to_der()?;
    let (_, h, _) = pki::tlv(&tbs).ok_or_else(bad)?;
    let fields = pki::children(&tbs[h..]).ok_or_else(bad)?;
    let mut content = Vec::new();
    for (i, &(at, len, _)) in fields.iter().enumerate() {
        let field = &tbs[h + at..h + at + len];
        // Fields: version [0], serial, signature, issuer, validity, ...
        if i == 4 {
            let (_, vh, _) = pki::tlv(field).ok_or_else(bad)?;
            let times = pki::children(&field[vh..]).ok_or_else(bad)?;
            let (na_at, na_len, _) = *times.get(1).ok_or_else(bad)?;
            let mut validity = not_before.to_vec();
            validity.extend_from_slice(&field[vh + na_at..vh + na_at + na_len]);
            content.extend(seq(&validity));
        } else {
            content.extend_from_slice(field);
        }
    }
    let tbs = seq(&content);
    let sig = rsa_sign(&p.ca_key, &tbs);
    let mut outer = tbs;
    outer.extend(cert.signature_algorithm().to_der()?);
    outer.extend(der::asn1::BitString::from_bytes(&sig)?.to_der()?);
    Ok(seq(&outer))
}

/// Generates every JPKI audit case.
pub(super) fn generate(r: &mut Renderer) -> Result<(), GenError> {
    card_cases(r)?;
    ca_cases(r)?;
    crl_cases(r)?;
    old_time_cases(r)?;
    Ok(())
}

/// Over-rejection of issue 14 class 6: validity times before 1970, which `x509-cert` cannot
/// decode (see `pki::decode_certificate`).
fn old_time_cases(r: &mut Renderer) -> Result<(), GenError> {
    let mut gt = vec![0x18, 15];
    gt.extend_from_slice(b"19491231000000Z");
    let mut ut = vec![0x17, 13];
    ut.extend_from_slice(b"550101000000Z");
    let old: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "jpki-card-not-before-1949-accept",
            "card certificate with notBefore 1949-12-31 as GeneralizedTime (RFC 5280 §4.1.2.5)",
            card_not_before(&r.pki, &gt)?,
        ),
        (
            "jpki-card-not-before-1955-accept",
            "card certificate with notBefore 1955-01-01 as UTCTime (YY 55 is 1955)",
            card_not_before(&r.pki, &ut)?,
        ),
    ];
    for (name, desc, cert) in old {
        emit(r, name, desc, &cert, None, None, None)?;
    }
    Ok(())
}

fn card_cases(r: &mut Renderer) -> Result<(), GenError> {
    let p = &r.pki;
    let with = |mut exts: Vec<Extension>, extra: Vec<Extension>| {
        exts.extend(extra);
        exts
    };
    let certs: Vec<(&str, &str, Vec<u8>, Option<&str>)> = vec![
        (
            "jpki-card-unknown-critical-extension",
            "card certificate with a critical extension of an unknown OID",
            build(card_spec(p, with(user_exts(), vec![unknown(true)]))?)?,
            Some("unknown-critical-extension"),
        ),
        (
            "jpki-card-unknown-extension-accept",
            "card certificate with a non-critical extension of an unknown OID (ignored)",
            build(card_spec(p, with(user_exts(), vec![unknown(false)]))?)?,
            None,
        ),
        (
            "jpki-card-key-usage-no-digital-signature",
            "card certificate whose keyUsage is keyEncipherment only",
            build(card_spec(
                p,
                vec![bc(false), ku(KeyUsages::KeyEncipherment.into())],
            )?)?,
            Some("key-usage-not-permitted"),
        ),
        (
            "jpki-card-key-usage-absent",
            "card certificate without keyUsage (policy: JPKI certificates carry it)",
            build(card_spec(p, vec![bc(false)])?)?,
            Some("key-usage-not-permitted"),
        ),
        (
            "jpki-card-eku-no-client-auth",
            "card certificate with a critical extendedKeyUsage of serverAuth only",
            build(card_spec(
                p,
                with(
                    user_exts(),
                    vec![ext(
                        pki::OID_EXT_KEY_USAGE,
                        true,
                        &ExtendedKeyUsage(vec![der::asn1::ObjectIdentifier::new_unwrap(
                            "1.3.6.1.5.5.7.3.1",
                        )]),
                    )],
                ),
            )?)?,
            Some("key-usage-not-permitted"),
        ),
        (
            "jpki-card-eku-client-auth-accept",
            "card certificate with extendedKeyUsage clientAuth",
            build(card_spec(
                p,
                with(
                    user_exts(),
                    vec![ext(
                        pki::OID_EXT_KEY_USAGE,
                        false,
                        &ExtendedKeyUsage(vec![pki::OID_CLIENT_AUTH]),
                    )],
                ),
            )?)?,
            None,
        ),
        (
            "jpki-card-duplicate-extension",
            "card certificate with keyUsage twice (digitalSignature, then keyCertSign)",
            build(card_spec(
                p,
                with(user_exts(), vec![ku(KeyUsages::KeyCertSign.into())]),
            )?)?,
            Some("malformed(certificate)"),
        ),
        (
            "jpki-card-sha384",
            "card certificate signed with sha384WithRSAEncryption (policy: SHA-256 only, as JPKI)",
            build(Spec {
                sha384: true,
                ..card_spec(p, user_exts())?
            })?,
            Some("untrusted-issuer"),
        ),
        (
            "jpki-issuer-printable-string-accept",
            "issuer name as PrintableString where the CA's subject is UTF8String (RFC 5280 §7.1)",
            build(Spec {
                issuer: printable(&p.ca_name)?,
                ..card_spec(p, user_exts())?
            })?,
            None,
        ),
        (
            "jpki-issuer-case-accept",
            "issuer name in other case and spacing than the CA's subject (RFC 5280 §7.1)",
            build(Spec {
                issuer: Name::from_str("CN=MYNAFIDO test  JPKI CA ,O=Mynafido Test,C=jp")?,
                ..card_spec(p, user_exts())?
            })?,
            None,
        ),
        (
            "jpki-issuer-name-differs",
            "issuer name of another CA, signed with the CA's key",
            build(Spec {
                issuer: Name::from_str("CN=mynafido test JPKI CA 2,O=mynafido test,C=JP")?,
                ..card_spec(p, user_exts())?
            })?,
            Some("untrusted-issuer"),
        ),
    ];
    for (name, desc, cert, reason) in certs {
        emit(r, name, desc, &cert, None, None, reason)?;
    }
    Ok(())
}

fn ca_cases(r: &mut Renderer) -> Result<(), GenError> {
    let ec_key = super::p256_key(&mut r.w.rng);
    let ec_spki = super::p256_spki(&ec_key)?;
    let p = &r.pki;
    let ca_exts = |k: der::flagset::FlagSet<KeyUsages>| vec![bc(true), ku(k)];
    let both = KeyUsages::KeyCertSign | KeyUsages::CRLSign;
    let cas: Vec<(&str, &str, Vec<u8>, Option<&str>)> = vec![
        (
            "jpki-ca-expired",
            "the configured CA certificate expired in 2020",
            build(Spec {
                validity: ("2010-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
                ..ca_spec(p, ca_exts(both))?
            })?,
            Some("ca-not-valid"),
        ),
        (
            "jpki-ca-not-a-ca",
            "the configured CA certificate says cA false",
            build(ca_spec(p, vec![bc(false), ku(both)])?)?,
            Some("ca-not-a-ca"),
        ),
        (
            "jpki-ca-no-basic-constraints",
            "the configured CA certificate has no basicConstraints",
            build(ca_spec(p, vec![ku(both)])?)?,
            Some("ca-not-a-ca"),
        ),
        (
            "jpki-ca-no-key-cert-sign",
            "the configured CA's keyUsage is cRLSign only (policy: refused)",
            build(ca_spec(p, ca_exts(KeyUsages::CRLSign.into()))?)?,
            Some("ca-not-a-ca"),
        ),
        (
            "jpki-ca-no-crl-sign",
            "the configured CA's keyUsage is keyCertSign only, and it signed the CRL",
            build(ca_spec(p, ca_exts(KeyUsages::KeyCertSign.into()))?)?,
            Some("revocation-list-untrusted"),
        ),
        (
            "jpki-ca-unknown-critical-extension",
            "the configured CA certificate has a critical extension of an unknown OID",
            build(ca_spec(p, vec![bc(true), ku(both), unknown(true)])?)?,
            Some("ca-not-a-ca"),
        ),
        (
            "jpki-ca-key-p256",
            "the configured CA has a P-256 key (JPKI CAs are RSA): the RP cannot trust the card",
            build(Spec {
                spki: ec_spki,
                ..ca_spec(p, ca_exts(both))?
            })?,
            Some("ca-key-unsupported"),
        ),
    ];
    let cert_a = p.cert_a.clone();
    for (name, desc, ca, reason) in cas {
        emit(r, name, desc, &cert_a, Some(&ca), None, reason)?;
    }
    Ok(())
}

fn crl_cases(r: &mut Renderer) -> Result<(), GenError> {
    let p = &r.pki;
    let crit_unknown = vec![unknown(true)];
    let other_dp = || -> Result<DistributionPointName, GenError> {
        Ok(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(Ia5String::new(
                "http://crl.mynafido.example/other.crl",
            )?),
        ]))
    };
    let dp = other_dp()?;
    let reason = ext(pki::OID_CRL_REASON, false, &CrlReason::KeyCompromise);
    let crls: Vec<(&str, &str, Vec<u8>, Option<&str>)> = vec![
        (
            "jpki-crl-delta",
            "a delta CRL (deltaCRLIndicator) given as the CA's CRL",
            crl(
                p,
                vec![ext(
                    pki::OID_DELTA_CRL_INDICATOR,
                    true,
                    &x509_cert::ext::pkix::BaseCrlNumber(der::asn1::Uint::new(&[7])?),
                )],
                None,
                true,
            )?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-idp-only-ca-certs",
            "a CRL whose issuingDistributionPoint covers only CA certificates",
            crl(
                p,
                vec![idp(|i| i.only_contains_ca_certs = true)],
                None,
                true,
            )?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-idp-only-attribute-certs",
            "a CRL whose issuingDistributionPoint covers only attribute certificates",
            crl(
                p,
                vec![idp(|i| i.only_contains_attribute_certs = true)],
                None,
                true,
            )?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-idp-only-some-reasons",
            "a CRL whose issuingDistributionPoint covers only keyCompromise",
            crl(
                p,
                vec![idp(|i| {
                    i.only_some_reasons =
                        Some(x509_cert::ext::pkix::crl::dp::Reasons::KeyCompromise.into())
                })],
                None,
                true,
            )?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-idp-other-distribution-point",
            "a CRL for a distribution point the card certificate does not name",
            crl(
                p,
                vec![idp(|i| i.distribution_point = Some(dp.clone()))],
                None,
                true,
            )?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-idp-user-certs-accept",
            "a CRL whose issuingDistributionPoint covers only end-entity certificates",
            crl(
                p,
                vec![idp(|i| i.only_contains_user_certs = true)],
                None,
                true,
            )?,
            None,
        ),
        (
            "jpki-crl-unknown-critical-extension",
            "a CRL with a critical extension of an unknown OID",
            crl(p, crit_unknown.clone(), None, true)?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-entry-unknown-critical-extension",
            "a CRL entry (card B) with a critical extension of an unknown OID",
            crl(p, Vec::new(), Some(crit_unknown), true)?,
            Some("revocation-list-unusable"),
        ),
        (
            "jpki-crl-entry-reason-accept",
            "a CRL entry (card B) with reasonCode keyCompromise; card A is not on it",
            crl(p, Vec::new(), Some(vec![reason]), true)?,
            None,
        ),
        (
            "jpki-crl-no-next-update",
            "a CRL without nextUpdate (policy: unusable, RFC 5280 §5.1.2.5 requires it)",
            crl(p, Vec::new(), None, false)?,
            Some("revocation-list-unusable"),
        ),
    ];
    let cert_a = p.cert_a.clone();
    for (name, desc, list, reason) in crls {
        emit(r, name, desc, &cert_a, None, Some(&list), reason)?;
    }
    Ok(())
}
