//! Password hashing and session tokens.
//!
//! Passwords are hashed with argon2id, which costs tens of milliseconds of CPU and ~19 MiB
//! of memory by design. Hashing runs on a few threads of its own, fed through a queue, so a
//! burst of logins can neither stall the async workers nor exhaust memory: with a thread
//! per hash (tokio's blocking pool, say) every thread that ever hashed keeps its 19 MiB in
//! its own malloc arena, and a burst of fifty logins leaves the server half a gigabyte
//! larger. Session tokens are 256 random bits; the server keeps only their SHA-256, so a
//! copy of the database logs no one in.

use std::sync::{Arc, Mutex, PoisonError, mpsc};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::{Semaphore, oneshot};

/// Hashes and checks passwords on its own threads, a bounded number at a time.
pub struct PasswordCheck {
    /// One per hashing thread: a request waits for a permit before it is queued, so the
    /// queue never holds more than the threads can take.
    permits: Semaphore,
    jobs_tx: mpsc::Sender<Job>,
    /// Checked against when a user does not exist, so that an unknown name takes as long as
    /// a wrong password.
    decoy_hash: String,
}

enum Job {
    Hash {
        password: String,
        reply_tx: oneshot::Sender<Result<String, AuthError>>,
    },
    Verify {
        password: String,
        hash: String,
        reply_tx: oneshot::Sender<Result<bool, AuthError>>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("hashing threads are gone")]
    Task,
    #[error("cannot start a hashing thread: {0}")]
    Thread(std::io::Error),
}

impl PasswordCheck {
    /// Starts `threads` hashing threads; they end when this is dropped.
    pub fn new(threads: usize) -> Result<Self, AuthError> {
        let threads = threads.max(1);
        let decoy_hash = hash_now("decoy password for unknown users")?;
        let (jobs_tx, jobs_rx) = mpsc::channel();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        for n in 0..threads {
            let jobs_rx = jobs_rx.clone();
            std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || work(&jobs_rx))
                .map_err(AuthError::Thread)?;
        }
        Ok(Self {
            permits: Semaphore::new(threads),
            jobs_tx,
            decoy_hash,
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.run(Job::Hash { password, reply_tx }, reply_rx).await
    }

    /// Checks `password` against `hash`, or against a decoy when there is no hash; false in
    /// the latter case whatever the password.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AuthError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.decoy_hash.clone());
        let (reply_tx, reply_rx) = oneshot::channel();
        let matches = self
            .run(
                Job::Verify {
                    password,
                    hash,
                    reply_tx,
                },
                reply_rx,
            )
            .await?;
        Ok(known && matches)
    }

    async fn run<T>(
        &self,
        job: Job,
        reply_rx: oneshot::Receiver<Result<T, AuthError>>,
    ) -> Result<T, AuthError> {
        let _permit = self.permits.acquire().await.map_err(|_| AuthError::Task)?;
        self.jobs_tx.send(job).map_err(|_| AuthError::Task)?;
        reply_rx.await.map_err(|_| AuthError::Task)?
    }
}

/// A hashing thread: takes jobs until the queue closes.
fn work(jobs_rx: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = jobs_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        match job {
            Ok(Job::Hash { password, reply_tx }) => {
                let _ = reply_tx.send(hash_now(&password));
            }
            Ok(Job::Verify {
                password,
                hash,
                reply_tx,
            }) => {
                let _ = reply_tx.send(verify_now(&password, &hash));
            }
            Err(_) => return,
        }
    }
}

fn hash_now(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

fn verify_now(password: &str, hash: &str) -> Result<bool, AuthError> {
    let parsed = PasswordHash::new(hash).map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A new session token, and the hash the server keeps of it.
pub fn new_token() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_matches_only_its_own_hash() {
        let check = PasswordCheck::new(1).unwrap();
        let hash = check.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            check
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!check.verify("wrong".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches_even_with_the_decoy_password() {
        let check = PasswordCheck::new(1).unwrap();
        let decoy = "decoy password for unknown users".to_string();
        assert!(!check.verify(decoy, None).await.unwrap());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, a_hash) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), a_hash);
        assert_eq!(a.len(), 43);
    }
}
