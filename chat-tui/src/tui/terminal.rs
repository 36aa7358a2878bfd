//! Taking the terminal over, and giving it back whatever happens.
//!
//! Raw mode, the alternate screen, bracketed paste and (optionally) mouse reporting are
//! turned on together and off together: on a normal exit by the guard's drop, and on a
//! panic by the hook, before the panic message is printed, so that it is readable and the
//! shell is usable afterwards. A panic anywhere then ends the process: one in a task other
//! than the event loop's would otherwise leave the loop drawing on a terminal given back.
//! (SIGTERM and SIGHUP end the event loop itself, so the guard puts the terminal back: see
//! `tui::run`.)

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

/// The exit status of a process ended by a panic, as Rust gives one that panics in `main`.
const PANIC_EXIT: i32 = 101;

fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(mouse);
        tracing::error!(panic = %info, "panicked; exiting");
        previous(info);
        std::process::exit(PANIC_EXIT);
    }));
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::{Duration, Instant};

    /// Set in the copy of this test binary that installs the hook and panics.
    const CHILD: &str = "CHAT_TUI_PANIC_HOOK_CHILD";

    #[test]
    fn a_panic_on_any_thread_ends_the_process() {
        if std::env::var_os(CHILD).is_some() {
            super::install_panic_hook(false);
            let _ = std::thread::spawn(|| panic!("a task failed"));
            // Without the exit in the hook, this thread, like the event loop, carries on.
            std::thread::sleep(Duration::from_secs(10));
            return;
        }
        let started = Instant::now();
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "tui::terminal::tests::a_panic_on_any_thread_ends_the_process",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(super::PANIC_EXIT), "{stderr}");
        assert!(stderr.contains("a task failed"), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(8));
    }
}
