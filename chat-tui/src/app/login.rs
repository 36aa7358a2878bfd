//! Before the chat: the login form, the wait while connecting, and the certificate
//! question of trust on first use.

use std::path::Path;

use chat_proto::UserName;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::Input;
use super::keys::{Edit, Intent, Keymap};
use super::{App, Effect, Failure, Login, Phase};
use crate::client::Fingerprint;
use crate::sanitize;

/// Why a login failed for an unknown user, with how to create the account if that was
/// the intent.
const UNKNOWN_USER: &str = "no such user; to create it, tick register (Ctrl+R)";

/// The field of the login form that has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    User,
    Password,
    Register,
}

/// The login form. The password is kept here only until it is submitted, and is drawn as
/// dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginForm {
    pub user: Input,
    pub password: Input,
    pub register: bool,
    pub field: Field,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

impl LoginForm {
    pub fn new(user: Option<UserName>, register: bool) -> Self {
        let mut form = Self {
            user: Input::default(),
            password: Input::default(),
            register,
            field: Field::User,
            error: None,
        };
        if let Some(user) = user {
            form.user.insert(user.as_str());
            form.field = Field::Password;
        }
        form
    }

    fn next_field(&mut self) {
        self.field = match self.field {
            Field::User => Field::Password,
            Field::Password => Field::Register,
            Field::Register => Field::User,
        };
    }

    fn previous_field(&mut self) {
        self.field = match self.field {
            Field::User => Field::Register,
            Field::Password => Field::User,
            Field::Register => Field::Password,
        };
    }

    /// The login the form describes, or what is wrong with it.
    fn login(&self) -> Result<Login, String> {
        let user = UserName::new(self.user.text().trim()).map_err(|e| format!("user name: {e}"))?;
        if self.password.is_empty() {
            return Err("type a password".into());
        }
        Ok(Login {
            user,
            password: self.password.text().to_owned(),
            register: self.register,
        })
    }

    fn edited(&mut self) -> Option<&mut Input> {
        match self.field {
            Field::User => Some(&mut self.user),
            Field::Password => Some(&mut self.password),
            Field::Register => None,
        }
    }

    /// Applies a key to the form.
    fn on_key(&mut self, key: &KeyEvent, keys: &Keymap) -> FormKey {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (key.code, keys.intent(key)) {
            (KeyCode::Esc, _) => return FormKey::Quit,
            (KeyCode::Tab | KeyCode::Down, _) => self.next_field(),
            (KeyCode::BackTab | KeyCode::Up, _) => self.previous_field(),
            (KeyCode::Char(' '), _) if self.field == Field::Register => {
                self.register = !self.register;
            }
            (KeyCode::Char('r'), _) if ctrl => self.register = !self.register,
            (KeyCode::Enter, _) => match self.login() {
                Ok(login) => return FormKey::Submit(login),
                Err(why) => self.error = Some(why),
            },
            (_, Some(Intent::Insert(c))) => {
                if let Some(input) = self.edited() {
                    input.insert(c.encode_utf8(&mut [0; 4]));
                }
            }
            (_, Some(Intent::Edit(edit))) => {
                if let Some(input) = self.edited() {
                    apply_edit(input, edit);
                }
            }
            _ => {}
        }
        FormKey::Stay
    }
}

/// What a key on the login form leads to.
enum FormKey {
    Stay,
    Quit,
    Submit(Login),
}

/// The answer to the certificate question, once Enter is pressed.
enum Answer {
    Typing,
    Yes,
    No,
}

/// Applies a key to the answer being typed to the certificate question.
fn on_answer_key(answer: &mut Input, key: &KeyEvent, keys: &Keymap) -> Answer {
    match (key.code, keys.intent(key)) {
        (KeyCode::Esc, _) => return Answer::No,
        (KeyCode::Enter, _) => {
            let typed = std::mem::take(answer);
            match typed.text().trim().to_ascii_lowercase().as_str() {
                "yes" => return Answer::Yes,
                "no" => return Answer::No,
                // Anything else is asked again, from an empty answer.
                _ => {}
            }
        }
        (_, Some(Intent::Insert(c))) => answer.insert(c.encode_utf8(&mut [0; 4])),
        (_, Some(Intent::Edit(edit))) => apply_edit(answer, edit),
        _ => {}
    }
    Answer::Typing
}

impl App {
    /// A key on any screen but the chat.
    pub(super) fn on_key_before_chat(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let quit = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match &mut self.phase {
            _ if quit => self.quit = true,
            Phase::Login(form) => match form.on_key(key, &self.settings.keys) {
                FormKey::Stay => {}
                FormKey::Quit => self.quit = true,
                FormKey::Submit(login) => {
                    self.phase = Phase::Connecting {
                        user: login.user.clone(),
                    };
                    return vec![Effect::Connect(login)];
                }
            },
            Phase::Connecting { .. } => {
                if key.code == KeyCode::Esc {
                    self.quit = true;
                }
            }
            Phase::Trust { answer, .. } => match on_answer_key(answer, key, &self.settings.keys) {
                Answer::Typing => {}
                Answer::Yes => return self.trust(),
                Answer::No => self.distrust(),
            },
            Phase::Refused(_) => {
                if matches!(key.code, KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter) {
                    self.quit = true;
                }
            }
            Phase::Chat => {}
        }
        Vec::new()
    }

    /// The user accepted the certificate: remember it, and log in.
    fn trust(&mut self) -> Vec<Effect> {
        let Phase::Trust {
            fingerprint, user, ..
        } = &self.phase
        else {
            return Vec::new();
        };
        let effect = Effect::Trust(*fingerprint);
        self.phase = Phase::Connecting { user: user.clone() };
        vec![effect]
    }

    fn distrust(&mut self) {
        self.phase = Phase::Refused(format!(
            "You did not trust {}. It received the start of a TLS handshake, which names \
             the server, but no credentials and no requests. Press q to quit.",
            self.settings.server
        ));
    }

    pub(super) fn on_connect_failed(&mut self, failure: &Failure) -> Vec<Effect> {
        let user = match &self.phase {
            Phase::Connecting { user } => Some(user.clone()),
            _ => None,
        };
        let mut form = LoginForm::new(user, false);
        // Never registers by itself: a mistyped name would become a new account.
        let error = match failure.code {
            "unknown_user" => UNKNOWN_USER.to_owned(),
            _ => sanitize::one_line(&failure.message).into_owned(),
        };
        form.error = Some(error);
        self.phase = Phase::Login(form);
        Vec::new()
    }

    pub(super) fn on_trust_unknown(
        &mut self,
        server: String,
        fingerprint: Fingerprint,
    ) -> Vec<Effect> {
        if let Phase::Connecting { user } = &self.phase {
            self.phase = Phase::Trust {
                server,
                fingerprint,
                user: user.clone(),
                answer: Input::default(),
            };
        }
        Vec::new()
    }

    pub(super) fn on_trust_changed(
        &mut self,
        server: &str,
        known: Fingerprint,
        presented: Fingerprint,
        file: &Path,
    ) -> Vec<Effect> {
        self.phase = Phase::Refused(format!(
            "WARNING: the certificate of {server} has changed!\n\n\
             Trusted before:  {known}\n\
             Presented now:   {presented}\n\n\
             Someone may be impersonating the server, or its certificate was replaced. \
             Not connecting. If the change is expected, remove the line for {server} from \
             {} and start again.\n\nPress q to quit.",
            file.display()
        ));
        Vec::new()
    }
}

/// Applies an editing key to an input.
pub(super) fn apply_edit(input: &mut Input, edit: Edit) {
    match edit {
        Edit::Left => input.left(),
        Edit::Right => input.right(),
        Edit::WordLeft => input.word_left(),
        Edit::WordRight => input.word_right(),
        Edit::Home => input.home(),
        Edit::End => input.end(),
        Edit::Backspace => input.backspace(),
        Edit::Delete => input.delete(),
        Edit::DeleteWord => input.delete_word(),
        Edit::DeleteToStart => input.delete_to_start(),
        Edit::DeleteToEnd => input.delete_to_end(),
    }
}
