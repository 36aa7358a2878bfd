//! Before the chat: the login form, the wait while connecting, and the certificate
//! question of trust on first use.

use std::path::Path;

use chat_proto::UserName;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::Input;
use super::keys::{Edit, Intent};
use super::{App, Effect, Failure, Login, Phase};
use crate::client::Fingerprint;
use crate::sanitize;

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
}

impl App {
    /// A key on any screen but the chat.
    pub(super) fn on_key_before_chat(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let quit = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match &self.phase {
            _ if quit => self.quit = true,
            Phase::Login(form) => return self.on_login_key(key, form.clone()),
            Phase::Connecting { .. } => {
                if key.code == KeyCode::Esc {
                    self.quit = true;
                }
            }
            Phase::Trust {
                fingerprint, user, ..
            } => {
                let (fingerprint, user) = (*fingerprint, user.clone());
                return self.on_trust_key(key, fingerprint, user);
            }
            Phase::Refused(_) => {
                if matches!(key.code, KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter) {
                    self.quit = true;
                }
            }
            Phase::Chat => {}
        }
        Vec::new()
    }

    fn on_login_key(&mut self, key: &KeyEvent, mut form: LoginForm) -> Vec<Effect> {
        match (key.code, self.settings.keys.intent(key)) {
            (KeyCode::Esc, _) => self.quit = true,
            (KeyCode::Tab | KeyCode::Down, _) => form.next_field(),
            (KeyCode::BackTab | KeyCode::Up, _) => form.previous_field(),
            (KeyCode::Char(' '), _) if form.field == Field::Register => {
                form.register = !form.register;
            }
            (KeyCode::Char('r'), _) if key.modifiers.contains(KeyModifiers::CONTROL) => {
                form.register = !form.register;
            }
            (KeyCode::Enter, _) => match form.login() {
                Ok(login) => {
                    self.phase = Phase::Connecting {
                        user: login.user.clone(),
                    };
                    return vec![Effect::Connect(login)];
                }
                Err(why) => form.error = Some(why),
            },
            (_, Some(Intent::Insert(c))) => {
                if let Some(input) = form.edited() {
                    input.insert(c.encode_utf8(&mut [0; 4]));
                }
            }
            (_, Some(Intent::Edit(edit))) => {
                if let Some(input) = form.edited() {
                    apply_edit(input, edit);
                }
            }
            _ => {}
        }
        self.phase = Phase::Login(form);
        Vec::new()
    }

    fn on_trust_key(
        &mut self,
        key: &KeyEvent,
        fingerprint: Fingerprint,
        user: UserName,
    ) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('y' | 'Y') => {
                self.phase = Phase::Connecting { user };
                vec![Effect::Trust(fingerprint)]
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                self.phase = Phase::Refused(format!(
                    "You did not trust {}. Nothing was sent to it. Press q to quit.",
                    self.settings.server
                ));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_connect_failed(&mut self, failure: &Failure) -> Vec<Effect> {
        let user = match &self.phase {
            Phase::Connecting { user } => Some(user.clone()),
            _ => None,
        };
        let mut form = LoginForm::new(user, failure.code == "unknown_user");
        form.error = Some(sanitize::one_line(&failure.message).into_owned());
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
