//! TLS towards the server: what to trust, and the name to verify.
//!
//! With [`Trust::CaFile`] the trust store holds only the certificates of that file, not the
//! system's roots: a self-hosted server has its own CA, and trusting every public CA as well
//! would let anyone with a public certificate for the host impersonate it. With
//! [`Trust::Pinned`] one certificate is trusted, by fingerprint (see `pinned`).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::ClientError;
use super::pinned::{Fingerprint, PinnedVerifier, RecordingVerifier};

/// How long a [`probe`] may take, dial and handshake together.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// How the client decides that it talks to the right server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The server's certificate must chain to a CA in this PEM file and name the host.
    CaFile(PathBuf),
    /// The server's certificate must be exactly this one, as trust on first use decided.
    Pinned(Fingerprint),
}

/// What is needed to open verified connections to one server.
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl Tls {
    /// Loads what `trust` needs and works out the name to verify from `server`
    /// ("host:port").
    pub async fn load(server: &str, trust: &Trust) -> Result<Self, ClientError> {
        let name = server_name(server)?;
        let builder = builder()?;
        let config = match trust {
            Trust::CaFile(ca_file) => {
                let pem = tokio::fs::read(ca_file).await.map_err(|e| {
                    ClientError::Config(format!("cannot read CA file {}: {e}", ca_file.display()))
                })?;
                builder.with_root_certificates(root_store(&pem, ca_file)?)
            }
            Trust::Pinned(fingerprint) => {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(
                        *fingerprint,
                        algorithms(),
                    )))
            }
        };
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config.with_no_client_auth())),
            name,
        })
    }

    /// Dials the server and completes the TLS handshake.
    pub async fn connect(&self, server: &str) -> Result<TlsStream<TcpStream>, ClientError> {
        let tcp = TcpStream::connect(server).await?;
        tcp.set_nodelay(true)?;
        self.connector
            .connect(self.name.clone(), tcp)
            .await
            .map_err(handshake_error)
    }
}

/// The fingerprint of the certificate `server` presents, learnt without trusting it: the
/// handshake is abandoned as soon as the certificate is seen. The server receives our TLS
/// client hello, which names it (SNI), and nothing after: no credentials, no requests.
pub async fn probe(server: &str) -> Result<Fingerprint, ClientError> {
    let name = server_name(server)?;
    let recorder = Arc::new(RecordingVerifier::new(algorithms()));
    let config = builder()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let attempt = async {
        let tcp = TcpStream::connect(server).await?;
        let _ = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await;
        Ok::<_, ClientError>(())
    };
    tokio::time::timeout(PROBE_TIMEOUT, attempt)
        .await
        .map_err(|_| ClientError::Io(io::Error::new(io::ErrorKind::TimedOut, "timed out")))??;
    recorder
        .seen()
        .ok_or_else(|| ClientError::Tls("the server presented no certificate".into()))
}

/// A client configuration builder with this crate's choice of crypto and protocol versions.
fn builder()
-> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>, ClientError> {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))
}

/// The signature algorithms a pinned certificate's handshake signature may use.
fn algorithms() -> rustls::crypto::WebPkiSupportedAlgorithms {
    rustls::crypto::ring::default_provider().signature_verification_algorithms
}

/// The trust store of the certificates in a PEM file.
fn root_store(pem: &[u8], path: &Path) -> Result<rustls::RootCertStore, ClientError> {
    let bad_file = |e: &dyn std::fmt::Display| {
        ClientError::Config(format!("bad CA file {}: {e}", path.display()))
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots
            .add(cert.map_err(|e| bad_file(&e))?)
            .map_err(|e| bad_file(&e))?;
    }
    if roots.is_empty() {
        return Err(bad_file(&"no certificate in it"));
    }
    Ok(roots)
}

/// The host part of "host:port", "[v6]:port" included, as the name the certificate must carry.
fn server_name(server: &str) -> Result<ServerName<'static>, ClientError> {
    let bad = || ClientError::Config(format!("server address {server:?} is not host:port"));
    let host = if let Some(rest) = server.strip_prefix('[') {
        let (host, port) = rest.split_once(']').ok_or_else(bad)?;
        port.strip_prefix(':')
            .filter(|p| !p.is_empty())
            .ok_or_else(bad)?;
        host
    } else {
        let (host, port) = server.rsplit_once(':').ok_or_else(bad)?;
        if port.is_empty() || host.contains(':') {
            return Err(bad());
        }
        host
    };
    ServerName::try_from(host.to_owned()).map_err(|_| bad())
}

/// A handshake failure: a verification error from rustls, or the network under it.
fn handshake_error(err: io::Error) -> ClientError {
    match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => ClientError::Tls(tls.to_string()),
        None => ClientError::Io(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_come_from_the_host_part() {
        let name = |s| server_name(s).map(|n| n.to_str().into_owned());
        assert_eq!(name("localhost:7878").unwrap(), "localhost");
        assert_eq!(name("127.0.0.1:7878").unwrap(), "127.0.0.1");
        assert_eq!(name("[::1]:7878").unwrap(), "::1");
        assert_eq!(name("chat.example.org:443").unwrap(), "chat.example.org");
    }

    #[test]
    fn malformed_server_addresses_are_config_errors() {
        for bad in [
            "localhost",
            "localhost:",
            "::1:7878",
            "[::1]",
            "[::1]7878",
            ":7878",
        ] {
            assert!(
                matches!(server_name(bad), Err(ClientError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let err = root_store(b"not a certificate", Path::new("ca.pem")).unwrap_err();
        assert!(err.to_string().contains("no certificate"), "{err}");
    }
}
