//! TLS towards the server: the CA to trust and the name to verify.
//!
//! The trust store holds only the certificates of the configured CA file, not the system's
//! roots: a self-hosted server has its own CA, and trusting every public CA as well would
//! let anyone with a public certificate for the host impersonate it.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::ClientError;

/// What is needed to open verified connections to one server.
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl Tls {
    /// Loads the CA file and works out the name to verify from `server` ("host:port").
    pub async fn load(server: &str, ca_file: &Path) -> Result<Self, ClientError> {
        let name = server_name(server)?;
        let pem = tokio::fs::read(ca_file).await.map_err(|e| {
            ClientError::Config(format!("cannot read CA file {}: {e}", ca_file.display()))
        })?;
        let roots = root_store(&pem, ca_file)?;
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self {
            connector: TlsConnector::from(Arc::new(config)),
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
