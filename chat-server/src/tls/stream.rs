//! TLS over a TCP socket on rustls's unbuffered API, holding buffers only while bytes are
//! in them.
//!
//! rustls's own stream keeps a 4 KiB read buffer for as long as a connection lives, and
//! most of a chat server's connections are idle most of the time: there, that buffer was a
//! third of what each one cost. Here reading waits for the socket to be readable before it
//! takes a buffer, and each buffer is let go as soon as it is empty.
//!
//! The halves share rustls's state and the ciphertext read so far under a mutex held only
//! to read, open, seal and write, never across an await. The reading half decrypts every
//! complete record before it lets go of the lock, so the writing half's calls into rustls
//! (which must be given the same buffer) never meet one. Every TLS byte the server sends goes through one outgoing buffer, in
//! the order it was made, so that nothing the reading half sends (an alert, a handshake
//! message) overtakes records the writing half sealed before it. What the reading half
//! sends goes out at once if the socket has room, and otherwise with the writing half's
//! next write or flush. Neither half is meant to be polled from two tasks at once.

use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, ready};

use bytes::BufMut;

use rustls::ServerConfig;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{
    ConnectionState, EncodeError, EncodeTlsData, EncryptError, InsufficientSizeError, ReadTraffic,
    WriteTraffic,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Most ciphertext taken from the socket in one read: a whole record of the largest size
/// with room to spare.
const READ_SIZE: usize = 17 * 1024;

/// Most ciphertext held while a record or handshake message is incomplete: a handshake
/// message may be 64 KiB, spread over several records.
const MAX_INCOMING: usize = 96 * 1024;

/// Most plaintext sealed in one write, which bounds the outgoing buffer.
const MAX_PLAINTEXT_PER_WRITE: usize = 64 * 1024;

/// Most sealed bytes left waiting for the socket before reading stops with an error: what
/// one write seals, and room for the replies rustls makes to what the peer sends (key
/// updates) while it does not read them.
const MAX_UNSENT: usize = 2 * MAX_PLAINTEXT_PER_WRITE;

/// What sealing adds to a record at most: header, explicit nonce, content type and tag.
const RECORD_OVERHEAD: usize = 64;

/// Largest payload of one record.
const MAX_FRAGMENT: usize = 16 * 1024;

/// Completes the server's side of a handshake on `socket` and splits the connection into
/// halves. Time limits are the caller's.
pub async fn accept(
    config: Arc<ServerConfig>,
    socket: TcpStream,
) -> io::Result<(TlsReader, TlsWriter)> {
    let mut tls = Tls {
        conn: UnbufferedServerConnection::new(config).map_err(tls_error)?,
        incoming: Vec::new(),
        outgoing: Vec::new(),
        peer_closed: false,
        close_sent: false,
        failed: false,
    };
    let mut plaintext = Plaintext::default();
    loop {
        let status = tls.conn.process_tls_records(&mut tls.incoming);
        let mut discard = status.discard;
        let state = match status.state {
            Ok(state) => state,
            Err(err) => {
                tls.incoming.drain(..discard);
                tls.send_alert(&socket);
                return Err(tls_error(err));
            }
        };
        let blocked = match state {
            ConnectionState::EncodeTlsData(mut data) => {
                encode(&mut data, &mut tls.outgoing)?;
                false
            }
            ConnectionState::TransmitTlsData(data) => {
                data.done();
                false
            }
            ConnectionState::ReadTraffic(mut traffic) => {
                discard += plaintext.take_records(&mut traffic, &mut ReadBuf::new(&mut []))?;
                false
            }
            ConnectionState::WriteTraffic(_) | ConnectionState::BlockedHandshake => true,
            ConnectionState::PeerClosed | ConnectionState::Closed => {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            other => return Err(unexpected(&other)),
        };
        tls.incoming.drain(..discard);
        write_all(&socket, &mut tls.outgoing).await?;
        if blocked && !tls.conn.is_handshaking() {
            break;
        }
        if blocked && read_more(&socket, &mut tls.incoming).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    tls.outgoing = Vec::new();
    if tls.incoming.is_empty() {
        tls.incoming = Vec::new();
    }
    let shared = Arc::new(Shared {
        socket,
        tls: Mutex::new(tls),
    });
    let reader = TlsReader {
        shared: Arc::clone(&shared),
        plaintext,
        eof: false,
    };
    Ok((reader, TlsWriter { shared }))
}

/// What both halves hold: the socket, and rustls's state with the bytes it has sealed.
struct Shared {
    socket: TcpStream,
    tls: Mutex<Tls>,
}

impl Shared {
    fn lock(&self) -> io::Result<MutexGuard<'_, Tls>> {
        self.tls
            .lock()
            .map_err(|_| io::Error::other("TLS state poisoned"))
    }
}

struct Tls {
    conn: UnbufferedServerConnection,
    /// Ciphertext read but not yet decrypted: part of a record, usually empty. Every call
    /// into rustls is given this buffer, from either half: rustls keeps offsets into it
    /// between calls while a handshake message arrives in pieces.
    incoming: Vec<u8>,
    /// Sealed records not yet written to the socket, oldest first.
    outgoing: Vec<u8>,
    /// The peer's `close_notify` has arrived, whichever half saw it.
    peer_closed: bool,
    close_sent: bool,
    /// A call into rustls failed. Its state and the incoming buffer may no longer agree
    /// (an error can come before a discard is applied), so nothing more is asked of it.
    failed: bool,
}

type State<'c, 'i> = ConnectionState<'c, 'i, ServerConnectionData>;

impl Tls {
    /// Decrypts every complete record that has arrived, passing plaintext to `buf` while it
    /// has room and keeping the rest in `plaintext`, and queues (and sends what it can of)
    /// anything rustls has to send in return. Afterwards no complete record is left
    /// undecrypted, so the writing half's calls into rustls meet none.
    fn open_all(
        &mut self,
        socket: &TcpStream,
        plaintext: &mut Plaintext,
        buf: &mut ReadBuf<'_>,
    ) -> io::Result<()> {
        self.unless_failed(|tls| tls.open_records(socket, plaintext, buf))
    }

    /// Runs `step` unless an earlier one failed, and remembers if this one does.
    fn unless_failed<T>(&mut self, step: impl FnOnce(&mut Self) -> io::Result<T>) -> io::Result<T> {
        if self.failed {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the TLS connection failed earlier",
            ));
        }
        let result = step(self);
        self.failed = result.is_err();
        result
    }

    fn open_records(
        &mut self,
        socket: &TcpStream,
        plaintext: &mut Plaintext,
        buf: &mut ReadBuf<'_>,
    ) -> io::Result<()> {
        loop {
            let status = self.conn.process_tls_records(&mut self.incoming);
            let mut discard = status.discard;
            let state = match status.state {
                Ok(state) => state,
                Err(err) => {
                    self.incoming.drain(..discard);
                    self.send_alert(socket);
                    return Err(tls_error(err));
                }
            };
            let mut transmit = false;
            let done = match state {
                ConnectionState::ReadTraffic(mut traffic) => {
                    discard += plaintext.take_records(&mut traffic, buf)?;
                    false
                }
                ConnectionState::EncodeTlsData(mut data) => {
                    encode(&mut data, &mut self.outgoing)?;
                    false
                }
                ConnectionState::TransmitTlsData(data) => {
                    data.done();
                    transmit = true;
                    false
                }
                ConnectionState::PeerClosed => {
                    self.peer_closed = true;
                    false
                }
                ConnectionState::Closed => {
                    self.peer_closed = true;
                    true
                }
                ConnectionState::WriteTraffic(_) | ConnectionState::BlockedHandshake => true,
                other => return Err(unexpected(&other)),
            };
            self.incoming.drain(..discard);
            if transmit {
                self.flush_now(socket)?;
            }
            if self.outgoing.len() > MAX_UNSENT {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the peer asks for replies faster than it reads them",
                ));
            }
            if done {
                break;
            }
        }
        if self.incoming.is_empty() {
            self.incoming = Vec::new();
        } else if self.incoming.capacity() > 2 * READ_SIZE {
            self.incoming.shrink_to(READ_SIZE);
        }
        Ok(())
    }

    /// Seals `plaintext` into the outgoing buffer, after any handshake records rustls has
    /// queued (a key update's, say).
    fn seal(&mut self, plaintext: &[u8]) -> io::Result<()> {
        let sealed = self.unless_failed(|tls| {
            tls.with_write_traffic(|traffic, out| {
                fill(out, sealed_len(plaintext.len()), |room| {
                    traffic.encrypt(plaintext, room).map_err(encrypt_error)
                })
            })
        })?;
        if sealed {
            Ok(())
        } else {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    /// Seals a `close_notify` alert into the outgoing buffer, once.
    fn seal_close_notify(&mut self) -> io::Result<()> {
        if self.close_sent {
            return Ok(());
        }
        self.unless_failed(|tls| {
            tls.with_write_traffic(|traffic, out| {
                fill(out, RECORD_OVERHEAD, |room| {
                    traffic.queue_close_notify(room).map_err(encrypt_error)
                })
            })
        })?;
        self.close_sent = true;
        Ok(())
    }

    /// Brings rustls to where it can seal application data, queuing the handshake records
    /// it has waiting first, and lets `seal` write into the outgoing buffer. Returns false,
    /// sealing nothing, when both sides have already closed.
    fn with_write_traffic(
        &mut self,
        seal: impl FnOnce(&mut WriteTraffic<'_, ServerConnectionData>, &mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<bool> {
        let mut seal = Some(seal);
        loop {
            let status = self.conn.process_tls_records(&mut self.incoming);
            let discard = status.discard;
            let finished = match status.state.map_err(tls_error)? {
                ConnectionState::WriteTraffic(mut traffic) => {
                    if let Some(seal) = seal.take() {
                        seal(&mut traffic, &mut self.outgoing)?;
                    }
                    Some(true)
                }
                ConnectionState::EncodeTlsData(mut data) => {
                    encode(&mut data, &mut self.outgoing)?;
                    None
                }
                ConnectionState::TransmitTlsData(data) => {
                    data.done();
                    None
                }
                ConnectionState::PeerClosed => {
                    self.peer_closed = true;
                    None
                }
                ConnectionState::Closed => Some(false),
                other => return Err(unexpected(&other)),
            };
            self.incoming.drain(..discard);
            if let Some(sealed) = finished {
                return Ok(sealed);
            }
        }
    }

    /// Writes what is sealed until it is all sent, or the socket is full.
    fn poll_flush(&mut self, socket: &TcpStream, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.outgoing.is_empty() {
            match socket.try_write(&self.outgoing) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.outgoing.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    ready!(socket.poll_write_ready(cx))?;
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
        self.outgoing = Vec::new();
        Poll::Ready(Ok(()))
    }

    /// Writes what it can of the sealed bytes without waiting; the rest goes with the
    /// writing half's next write or flush.
    fn flush_now(&mut self, socket: &TcpStream) -> io::Result<()> {
        while !self.outgoing.is_empty() {
            match socket.try_write(&self.outgoing) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.outgoing.drain(..n);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(err) => return Err(err),
            }
        }
        self.outgoing = Vec::new();
        Ok(())
    }

    /// Tells the peer why the connection failed, if rustls has an alert for it, without
    /// waiting for the socket. Called once rustls has reported the failure and its discard
    /// has been applied.
    fn send_alert(&mut self, socket: &TcpStream) {
        let status = self.conn.process_tls_records(&mut self.incoming);
        let discard = status.discard;
        if let Ok(ConnectionState::EncodeTlsData(mut data)) = status.state {
            let _ = encode(&mut data, &mut self.outgoing);
        }
        self.incoming.drain(..discard);
        let _ = self.flush_now(socket);
    }
}

/// The reading half: decrypts what arrives, holding ciphertext and plaintext only until
/// they are passed on.
pub struct TlsReader {
    shared: Arc<Shared>,
    /// Decrypted bytes the caller had no room for.
    plaintext: Plaintext,
    /// The peer closed, with `close_notify` or without.
    eof: bool,
}

impl AsyncRead for TlsReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        this.plaintext.give(buf);
        if buf.filled().len() > before || this.eof || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let shared = &*this.shared;
        let mut tls = shared.lock()?;
        loop {
            tls.open_all(&shared.socket, &mut this.plaintext, buf)?;
            this.eof |= tls.peer_closed;
            if buf.filled().len() > before || this.eof {
                return Poll::Ready(Ok(()));
            }
            if tls.incoming.len() >= MAX_INCOMING {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "TLS record too large",
                )));
            }
            ready!(shared.socket.poll_read_ready(cx))?;
            tls.incoming.reserve(READ_SIZE);
            match shared
                .socket
                .try_read_buf(&mut (&mut tls.incoming).limit(READ_SIZE))
            {
                Ok(0) => this.eof = true,
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
            if tls.incoming.is_empty() {
                tls.incoming = Vec::new();
            }
        }
    }
}

/// The writing half: seals each write into records and sends them.
pub struct TlsWriter {
    shared: Arc<Shared>,
}

impl AsyncWrite for TlsWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let shared = &self.shared;
        let mut tls = shared.lock()?;
        ready!(tls.poll_flush(&shared.socket, cx))?;
        let accepted = buf.len().min(MAX_PLAINTEXT_PER_WRITE);
        tls.seal(&buf[..accepted])?;
        tls.flush_now(&shared.socket)?;
        Poll::Ready(Ok(accepted))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let shared = &self.shared;
        shared.lock()?.poll_flush(&shared.socket, cx)
    }

    /// Sends `close_notify`, then ends the TCP stream's sending side.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let shared = &self.shared;
        let mut tls = shared.lock()?;
        tls.seal_close_notify()?;
        ready!(tls.poll_flush(&shared.socket, cx))?;
        Poll::Ready(socket2::SockRef::from(&shared.socket).shutdown(Shutdown::Write))
    }
}

/// Decrypted bytes waiting for room in the caller's buffer.
#[derive(Default)]
struct Plaintext {
    bytes: Vec<u8>,
    given: usize,
}

impl Plaintext {
    /// Moves what fits into `buf`.
    fn give(&mut self, buf: &mut ReadBuf<'_>) {
        let waiting = &self.bytes[self.given..];
        let n = waiting.len().min(buf.remaining());
        buf.put_slice(&waiting[..n]);
        self.given += n;
        if self.given == self.bytes.len() {
            *self = Self::default();
        }
    }

    /// Takes every decrypted record, straight into `buf` while it has room. Returns the
    /// ciphertext the records leave to discard.
    fn take_records(
        &mut self,
        traffic: &mut ReadTraffic<'_, '_, ServerConnectionData>,
        buf: &mut ReadBuf<'_>,
    ) -> io::Result<usize> {
        let mut discard = 0;
        while let Some(record) = traffic.next_record() {
            let record = record.map_err(tls_error)?;
            discard += record.discard;
            let direct = if self.bytes.is_empty() {
                record.payload.len().min(buf.remaining())
            } else {
                0
            };
            buf.put_slice(&record.payload[..direct]);
            self.bytes.extend_from_slice(&record.payload[direct..]);
        }
        Ok(discard)
    }
}

/// Grows `out` by `guess` bytes for `write` to fill, and by as much as it asks for if that
/// is not enough; keeps what it wrote.
fn fill(
    out: &mut Vec<u8>,
    guess: usize,
    mut write: impl FnMut(&mut [u8]) -> Result<usize, Sizing>,
) -> io::Result<()> {
    let start = out.len();
    let mut room = guess;
    loop {
        out.resize(start + room, 0);
        let err = match write(&mut out[start..]) {
            Ok(written) => {
                out.truncate(start + written);
                return Ok(());
            }
            Err(Sizing::Needs(required)) if required > room => {
                room = required;
                continue;
            }
            Err(Sizing::Needs(_)) => io::Error::other("rustls asked for less room than it had"),
            Err(Sizing::Failed(err)) => err,
        };
        out.truncate(start);
        return Err(err);
    }
}

/// Why filling a buffer stopped: too small for what rustls had, or failed.
enum Sizing {
    Needs(usize),
    Failed(io::Error),
}

fn encode(data: &mut EncodeTlsData<'_, ServerConnectionData>, out: &mut Vec<u8>) -> io::Result<()> {
    fill(out, 4096, |room| match data.encode(room) {
        Ok(written) => Ok(written),
        Err(EncodeError::InsufficientSize(InsufficientSizeError { required_size })) => {
            Err(Sizing::Needs(required_size))
        }
        Err(err) => Err(Sizing::Failed(io::Error::other(err.to_string()))),
    })
}

fn encrypt_error(err: EncryptError) -> Sizing {
    match err {
        EncryptError::InsufficientSize(InsufficientSizeError { required_size }) => {
            Sizing::Needs(required_size)
        }
        err @ EncryptError::EncryptExhausted => Sizing::Failed(io::Error::other(err.to_string())),
    }
}

/// Room for `plaintext` bytes once sealed into records.
fn sealed_len(plaintext: usize) -> usize {
    plaintext + (plaintext / MAX_FRAGMENT + 2) * RECORD_OVERHEAD
}

/// Reads what the socket has into `incoming`, waiting until it has something; for the
/// handshake, before the halves share the buffer.
async fn read_more(socket: &TcpStream, incoming: &mut Vec<u8>) -> io::Result<usize> {
    if incoming.len() >= MAX_INCOMING {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "TLS handshake message too large",
        ));
    }
    loop {
        socket.readable().await?;
        incoming.reserve(READ_SIZE);
        let read = socket.try_read_buf(&mut (&mut *incoming).limit(READ_SIZE));
        if !matches!(&read, Err(err) if err.kind() == io::ErrorKind::WouldBlock) {
            return read;
        }
    }
}

async fn write_all(socket: &TcpStream, outgoing: &mut Vec<u8>) -> io::Result<()> {
    while !outgoing.is_empty() {
        socket.writable().await?;
        match socket.try_write(outgoing) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                outgoing.drain(..n);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

fn tls_error(err: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, err)
}

fn unexpected(state: &State<'_, '_>) -> io::Error {
    io::Error::other(format!("unexpected TLS state {state:?}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use rustls::{ClientConfig, RootCertStore};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::client::TlsStream;

    use super::*;
    use crate::config::TlsSource;

    /// A server half-pair and a rustls client connected to it over loopback.
    struct Pair {
        reader: TlsReader,
        writer: TlsWriter,
        client: TlsStream<TcpStream>,
        _certs: tempfile::TempDir,
    }

    async fn connect(versions: &[&'static rustls::SupportedProtocolVersion]) -> Pair {
        let certs = tempfile::tempdir().unwrap();
        let server = crate::tls::server_config(&TlsSource::Generated {
            dir: certs.path().to_owned(),
        })
        .unwrap();
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(certs.path().join(crate::tls::CA_CERT)).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepting = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            accept(server, socket).await.unwrap()
        });
        let socket = TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let client = TlsConnector::from(Arc::new(client))
            .connect(name, socket)
            .await
            .unwrap();
        let (reader, writer) = accepting.await.unwrap();
        Pair {
            reader,
            writer,
            client,
            _certs: certs,
        }
    }

    /// Bytes that show where a slice of them came from.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[tokio::test]
    async fn a_quiet_connection_holds_no_buffers() {
        let mut pair = connect(rustls::ALL_VERSIONS).await;
        pair.client.write_all(b"hello").await.unwrap();
        let mut got = [0; 5];
        pair.reader.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello");
        assert_eq!(pair.reader.shared.lock().unwrap().incoming.capacity(), 0);
        assert_eq!(pair.reader.plaintext.bytes.capacity(), 0);

        pair.writer.write_all(b"welcome").await.unwrap();
        pair.writer.flush().await.unwrap();
        assert_eq!(pair.writer.shared.lock().unwrap().outgoing.capacity(), 0);
        let mut got = [0; 7];
        pair.client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"welcome");
    }

    #[tokio::test]
    async fn large_writes_arrive_whole_in_both_directions() {
        let mut pair = connect(rustls::ALL_VERSIONS).await;
        let sent = pattern(1 << 20);

        let to_server = sent.clone();
        let mut client = pair.client;
        let client_side = tokio::spawn(async move {
            client.write_all(&to_server).await.unwrap();
            let mut echoed = vec![0; to_server.len()];
            client.read_exact(&mut echoed).await.unwrap();
            echoed
        });
        // Small reads leave most of each record waiting for the next.
        let mut received = Vec::new();
        let mut chunk = [0; 100];
        while received.len() < sent.len() {
            let n = pair.reader.read(&mut chunk).await.unwrap();
            assert!(n > 0, "early end after {} bytes", received.len());
            received.extend_from_slice(&chunk[..n]);
        }
        assert!(
            received == sent,
            "the server read other bytes than were sent"
        );
        pair.writer.write_all(&received).await.unwrap();
        pair.writer.flush().await.unwrap();
        assert!(
            client_side.await.unwrap() == sent,
            "the client read other bytes"
        );
    }

    #[tokio::test]
    async fn key_updates_leave_the_stream_readable_both_ways() {
        let mut pair = connect(&[&rustls::version::TLS13]).await;
        for round in 0..3u8 {
            pair.client.get_mut().1.refresh_traffic_keys().unwrap();
            pair.client.write_all(&vec![round; 40_000]).await.unwrap();
            let mut got = vec![0; 40_000];
            pair.reader.read_exact(&mut got).await.unwrap();
            assert!(got.iter().all(|&b| b == round));

            pair.writer
                .write_all(&vec![round + 100; 30_000])
                .await
                .unwrap();
            pair.writer.flush().await.unwrap();
            let mut got = vec![0; 30_000];
            pair.client.read_exact(&mut got).await.unwrap();
            assert!(got.iter().all(|&b| b == round + 100));
        }
    }

    #[tokio::test]
    async fn tls12_clients_are_served() {
        let mut pair = connect(&[&rustls::version::TLS12]).await;
        pair.client.write_all(b"ping").await.unwrap();
        let mut got = [0; 4];
        pair.reader.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");
        pair.writer.write_all(b"pong").await.unwrap();
        pair.writer.flush().await.unwrap();
        pair.client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"pong");
    }

    #[tokio::test]
    async fn close_notify_ends_the_stream_cleanly_both_ways() {
        let mut pair = connect(rustls::ALL_VERSIONS).await;
        pair.client.write_all(b"last words").await.unwrap();
        pair.client.shutdown().await.unwrap();
        let mut got = Vec::new();
        pair.reader.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");

        pair.writer.write_all(b"goodbye").await.unwrap();
        pair.writer.shutdown().await.unwrap();
        let mut got = Vec::new();
        pair.client.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"goodbye");
    }

    /// rustls keeps offsets into the incoming buffer while a handshake message arrives in
    /// pieces; a call given any other buffer then would index past its end.
    #[tokio::test]
    async fn a_handshake_broken_off_midway_is_refused_without_a_panic() {
        let certs = tempfile::tempdir().unwrap();
        let server = crate::tls::server_config(&TlsSource::Generated {
            dir: certs.path().to_owned(),
        })
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepting = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            accept(server, socket).await.map(|_| ())
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        // One byte of a client hello, then a record of another type.
        client.write_all(&[22, 3, 1, 0, 1, 1]).await.unwrap();
        client.write_all(&[21, 3, 3, 0, 2, 2, 10]).await.unwrap();
        let outcome = accepting.await.expect("the handshake must not panic");
        assert!(outcome.is_err());
    }

    /// A real client's hello, cut into records of random sizes, with bytes flipped, other
    /// records slipped between its pieces and the rest cut off: every handshake ends, and
    /// none panics.
    #[tokio::test]
    async fn mangled_client_hellos_never_panic() {
        use rand::{Rng, SeedableRng};

        let certs = tempfile::tempdir().unwrap();
        let server = crate::tls::server_config(&TlsSource::Generated {
            dir: certs.path().to_owned(),
        })
        .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth();
        let mut hello = Vec::new();
        rustls::ClientConnection::new(Arc::new(client), "localhost".try_into().unwrap())
            .unwrap()
            .write_tls(&mut hello)
            .unwrap();
        let body = &hello[5..];

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for case in 0..500 {
            let mut bytes = Vec::new();
            let mut at = 0;
            while at < body.len() {
                let len = rng.random_range(1..=64).min(body.len() - at);
                bytes.extend_from_slice(&[22, 3, 1, 0, len as u8]);
                bytes.extend_from_slice(&body[at..at + len]);
                at += len;
                if rng.random_ratio(1, 8) {
                    let kind = rng.random_range(20..=24);
                    bytes.extend_from_slice(&[kind, 3, 3, 0, 2, 2, 10]);
                }
            }
            for _ in 0..rng.random_range(0..4) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            bytes.truncate(rng.random_range(1..=bytes.len()));

            let (accepted, connected) = tokio::join!(listener.accept(), TcpStream::connect(addr));
            let (socket, _) = accepted.unwrap();
            let accepting = tokio::spawn(accept(Arc::clone(&server), socket));
            let mut client = connected.unwrap();
            // The server may give up and close first: what reaches it is the point.
            let _ = client.write_all(&bytes).await;
            let _ = client.shutdown().await;
            let ended = tokio::time::timeout(std::time::Duration::from_secs(5), accepting)
                .await
                .unwrap_or_else(|_| panic!("case {case}: the handshake never ended"));
            assert!(ended.is_ok(), "case {case}: the handshake panicked");
        }
    }

    #[tokio::test]
    async fn garbage_instead_of_a_record_is_an_error_and_ends_the_connection() {
        let pair = connect(rustls::ALL_VERSIONS).await;
        let (socket, _) = pair.client.into_inner();
        socket.writable().await.unwrap();
        socket.try_write(&[23, 3, 3, 0, 40]).unwrap();
        socket.try_write(&[0xAB; 40]).unwrap();
        let mut reader = pair.reader;
        let err = reader.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // Once rustls has failed, nothing more is sealed after its alert.
        let mut writer = pair.writer;
        let err = writer.write_all(b"too late").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
