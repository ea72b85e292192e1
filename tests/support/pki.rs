//! Certificates made by the tests, never committed: a CA, server certificates with IP
//! and DNS names, and client certificates whose keys come in the three forms
//! kubeconfigs carry (RSA PKCS#1 as kubeadm writes it, EC SEC1 as k3s writes it, and
//! PKCS#8).
//!
//! rcgen signs everything. ring cannot generate RSA keys and rcgen writes only PKCS#8,
//! so the RSA and SEC1 keys come from the `openssl` command (Debian's `openssl`, which
//! `make tools` installs when it is missing).

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData, SignatureAlgorithm,
};

/// A certificate authority.
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    /// Its certificate, PEM.
    pub pem: String,
}

/// A certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Identity {
    /// The certificate as kubeconfig `*-data` fields hold it.
    pub fn cert_b64(&self) -> String {
        b64(&self.cert_pem)
    }

    /// The key as kubeconfig `client-key-data` holds it.
    pub fn key_b64(&self) -> String {
        b64(&self.key_pem)
    }
}

/// How a client key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `RSA PRIVATE KEY`, RSA 2048.
    RsaPkcs1,
    /// `EC PRIVATE KEY` on P-256, curve parameters included.
    EcSec1,
    /// `PRIVATE KEY` (PKCS#8) on P-256.
    Pkcs8,
}

/// Base64 of `text`, as kubeconfig `*-data` fields hold PEM.
pub fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

impl Ca {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().expect("generate the CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("self-sign the CA");
        Ca {
            issuer: Issuer::new(params, key),
            pem: cert.pem(),
        }
    }

    /// A server certificate for `names` (IP addresses and DNS names).
    pub fn server(&self, names: &[&str]) -> Identity {
        let key = KeyPair::generate().expect("generate a server key");
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server names");
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A client certificate for user `user`, its key written as `format`.
    pub fn client(&self, user: &str, format: KeyFormat) -> Identity {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client params");
        params.distinguished_name.push(DnType::CommonName, user);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "system:masters");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let (cert, key_pem) = match format {
            KeyFormat::Pkcs8 => {
                let key = KeyPair::generate().expect("generate a client key");
                (
                    params.signed_by(&key, &self.issuer).expect("sign"),
                    key.serialize_pem(),
                )
            }
            KeyFormat::RsaPkcs1 => {
                let key = openssl(&["genrsa", "-traditional", "2048"], None);
                let public = ForeignKey::of(&key, &rcgen::PKCS_RSA_SHA256);
                (params.signed_by(&public, &self.issuer).expect("sign"), key)
            }
            KeyFormat::EcSec1 => {
                let key = openssl(
                    &["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
                    None,
                );
                let public = ForeignKey::of(&key, &rcgen::PKCS_ECDSA_P256_SHA256);
                (params.signed_by(&public, &self.issuer).expect("sign"), key)
            }
        };
        let expected = match format {
            KeyFormat::RsaPkcs1 => "-----BEGIN RSA PRIVATE KEY-----",
            KeyFormat::EcSec1 => "-----BEGIN EC PRIVATE KEY-----",
            KeyFormat::Pkcs8 => "-----BEGIN PRIVATE KEY-----",
        };
        assert!(
            key_pem.starts_with(expected),
            "unexpected key form:\n{key_pem}"
        );
        Identity {
            cert_pem: cert.pem(),
            key_pem,
        }
    }
}

/// The public half of a key made outside rcgen, for rcgen to put in a certificate.
struct ForeignKey {
    subject_public_key: Vec<u8>,
    alg: &'static SignatureAlgorithm,
}

impl ForeignKey {
    fn of(private_pem: &str, alg: &'static SignatureAlgorithm) -> ForeignKey {
        let spki_pem = openssl(&["pkey", "-pubout"], Some(private_pem));
        let der = base64::engine::general_purpose::STANDARD
            .decode(
                spki_pem
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>(),
            )
            .expect("openssl writes base64 PEM");
        ForeignKey {
            subject_public_key: spki_bit_string(&der),
            alg,
        }
    }
}

impl PublicKeyData for ForeignKey {
    fn der_bytes(&self) -> &[u8] {
        &self.subject_public_key
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

/// The key bits of a DER SubjectPublicKeyInfo: `SEQUENCE { AlgorithmIdentifier,
/// BIT STRING }`, without the BIT STRING's unused-bits byte.
fn spki_bit_string(der: &[u8]) -> Vec<u8> {
    fn header(der: &[u8]) -> (u8, usize, usize) {
        let tag = der[0];
        match der[1] {
            len @ 0..=0x7f => (tag, usize::from(len), 2),
            long => {
                let n = usize::from(long & 0x7f);
                let len = der[2..2 + n]
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
                (tag, len, 2 + n)
            }
        }
    }
    let (tag, _, outer) = header(der);
    assert_eq!(tag, 0x30, "SubjectPublicKeyInfo is a SEQUENCE");
    let rest = &der[outer..];
    let (_, alg_len, alg_head) = header(rest);
    let bits = &rest[alg_head + alg_len..];
    let (tag, len, head) = header(bits);
    assert_eq!(tag, 0x03, "the key is a BIT STRING");
    bits[head + 1..head + len].to_vec()
}

/// Runs `openssl ARGS`, feeding `stdin`, and returns what it prints.
///
/// # Panics
/// When openssl is missing or fails, saying how to install it.
pub fn openssl(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run openssl ({e}): run `make tools`, which installs Debian's openssl")
        });
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("openssl's stdin")
            .write_all(input.as_bytes())
            .expect("feed openssl");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("openssl prints PEM")
}
