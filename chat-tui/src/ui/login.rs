//! The screens before the chat: the login form, the wait, the certificate question, and
//! the refusal of a changed certificate.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::centred;
use crate::app::{Field, LoginForm};
use crate::client::Fingerprint;
use crate::text::wrap::width;

/// Width of the value boxes of the form.
const FIELD_WIDTH: usize = 32;

/// The dot a password character is drawn as; the password itself never reaches the screen.
const MASK: char = '•';

/// Draws the form; returns where the cursor goes.
pub fn form(form: &LoginForm, server: &str, area: Rect, buf: &mut Buffer) -> Position {
    let outer = centred(area, 56, 11);
    let block = Block::bordered().title(Line::from(format!(" chat-tui — {server} ")).bold());
    let inner = block.inner(outer);
    block.render(outer, buf);
    for (y, line) in (inner.y..inner.bottom()).zip(form_rows(form).iter()) {
        buf.set_line(inner.x, y, line, inner.width);
    }
    form_cursor(form, inner)
}

/// The rows of the form: the fields, the keys, and the last error.
fn form_rows(form: &LoginForm) -> [Line<'static>; 7] {
    let focus = |field| {
        if form.field == field {
            Style::new().bold().reversed()
        } else {
            Style::new().underlined()
        }
    };
    let masked: String = form.password.text().chars().map(|_| MASK).collect();
    let tick = if form.register { "[x]" } else { "[ ]" };
    let error = form.error.as_deref().map(|e| format!(" {e}"));
    [
        field_line("User", form.user.text(), focus(Field::User)),
        field_line("Password", &masked, focus(Field::Password)),
        Line::from(vec![
            Span::raw(" "),
            Span::styled(tick, focus(Field::Register)),
            Span::raw(" create this account (register)"),
        ]),
        Line::from(""),
        Line::from(" Enter: log in   Tab: next field   Space: tick").dark_gray(),
        Line::from(" Esc or Ctrl+C: quit").dark_gray(),
        Line::from(error.unwrap_or_default()).red().bold(),
    ]
}

/// The cursor sits in the field being typed into, after the text before it.
fn form_cursor(form: &LoginForm, inner: Rect) -> Position {
    let label = 11;
    let (row, x) = match form.field {
        Field::User => (0, label + width(&form.user.text()[..form.user.cursor()])),
        Field::Password => {
            let typed = form.password.text()[..form.password.cursor()]
                .chars()
                .count();
            (1, label + typed)
        }
        Field::Register => (2, 2),
    };
    let x = inner.x.saturating_add(x as u16);
    let y = (inner.y + row).min(inner.bottom().saturating_sub(1));
    Position::new(x.min(inner.right().saturating_sub(1)), y)
}

fn field_line(label: &str, value: &str, style: Style) -> Line<'static> {
    let pad = FIELD_WIDTH.saturating_sub(width(value));
    Line::from(vec![
        Span::raw(format!(" {label:<9} ")),
        Span::styled(format!("{value}{}", " ".repeat(pad)), style),
    ])
}

/// A line of text in the middle of the screen.
pub fn message(text: &str, area: Rect, buf: &mut Buffer) {
    let outer = centred(area, (width(text) + 4) as u16, 3);
    let block = Block::bordered();
    let inner = block.inner(outer);
    block.render(outer, buf);
    if !inner.is_empty() {
        let room = usize::from(inner.width.saturating_sub(1));
        buf.set_stringn(inner.x + 1, inner.y, text, room, Style::new());
    }
}

/// Trust on first use: the fingerprint, and the question under it with the answer being
/// typed; returns where the cursor goes, if the question is on screen.
pub fn trust(
    server: &str,
    fingerprint: Fingerprint,
    answer: &str,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let lines = vec![
        Line::from(format!("The server {server} is not known yet.")).bold(),
        Line::from(""),
        Line::from("The SHA-256 fingerprint of its certificate is:"),
        Line::from(format!("    {fingerprint}")).yellow().bold(),
        Line::from(""),
        Line::from(
            "Compare it with the fingerprint the server's administrator gives you. If they \
             match, the answer is remembered and you will not be asked again; if the \
             certificate ever changes, chat-tui will refuse to connect.",
        ),
    ];
    let footer = boxed_text(" New server ", lines, Style::new(), (12, 1), area, buf);
    if footer.is_empty() {
        return None;
    }
    let question = Line::from(vec![
        Span::from("Trust this server and connect? ").bold(),
        Span::from("Type yes or no, then Enter: ").yellow().bold(),
        Span::from(answer.to_owned()),
    ]);
    buf.set_line(footer.x, footer.y, &question, footer.width);
    let x = footer.x.saturating_add(question.width() as u16);
    Some(Position::new(x.min(footer.right() - 1), footer.y))
}

/// The refusal of a changed certificate (or of an untrusted one), until the user quits.
pub fn refused(warning: &str, area: Rect, buf: &mut Buffer) {
    let lines = warning.lines().map(|l| Line::from(l.to_owned())).collect();
    boxed_text(
        " Not connecting ",
        lines,
        Style::new().red(),
        (16, 0),
        area,
        buf,
    );
}

/// Draws wrapped text in a titled box of at most 80 by `height` in the middle of `area`,
/// keeping the last `footer` rows inside it free; returns those rows.
fn boxed_text(
    title: &str,
    lines: Vec<Line<'static>>,
    border: Style,
    (height, footer): (u16, u16),
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let outer = centred(area, 80, height);
    let block = Block::bordered()
        .title(Line::from(title).bold())
        .border_style(border);
    let inner = block.inner(outer);
    block.render(outer, buf);
    let [text, footer] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(footer)]).areas(inner);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(text, buf);
    footer
}
