//! Taking the terminal over, and giving it back whatever happens.
//!
//! Raw mode, the alternate screen, bracketed paste and (optionally) mouse reporting are
//! turned on together and off together: on a normal exit by the guard's drop, and on a
//! panic by the hook, before the panic message is printed, so that it is readable and the
//! shell is usable afterwards.

use std::io::{self, Stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Puts the terminal back when dropped.
#[derive(Debug)]
pub struct Restore {
    mouse: bool,
}

impl Drop for Restore {
    fn drop(&mut self) {
        restore(self.mouse);
    }
}

/// Takes the terminal over; the guard gives it back.
pub fn setup(mouse: bool) -> io::Result<(Terminal<CrosstermBackend<Stdout>>, Restore)> {
    install_panic_hook(mouse);
    enable_raw_mode()?;
    let guard = Restore { mouse };
    let mut stdout = io::stdout();
    execute!(stdout, EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(stdout, EnableMouseCapture)?;
    }
    let terminal = Terminal::new(CrosstermBackend::new(stdout))?;
    Ok((terminal, guard))
}

/// Undoes [`setup`]; errors are ignored, since there is nothing better to do with them on
/// the way out.
fn restore(mouse: bool) {
    let mut stdout = io::stdout();
    if mouse {
        let _ = execute!(stdout, DisableMouseCapture);
    }
    let _ = execute!(
        stdout,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(mouse);
        previous(info);
    }));
}
