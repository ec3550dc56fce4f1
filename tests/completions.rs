//! `runwait completions SHELL` and `runwait man`: made from the same definitions as the command
//! line, so every subcommand is in them (and the internal `__worker` / `__watchdog` are not).
//! The man page is rendered with `man -l` (which must be installed, unless `RUNWAIT_SKIP_MAN`
//! says to skip that part; it then says so).

use clap::CommandFactory;
use std::process::Command;

fn runwait(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(args)
        .output()
        .expect("runwait starts");
    assert!(
        out.status.success(),
        "runwait {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Every subcommand people can type.
fn subcommands() -> Vec<String> {
    runwait::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn every_shells_script_names_every_subcommand_and_no_internal_one() {
    let all = subcommands();
    for needed in [
        "list", "run", "replay", "compare", "export", "py", "attach", "man",
    ] {
        assert!(all.iter().any(|c| c == needed), "{needed} in {all:?}");
    }
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = runwait(&["completions", shell]);
        for sub in &all {
            assert!(script.contains(sub.as_str()), "{shell}: no {sub}");
        }
        assert!(
            !script.contains("__worker") && !script.contains("__watchdog"),
            "{shell}"
        );
    }
    let bash = runwait(&["completions", "bash"]);
    let top = bash
        .lines()
        .find(|l| l.contains("opts=\"") && l.contains(" run "))
        .expect("the top-level words");
    for sub in &all {
        assert!(
            top.contains(&format!(" {sub} ")),
            "bash offers {sub}: {top}"
        );
    }
    // The script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("runwait.bash");
    std::fs::write(&file, &bash).unwrap();
    let ok = Command::new("bash").arg("-n").arg(&file).status().unwrap();
    assert!(ok.success(), "bash -n accepts it");
    let bad = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "an unknown shell is refused");
}

#[test]
fn the_man_page_names_every_subcommand_and_renders() {
    let page = runwait(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH runwait 1"),
        "{page}"
    );
    for sub in subcommands() {
        assert!(
            page.contains(&format!("runwait\\-{sub}")),
            "the page names {sub}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("runwait.1");
    std::fs::write(&file, &page).unwrap();
    let man = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("COLUMNS", "80")
        .output();
    let out = match man {
        Ok(out) => out,
        Err(e) if std::env::var_os("RUNWAIT_SKIP_MAN").is_some() => {
            println!("SKIPPED: rendering with man -l ({e}; RUNWAIT_SKIP_MAN)");
            return;
        }
        Err(e) => panic!(
            "man is needed to render the page ({e}): install it (apt-get install man-db), or \
             set RUNWAIT_SKIP_MAN=1 to skip this part"
        ),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "man -l: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("NAME") && text.contains("SUBCOMMANDS"),
        "{text}"
    );
    assert!(text.contains("Watch concurrency happen"), "{text}");
}
