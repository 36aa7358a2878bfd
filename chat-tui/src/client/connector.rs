//! Brings a new connection to the point where live traffic can flow: hello, login, catch-up.

use chat_proto::{
    Credential, ErrorCode, Request, RequestId, Response, ResumePoint, Session, UserName,
};
use tokio::sync::watch;

use super::events::EventSink;
use super::link::Link;
use super::resume::{CatchUp, Cursors, Held};
use super::tls::Tls;
use super::{ClientConfig, ClientError};

/// How many live events may arrive while catching up before the connection is given up.
const HOLD_LIMIT: usize = 10_000;

/// Everything that outlives a single connection: credentials, cursors, the event stream.
pub struct Connector {
    server: String,
    user: UserName,
    password: String,
    tls: Tls,
    /// Whether the next password login registers the account; cleared by the first login
    /// that succeeds, so that a reconnect never registers again.
    register: bool,
    /// The token of the latest session, to log in again without the password.
    token: Option<String>,
    next_id: u64,
    session_tx: watch::Sender<Session>,
    pub cursors: Cursors,
    pub sink: EventSink,
}

impl Connector {
    pub fn new(
        config: ClientConfig,
        tls: Tls,
        sink: EventSink,
        session_tx: watch::Sender<Session>,
    ) -> Self {
        Self {
            server: config.server,
            cursors: Cursors::new(config.user.clone()),
            user: config.user,
            password: config.password,
            tls,
            register: config.register,
            token: None,
            next_id: 0,
            session_tx,
            sink,
        }
    }

    /// A request id never used before by this client.
    pub fn next_id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    /// Opens a connection, logs in and catches up, emitting the removals the user has not
    /// heard of, what was missed, and then the live events that arrived meanwhile.
    pub async fn establish(&mut self) -> Result<Link, ClientError> {
        let (mut link, welcome) = Link::open(&self.server, &self.tls).await?;
        tracing::debug!(server = ?welcome.server, "welcomed");

        let mut held = Held::new(HOLD_LIMIT);
        let session = self.log_in(&mut link, &mut held).await?;
        self.cursors.resume(&session);
        for removal in session.removals {
            self.sink.removal(&mut self.cursors, removal).await;
        }
        self.catch_up(&mut link, &session.conversations, &mut held)
            .await?;

        for event in held.release() {
            self.sink.event(&mut self.cursors, event).await;
        }
        Ok(link)
    }

    /// Logs in with the session token when there is one, else with the password.
    async fn log_in(&mut self, link: &mut Link, held: &mut Held) -> Result<Session, ClientError> {
        if let Some(token) = self.token.clone() {
            let request = Request::Login {
                user: self.user.clone(),
                credential: Credential::Token(token),
            };
            let id = self.next_id();
            match link.call(id, request, held).await {
                Ok(response) => return self.accept(response),
                Err(ClientError::Server(reply)) if reply.code == ErrorCode::InvalidToken => {
                    tracing::debug!("session token refused; logging in with the password");
                    self.token = None;
                }
                Err(err) => return Err(err),
            }
        }

        let user = self.user.clone();
        let password = self.password.clone();
        let request = if self.register {
            Request::Register { user, password }
        } else {
            Request::Login {
                user,
                credential: Credential::Password(password),
            }
        };
        let id = self.next_id();
        let response = link.call(id, request, held).await?;
        self.accept(response)
    }

    fn accept(&mut self, response: Response) -> Result<Session, ClientError> {
        let Response::Session(session) = response else {
            return Err(ClientError::unexpected("login", &response));
        };
        self.register = false;
        self.token = Some(session.token.clone());
        self.session_tx.send_replace(session.clone());
        tracing::info!(user = %session.user, "logged in");
        Ok(session)
    }

    /// Fetches what was missed, page by page, emitting each message not seen before.
    async fn catch_up(
        &mut self,
        link: &mut Link,
        server_points: &[ResumePoint],
        held: &mut Held,
    ) -> Result<(), ClientError> {
        let mut plan = CatchUp::new(server_points);
        for point in server_points {
            self.cursors.adopt(point);
        }
        loop {
            let points = plan.points(&self.cursors);
            if points.is_empty() {
                return Ok(());
            }
            let id = self.next_id();
            let page = match link.call(id, Request::CatchUp { points }, held).await? {
                Response::CatchUp(page) => page,
                other => return Err(ClientError::unexpected("catch-up", &other)),
            };

            // An incomplete page without messages would make this loop ask forever.
            let done = page.complete || page.messages.is_empty();
            if !page.complete && page.messages.is_empty() {
                tracing::warn!("server sent an empty catch-up page marked incomplete");
            }
            for message in page.messages {
                plan.track(&self.cursors.conversation(&message));
                self.sink.message(&mut self.cursors, message).await;
            }
            if done {
                return Ok(());
            }
        }
    }
}
