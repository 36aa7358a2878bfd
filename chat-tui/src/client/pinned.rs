//! Trust on first use, as SSH does it: a server is known by the SHA-256 fingerprint of its
//! certificate rather than by a CA's signature.
//!
//! [`PinnedVerifier`] accepts exactly one certificate and still checks the handshake
//! signature, so a server must hold the private key of the pinned certificate, not merely
//! replay it. [`RecordingVerifier`] accepts nothing: it notes the certificate presented and
//! fails the handshake, which is how [`super::probe`] learns a fingerprint to show the user
//! before any credentials or requests are sent to that server (it has received only the
//! TLS client hello, which carries the name it was dialled by).
//!
//! Names and expiry are not checked against a pin: the user vouched for this certificate,
//! for this address, and a self-hosted server's self-made certificate rarely names the
//! address people dial.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use sha2::{Digest, Sha256};

/// The SHA-256 digest of a certificate, written `SHA256:` and unpadded base64 as OpenSSH
/// writes key fingerprints.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub fn of(certificate: &[u8]) -> Self {
        Self(Sha256::digest(certificate).into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SHA256:{}", STANDARD_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The text is not a fingerprint as [`Fingerprint`]'s `Display` writes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fingerprint: expected SHA256: and 43 characters of base64")]
pub struct BadFingerprint;

impl FromStr for Fingerprint {
    type Err = BadFingerprint;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let encoded = text.strip_prefix("SHA256:").ok_or(BadFingerprint)?;
        let bytes = STANDARD_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|_| BadFingerprint)?;
        bytes.try_into().map(Self).map_err(|_| BadFingerprint)
    }
}

/// The certificate presented differs from the pinned one.
#[derive(Debug, thiserror::Error)]
#[error("server certificate {presented} is not the trusted {pinned}")]
struct Mismatch {
    pinned: Fingerprint,
    presented: Fingerprint,
}

/// Accepts the one certificate whose fingerprint it holds.
#[derive(Debug)]
pub struct PinnedVerifier {
    pinned: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    pub fn new(pinned: Fingerprint, algorithms: WebPkiSupportedAlgorithms) -> Self {
        Self { pinned, algorithms }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Fingerprint::of(end_entity);
        if presented == self.pinned {
            return Ok(ServerCertVerified::assertion());
        }
        let mismatch = Mismatch {
            pinned: self.pinned,
            presented,
        };
        Err(CertificateError::Other(OtherError(Arc::new(mismatch))).into())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Notes the certificate a server presents and refuses it, ending the handshake there.
#[derive(Debug)]
pub struct RecordingVerifier {
    seen: Mutex<Option<Fingerprint>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl RecordingVerifier {
    pub fn new(algorithms: WebPkiSupportedAlgorithms) -> Self {
        Self {
            seen: Mutex::new(None),
            algorithms,
        }
    }

    /// The fingerprint of the certificate presented, once a handshake got that far.
    pub fn seen(&self) -> Option<Fingerprint> {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *seen = Some(Fingerprint::of(end_entity));
        Err(rustls::Error::General(
            "certificate recorded, not trusted".into(),
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("not trusted".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("not trusted".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_through_their_text() {
        let fingerprint = Fingerprint::of(b"a certificate");
        let text = fingerprint.to_string();
        assert!(text.starts_with("SHA256:"), "{text}");
        assert_eq!(text.len(), "SHA256:".len() + 43);
        assert_eq!(text.parse::<Fingerprint>(), Ok(fingerprint));
    }

    #[test]
    fn malformed_fingerprints_are_refused() {
        let good = Fingerprint::of(b"x").to_string();
        let short = &good[..good.len() - 2];
        for bad in ["", "SHA256:", "MD5:abcd", short, &good[7..]] {
            assert_eq!(bad.parse::<Fingerprint>(), Err(BadFingerprint), "{bad}");
        }
    }

    fn algorithms() -> WebPkiSupportedAlgorithms {
        rustls::crypto::ring::default_provider().signature_verification_algorithms
    }

    #[test]
    fn a_pin_accepts_its_certificate_and_nothing_else() {
        let verifier = PinnedVerifier::new(Fingerprint::of(b"mine"), algorithms());
        let name = ServerName::try_from("localhost").unwrap();
        let verify = |cert: &'static [u8]| {
            let cert = CertificateDer::from(cert);
            verifier.verify_server_cert(&cert, &[], &name, &[], UnixTime::now())
        };
        assert!(verify(b"mine").is_ok());
        let err = verify(b"theirs").unwrap_err().to_string();
        assert!(
            err.contains(&Fingerprint::of(b"theirs").to_string()),
            "{err}"
        );
    }

    #[test]
    fn the_recording_verifier_notes_and_refuses() {
        let verifier = RecordingVerifier::new(algorithms());
        assert_eq!(verifier.seen(), None);
        let name = ServerName::try_from("localhost").unwrap();
        let cert = CertificateDer::from(&b"presented"[..]);
        assert!(
            verifier
                .verify_server_cert(&cert, &[], &name, &[], UnixTime::now())
                .is_err()
        );
        assert_eq!(verifier.seen(), Some(Fingerprint::of(b"presented")));
    }
}
