use super::*;
use proptest::prelude::*;
use std::path::PathBuf;

fn room(name: &str) -> RoomName {
    RoomName::new(name).unwrap()
}

fn user(name: &str) -> Target {
    Target::User(UserName::new(name).unwrap())
}

fn say(text: &str) -> Command {
    Command::Say(text.to_owned())
}

#[test]
fn plain_text_is_said_as_typed() {
    assert_eq!(parse("hello there"), Ok(say("hello there")));
    assert_eq!(parse("  indented "), Ok(say("  indented ")));
    assert_eq!(parse("a/b"), Ok(say("a/b")));
}

#[test]
fn a_double_slash_says_text_with_one_slash() {
    assert_eq!(parse("//join is a command"), Ok(say("/join is a command")));
    assert_eq!(parse("//"), Ok(say("/")));
    assert_eq!(parse("///x"), Ok(say("//x")));
}

#[test]
fn blank_lines_are_empty() {
    assert_eq!(parse(""), Err(ParseError::Empty));
    assert_eq!(parse("   \t"), Err(ParseError::Empty));
}

#[test]
fn join_takes_one_room_with_or_without_hash() {
    assert_eq!(parse("/join #rust"), Ok(Command::Join(room("rust"))));
    assert_eq!(parse("/join rust"), Ok(Command::Join(room("rust"))));
    assert_eq!(
        parse("/JOIN #Rust.Lang"),
        Ok(Command::Join(room("rust.lang")))
    );
    assert_eq!(parse("/j   #a  "), Ok(Command::Join(room("a"))));
    assert!(matches!(
        parse("/join"),
        Err(ParseError::Usage {
            command: "join",
            ..
        })
    ));
    assert!(matches!(
        parse("/join #a #b"),
        Err(ParseError::Usage {
            command: "join",
            ..
        })
    ));
}

#[test]
fn bad_names_carry_the_name_rule() {
    let err = parse("/join #no!pe").unwrap_err();
    assert!(matches!(
        err,
        ParseError::BadName {
            command: "join",
            ..
        }
    ));
    assert_eq!(err.command(), Some("join"));
    assert!(
        err.to_string().starts_with("/join: name may only contain"),
        "{err}"
    );

    let err = parse("/msg @-bob hi").unwrap_err();
    assert_eq!(
        err,
        ParseError::BadName {
            command: "msg",
            source: NameError::BadStart
        }
    );
}

#[test]
fn part_defaults_to_the_current_room() {
    assert_eq!(parse("/part"), Ok(Command::Part(None)));
    assert_eq!(parse("/part #a"), Ok(Command::Part(Some(room("a")))));
    assert_eq!(parse("/leave a"), Ok(Command::Part(Some(room("a")))));
    assert!(matches!(
        parse("/part #a #b"),
        Err(ParseError::Usage {
            command: "part",
            ..
        })
    ));
}

#[test]
fn msg_takes_a_target_and_the_rest_as_text() {
    let expect = |to, text: &str| {
        Ok(Command::Msg {
            to,
            text: text.to_owned(),
        })
    };
    assert_eq!(parse("/msg @bob hi there"), expect(user("bob"), "hi there"));
    assert_eq!(parse("/msg bob hi"), expect(user("bob"), "hi"));
    assert_eq!(
        parse("/msg #room  spaced  out "),
        expect(Target::Room(room("room")), "spaced  out ")
    );
    assert_eq!(parse("/MSG @Bob x"), expect(user("bob"), "x"));
    assert_eq!(
        parse("/query bob /not a command"),
        expect(user("bob"), "/not a command")
    );
}

#[test]
fn msg_without_text_is_a_usage_error() {
    for line in ["/msg", "/msg @bob", "/msg @bob   ", "/msg   "] {
        assert!(
            matches!(parse(line), Err(ParseError::Usage { command: "msg", .. })),
            "{line}"
        );
    }
}

#[test]
fn history_takes_an_optional_target_and_count() {
    let expect = |target, limit| Ok(Command::History { target, limit });
    assert_eq!(parse("/history"), expect(None, DEFAULT_HISTORY));
    assert_eq!(parse("/history 20"), expect(None, 20));
    assert_eq!(
        parse("/history #room 50"),
        expect(Some(Target::Room(room("room"))), 50)
    );
    assert_eq!(
        parse("/history @bob"),
        expect(Some(user("bob")), DEFAULT_HISTORY)
    );
    assert_eq!(parse("/history bob 5"), expect(Some(user("bob")), 5));
    assert_eq!(
        parse("/history #a 500"),
        expect(Some(Target::Room(room("a"))), MAX_PAGE)
    );
}

#[test]
fn history_counts_are_checked() {
    for line in [
        "/history 0",
        "/history 501",
        "/history #a 70000",
        "/history #a -1",
        "/history 3x",
    ] {
        let err = parse(line).unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::BadCount {
                    command: "history",
                    ..
                }
            ),
            "{line}: {err}"
        );
    }
    assert!(matches!(
        parse("/history #a 1 2"),
        Err(ParseError::Usage { .. })
    ));
}

#[test]
fn rooms_who_and_quit() {
    assert_eq!(parse("/rooms"), Ok(Command::Rooms));
    assert_eq!(parse("/list"), Ok(Command::Rooms));
    assert!(matches!(
        parse("/rooms x"),
        Err(ParseError::Usage {
            command: "rooms",
            ..
        })
    ));
    assert_eq!(parse("/who"), Ok(Command::Who(None)));
    assert_eq!(parse("/who #a"), Ok(Command::Who(Some(room("a")))));
    assert_eq!(parse("/names a"), Ok(Command::Who(Some(room("a")))));
    assert_eq!(parse("/quit"), Ok(Command::Quit));
    assert_eq!(parse("/Exit"), Ok(Command::Quit));
    assert_eq!(parse("/quit see you"), Ok(Command::Quit));
}

#[test]
fn unknown_commands_suggest_the_closest_known_one() {
    let err = parse("/jion #a").unwrap_err();
    assert_eq!(
        err,
        ParseError::UnknownCommand {
            name: "jion".into(),
            suggestion: Some("join".into())
        }
    );
    assert_eq!(
        err.to_string(),
        "unknown command /jion; did you mean /join?"
    );
    assert_eq!(err.command(), None);

    let err = parse("/frobnicate").unwrap_err();
    assert_eq!(err.to_string(), "unknown command /frobnicate");
}

#[test]
fn a_lone_slash_is_an_unknown_command() {
    assert!(matches!(parse("/"), Err(ParseError::UnknownCommand { .. })));
    assert!(matches!(
        parse("/ join"),
        Err(ParseError::UnknownCommand { .. })
    ));
}

#[test]
fn usage_errors_read_well() {
    assert_eq!(
        parse("/join").unwrap_err().to_string(),
        "usage: /join #room"
    );
    assert_eq!(
        parse("/history 0").unwrap_err().to_string(),
        "/history: \"0\" is not a count from 1 to 500"
    );
}

proptest! {
    #[test]
    fn parse_never_panics(line in ".*") {
        let _ = parse(&line);
    }

    #[test]
    fn commands_never_panic(
        name in "(join|part|msg|history|who|rooms|quit|create|invite|accept|decline|kick\
                  |ban|unban|op|deop|transfer|rename|topic|delete)",
        args in "(#[a-z]{1,3} )?(@?[a-z]{1,3} )?.*",
    ) {
        let _ = parse(&format!("/{name} {args}"));
    }

    #[test]
    fn a_room_named_first_is_the_room_acted_on(
        name in "(invite|kick|ban|unban|op|deop|transfer)",
        room_name in "[a-z][a-z0-9.-]{0,20}",
        person in "[a-z][a-z0-9_-]{0,20}",
    ) {
        let parsed = parse(&format!("/{name} #{room_name} @{person}"));
        prop_assert!(
            matches!(&parsed, Ok(Command::Change { room: Some(r), .. }) if r.as_str() == room_name),
            "{:?}",
            parsed
        );
    }

    #[test]
    fn text_without_a_slash_is_said_unchanged(text in "[^/\\s].*") {
        prop_assert_eq!(parse(&text), Ok(Command::Say(text.clone())));
    }
}

#[test]
fn query_without_text_opens_the_conversation() {
    assert_eq!(parse("/query @bob"), Ok(Command::Query(user("bob"))));
    assert_eq!(parse("/query bob  "), Ok(Command::Query(user("bob"))));
    assert_eq!(
        parse("/query #room"),
        Ok(Command::Query(Target::Room(room("room"))))
    );
    assert!(matches!(
        parse("/query"),
        Err(ParseError::Usage {
            command: "query",
            ..
        })
    ));
}

#[test]
fn me_keeps_the_action_as_typed() {
    assert_eq!(parse("/me waves  "), Ok(Command::Me("waves  ".to_owned())));
    assert_eq!(parse("/ME  ducks"), Ok(Command::Me("ducks".to_owned())));
    assert!(matches!(
        parse("/me"),
        Err(ParseError::Usage { command: "me", .. })
    ));
}

#[test]
fn help_takes_no_arguments() {
    assert_eq!(parse("/help"), Ok(Command::Help));
    assert!(parse("/help me").is_err());
}

#[test]
fn action_text_is_recognised_by_its_prefix() {
    assert_eq!(action_text("/me waves"), Some("waves"));
    assert_eq!(action_text("/mesh"), None);
    assert_eq!(action_text("hello /me x"), None);
}

#[test]
fn send_takes_the_rest_of_the_line_as_its_path() {
    let send = |path: &str| Ok(Command::Send(PathBuf::from(path)));
    assert_eq!(parse("/send report.pdf"), send("report.pdf"));
    assert_eq!(parse("/send  my notes v2.txt  "), send("my notes v2.txt"));
    assert_eq!(parse("/send \"a b.png\""), send("a b.png"));
    assert_eq!(parse("/send 'it'"), send("it"));
    assert_eq!(parse("/upload ~/x"), send("~/x"));
    assert_eq!(parse("/send \"half"), send("\"half"));
    for line in ["/send", "/send   ", "/send \"\""] {
        assert!(
            matches!(
                parse(line),
                Err(ParseError::Usage {
                    command: "send",
                    ..
                })
            ),
            "{line}"
        );
    }
}

#[test]
fn download_takes_a_file_id_and_maybe_a_path() {
    assert_eq!(
        parse("/download 17"),
        Ok(Command::Download {
            file: FileId(17),
            path: None
        })
    );
    assert_eq!(
        parse("/get 17  ~/Pictures/cat pic.png "),
        Ok(Command::Download {
            file: FileId(17),
            path: Some(PathBuf::from("~/Pictures/cat pic.png"))
        })
    );
    assert!(matches!(
        parse("/download"),
        Err(ParseError::Usage {
            command: "download",
            ..
        })
    ));
    let bad = parse("/download #17").unwrap_err();
    assert_eq!(bad.to_string(), "/download: \"#17\" is not a file id");
    assert_eq!(bad.command(), Some("download"));
}

#[test]
fn view_takes_one_file_id() {
    assert_eq!(parse("/view 18"), Ok(Command::View(FileId(18))));
    assert_eq!(parse("/PREVIEW  18 "), Ok(Command::View(FileId(18))));
    assert!(matches!(
        parse("/view"),
        Err(ParseError::Usage {
            command: "view",
            ..
        })
    ));
    assert!(matches!(
        parse("/view 18 19"),
        Err(ParseError::Usage {
            command: "view",
            ..
        })
    ));
    let bad = parse("/view cat.png").unwrap_err();
    assert_eq!(bad.to_string(), "/view: \"cat.png\" is not a file id");
    assert_eq!(
        parse("/veiw 3").unwrap_err().to_string(),
        "unknown command /veiw; did you mean /view?"
    );
}

#[test]
fn cancel_takes_a_transfer_number_or_nothing() {
    assert_eq!(parse("/cancel"), Ok(Command::Cancel(None)));
    assert_eq!(parse("/CANCEL 3 "), Ok(Command::Cancel(Some(3))));
    assert!(matches!(
        parse("/cancel x"),
        Err(ParseError::BadNumber {
            command: "cancel",
            ..
        })
    ));
    assert!(matches!(
        parse("/cancel 1 2"),
        Err(ParseError::Usage {
            command: "cancel",
            ..
        })
    ));
}

#[test]
fn file_commands_are_listed_and_suggested() {
    for usage in [
        "/send PATH",
        "/download ID [PATH]",
        "/view ID",
        "/cancel [N]",
    ] {
        assert!(HELP.iter().any(|(u, _)| *u == usage), "{usage}");
    }
    assert_eq!(
        parse("/downlaod 3").unwrap_err().to_string(),
        "unknown command /downlaod; did you mean /download?"
    );
}
