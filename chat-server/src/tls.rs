//! TLS: the server's certificate, loaded from PEM files or made on first start, and the
//! [`stream`] connections speak over.

mod stream;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsSource;

pub use stream::{TlsReader, TlsWriter, accept};

/// File names in a directory of generated certificates.
pub const CA_CERT: &str = "ca.pem";
const CA_KEY: &str = "ca-key.pem";
const SERVER_CERT: &str = "server.pem";
const SERVER_KEY: &str = "server-key.pem";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error(
        "{0} exists but the server certificate beside it does not; remove the directory's \
             files to make a new CA, or supply --cert and --key"
    )]
    OrphanCa(PathBuf),
    #[error("invalid TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The configuration serving the configured certificate, generating one first when needed.
pub fn server_config(source: &TlsSource) -> Result<Arc<ServerConfig>, TlsError> {
    let (cert, key) = match source {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
        TlsSource::Generated { dir } => {
            ensure_generated(dir)?;
            (dir.join(SERVER_CERT), dir.join(SERVER_KEY))
        }
    };
    let chain = CertificateDer::pem_file_iter(&cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| TlsError::Read {
            path: cert.clone(),
            reason: e.to_string(),
        })?;
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| TlsError::Read {
        path: key.clone(),
        reason: e.to_string(),
    })?;

    if let Some(leaf) = chain.first() {
        tracing::info!(fingerprint = %fingerprint(leaf), "serving certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// The certificate's SHA-256 in the form clients show when they ask whether to trust a
/// server (`SHA256:` and unpadded base64, as OpenSSH writes key fingerprints), so that an
/// admin can read it from the log and tell users what to expect.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    use base64::Engine;
    use sha2::Digest;

    let digest = sha2::Sha256::digest(cert.as_ref());
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

/// Makes a local CA and a certificate for localhost signed by it, unless they exist.
fn ensure_generated(dir: &Path) -> Result<(), TlsError> {
    if dir.join(SERVER_CERT).exists() && dir.join(SERVER_KEY).exists() {
        return Ok(());
    }
    if dir.join(CA_CERT).exists() {
        return Err(TlsError::OrphanCa(dir.join(CA_CERT)));
    }
    fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.to_owned(),
        source,
    })?;

    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "chat-server local CA");
    let ca_cert = ca_params.self_signed(&ca_key)?;

    let server_key = KeyPair::generate()?;
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let mut server_params = CertificateParams::new(names)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    write_file(&dir.join(CA_KEY), &issuer.key().serialize_pem(), true)?;
    write_file(&dir.join(CA_CERT), &ca_cert.pem(), false)?;
    write_file(&dir.join(SERVER_KEY), &server_key.serialize_pem(), true)?;
    write_file(&dir.join(SERVER_CERT), &server_cert.pem(), false)?;
    tracing::info!(dir = %dir.display(), "generated a local CA and a certificate for localhost");
    Ok(())
}

fn write_file(path: &Path, contents: &str, secret: bool) -> Result<(), TlsError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options
        .open(path)
        .and_then(|mut file| file.write_all(contents.as_bytes()))
        .map_err(|source| TlsError::Write {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_and_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let source = TlsSource::Generated {
            dir: dir.path().to_owned(),
        };
        server_config(&source).unwrap();
        let ca = fs::read(dir.path().join(CA_CERT)).unwrap();
        server_config(&source).unwrap();
        assert_eq!(fs::read(dir.path().join(CA_CERT)).unwrap(), ca);
    }

    #[test]
    fn fingerprints_are_written_as_clients_show_them() {
        let text = fingerprint(&CertificateDer::from(vec![1, 2, 3]));
        assert!(text.starts_with("SHA256:"), "{text}");
        assert_eq!(text.len(), "SHA256:".len() + 43);
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_private_to_their_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        server_config(&TlsSource::Generated {
            dir: dir.path().to_owned(),
        })
        .unwrap();
        let mode = fs::metadata(dir.path().join(SERVER_KEY))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0);
    }
}
