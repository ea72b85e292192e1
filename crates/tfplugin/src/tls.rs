//! go-plugin's AutoMTLS: Terraform passes its client certificate in `PLUGIN_CLIENT_CERT`,
//! the provider answers with a fresh self-signed server certificate on the handshake
//! line, and each side trusts exactly the other's certificate.
//!
//! Terraform's client key is ECDSA P-521, which `ring` cannot verify, so handshake
//! signatures of that scheme are checked with RustCrypto's `p521`; the client certificate
//! itself is pinned byte for byte rather than validated as a chain (it is self-signed and
//! marked as a CA, which path validation would refuse as an end-entity certificate).

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer, PrivatePkcs8KeyDer,
    SignatureVerificationAlgorithm, UnixTime, alg_id,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    /// `PLUGIN_CLIENT_CERT` is not a PEM certificate.
    ClientCert(String),
    #[error("could not generate the server certificate: {0}")]
    /// The per-start certificate could not be generated.
    Generate(#[from] rcgen::Error),
    #[error("could not build the TLS configuration: {0}")]
    /// rustls refused the configuration.
    Config(#[from] rustls::Error),
}

/// The server side of AutoMTLS: the rustls configuration and the certificate to announce.
pub struct ServerTls {
    /// The server configuration, trusting only Terraform's certificate.
    pub config: Arc<ServerConfig>,
    /// DER of the server certificate, for the handshake line.
    pub certificate: Vec<u8>,
}

/// Builds the server's TLS configuration, trusting only `client_cert_pem`.
pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, TlsError> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| TlsError::ClientCert(e.to_string()))?
        .into_owned();

    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    // go-plugin puts the server certificate into the client's root pool, so it must be a
    // CA that may also serve as the leaf.
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    let cert_der = cert.der().clone();

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedClient {
        certificate: client_cert,
        provider: provider.clone(),
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    // grpc-go refuses a TLS connection that did not negotiate HTTP/2 through ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        config: Arc::new(config),
        certificate: cert_der.to_vec(),
    })
}

/// Accepts exactly one client certificate.
#[derive(Debug)]
struct PinnedClient {
    certificate: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl PinnedClient {
    fn algorithms(&self, scheme: SignatureScheme) -> &WebPkiSupportedAlgorithms {
        if scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            &P521_ALGORITHMS
        } else {
            &self.provider.signature_verification_algorithms
        }
    }
}

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms(dss.scheme))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms(dss.scheme))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        schemes
    }
}

/// ECDSA over P-521 with SHA-512, the scheme of go-plugin's client keys.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

static P521: EcdsaP521Sha512 = EcdsaP521Sha512;

static P521_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[&P521],
    mapping: &[(SignatureScheme::ECDSA_NISTP521_SHA512, &[&P521])],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn client_pem() -> String {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn builds_a_config_that_speaks_h2_and_announces_its_certificate() {
        let tls = server_tls(&client_pem()).unwrap();
        assert_eq!(tls.config.alpn_protocols, vec![b"h2".to_vec()]);
        assert!(tls.certificate.len() > 100);
        assert_eq!(
            tls.certificate.first(),
            Some(&0x30),
            "DER starts with a SEQUENCE"
        );
    }

    #[test]
    fn refuses_a_client_certificate_that_is_not_pem() {
        let err = server_tls("not a certificate").err().unwrap();
        assert!(err.to_string().contains("PLUGIN_CLIENT_CERT"), "{err}");
    }

    #[test]
    fn pins_the_client_certificate_and_offers_p521() {
        let pem = client_pem();
        let pinned = PinnedClient {
            certificate: CertificateDer::from_pem_slice(pem.as_bytes()).unwrap(),
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        };
        let same = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert!(
            pinned
                .verify_client_cert(&same, &[], UnixTime::now())
                .is_ok()
        );
        let other_pem = client_pem();
        let other = CertificateDer::from_pem_slice(other_pem.as_bytes()).unwrap();
        assert!(
            pinned
                .verify_client_cert(&other, &[], UnixTime::now())
                .is_err()
        );
        assert!(
            pinned
                .supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }
}
