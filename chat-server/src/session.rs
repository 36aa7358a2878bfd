//! Registering, logging in and out.

use std::net::IpAddr;

use chat_proto::{
    Credential, ErrorCode, ErrorReply, Invitation, MAX_PASSWORD_LEN, Message, Request, Response,
    ResumePoint, Session, Target, UserName,
};

use crate::auth;
use crate::hub::{SessionHandle, SessionId};
use crate::outbound::Outbound;
use crate::shared::Shared;
use crate::store::UserId;

/// Who a connection is logged in as.
#[derive(Debug)]
pub struct LoggedIn {
    pub id: UserId,
    pub name: UserName,
    pub session: SessionId,
}

/// Handles `Register` and `Login`: checks who the client is, puts the session online and
/// tells the client where to resume each conversation.
pub async fn log_in(
    shared: &Shared,
    request: Request,
    outbound: &Outbound,
    peer: IpAddr,
) -> Result<(LoggedIn, Response), ErrorReply> {
    let (id, name, token) = match request {
        Request::Register { user, password } => {
            shared.rate.password_attempt(peer, &user)?;
            (register(shared, &user, password).await?, user, None)
        }
        Request::Login {
            user,
            credential: Credential::Password(password),
        } => {
            shared.rate.password_attempt(peer, &user)?;
            (check_password(shared, &user, password).await?, user, None)
        }
        Request::Login {
            user,
            credential: Credential::Token(token),
        } => (check_token(shared, &user, &token).await?, user, Some(token)),
        _ => return Err(ErrorCode::InvalidRequest.into()),
    };
    let token = match token {
        Some(token) => token,
        None => issue_token(shared, id).await?,
    };

    // Online first, then read where to resume: a message committed after this read is
    // delivered live, and one committed before it is covered by catch-up.
    let session = shared.new_session_id();
    shared.hub.connect(
        &name,
        SessionHandle {
            id: session,
            outbound: outbound.clone(),
        },
    );
    let logged_in = LoggedIn { id, name, session };
    match resume_points(shared, &logged_in).await {
        Ok((conversations, invitations, removals)) => {
            let rooms = shared.hub.rooms_of(&logged_in.name);
            let user = logged_in.name.clone();
            Ok((
                logged_in,
                Response::Session(Session {
                    user,
                    token,
                    conversations,
                    rooms,
                    invitations,
                    removals,
                }),
            ))
        }
        Err(err) => {
            log_out(shared, &logged_in, false).await;
            Err(err)
        }
    }
}

/// Takes a session offline. When it is the user's last and it delivered everything it was
/// given, what the user has seen is recorded first, so that by the time others see them
/// offline a new login starts from there.
pub async fn log_out(shared: &Shared, session: &LoggedIn, delivered: bool) {
    if delivered && shared.hub.is_last_session(&session.name, session.session) {
        let marked = match shared.store.mark_seen(session.id).await {
            Ok(ticket) => ticket.wait().await,
            Err(err) => Err(err),
        };
        if let Err(err) = marked {
            tracing::warn!(error = %err, "could not record what the user has seen");
        }
    }
    shared.hub.disconnect(&session.name, session.session);
}

fn check_password_length(password: &str) -> Result<(), ErrorReply> {
    if password.is_empty() || password.len() > MAX_PASSWORD_LEN {
        return Err(ErrorCode::BadPassword.into());
    }
    Ok(())
}

async fn register(
    shared: &Shared,
    user: &UserName,
    password: String,
) -> Result<UserId, ErrorReply> {
    if !shared.config.registration_open {
        return Err(ErrorCode::RegistrationClosed.into());
    }
    check_password_length(&password)?;
    let hash = shared.passwords.hash(password).await?;
    let id = shared
        .store
        .create_user(user.clone(), hash)
        .await?
        .wait()
        .await?;
    tracing::info!(user = %user, "registered");
    Ok(id)
}

async fn check_password(
    shared: &Shared,
    user: &UserName,
    password: String,
) -> Result<UserId, ErrorReply> {
    check_password_length(&password)?;
    let credentials = shared.store.credentials(user.clone()).await?;
    let hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let matches = shared.passwords.verify(password, hash).await?;
    match credentials {
        None => Err(ErrorCode::UnknownUser.into()),
        Some(_) if !matches => Err(ErrorCode::WrongPassword.into()),
        Some(credentials) => Ok(credentials.user),
    }
}

async fn check_token(shared: &Shared, user: &UserName, token: &str) -> Result<UserId, ErrorReply> {
    match shared.store.user_by_token(auth::token_hash(token)).await? {
        Some((id, owner)) if owner == *user => Ok(id),
        _ => Err(ErrorCode::InvalidToken.into()),
    }
}

async fn issue_token(shared: &Shared, user: UserId) -> Result<String, ErrorReply> {
    let (token, hash) = auth::new_token();
    shared.store.add_token(user, hash).await?.wait().await?;
    Ok(token)
}

/// Rooms resume from the newest message (a new client is not flooded with backlog); direct
/// conversations from where the user was when last offline, so what arrived since is
/// delivered. Pending invitations come with them, and the kicks and bans of the user
/// while they were away.
async fn resume_points(
    shared: &Shared,
    session: &LoggedIn,
) -> Result<(Vec<ResumePoint>, Vec<Invitation>, Vec<Message>), ErrorReply> {
    let state = shared.store.login_state(session.id).await?;
    let rooms = shared
        .hub
        .rooms_of(&session.name)
        .into_iter()
        .map(|room| ResumePoint {
            target: Target::Room(room.name),
            after: state.newest,
        });
    let directs = state.direct_peers.into_iter().map(|peer| ResumePoint {
        target: Target::User(peer),
        after: state.seen_mark,
    });
    Ok((
        rooms.chain(directs).collect(),
        state.invitations,
        state.removals,
    ))
}
