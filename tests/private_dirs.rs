//! Safe on a shared machine: the directory runwait gives a Python program (`runwait py`, the
//! articles' programs under `--cpython`) is made fresh, private (mode 0700) and unpredictable;
//! one that someone else made, or a symlink they planted, is neither reused nor followed; and
//! nothing of runwait's is left in the temporary directory when runwait is stopped by a signal,
//! or killed outright (its watchdog cleans up).

#[path = "common/python.rs"]
mod pythons;

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One runwait at a time: the programs compete for the same cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What another local user would plant in the temporary directory, before runwait starts: for
/// every name runwait used to take (`runwait-py-PID-N`, `runwait-cpython-PID-N`, for the pids
/// about to be handed out) and a few like the names it takes now, a directory owned by someone
/// else (user nobody, when the tests run as root) holding `sitecustomize.py`, `json.py` and the
/// programs' names as symlinks to a file of ours, and a `requests.py` that would leave a mark.
struct Planted {
    tmp: tempfile::TempDir,
    victim: PathBuf,
    mark: PathBuf,
    dirs: Vec<PathBuf>,
}

const VICTIM: &str = "the victim's own words\n";

impl Planted {
    fn new() -> Planted {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let victim = outside.join("victim.txt");
        std::fs::write(&victim, VICTIM).unwrap();
        let mark = outside.join("planted-code-ran");
        let next_pid = next_pid();
        let mut dirs = Vec::new();
        for pid in next_pid..next_pid + 40 {
            for kind in ["py", "cpython"] {
                dirs.push(tmp.path().join(format!("runwait-{kind}-{pid}-0")));
            }
        }
        for name in [
            "runwait-py-",
            "runwait-py-aaaaaaaaaaaa",
            "runwait-py-XXXXXX",
        ] {
            dirs.push(tmp.path().join(name));
        }
        let code = format!("open({:?}, 'w').write('ran')\n", mark.to_str().unwrap());
        for dir in &dirs {
            std::fs::create_dir(dir).unwrap();
            for name in ["sitecustomize.py", "race.py", "gil.py", "probe.sock"] {
                std::os::unix::fs::symlink(&victim, dir.join(name)).unwrap();
            }
            for name in ["json.py", "requests.py", "threading.py"] {
                std::fs::write(dir.join(name), &code).unwrap();
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
            if is_root() {
                // As another user would have made it.
                let _ = Command::new("chown")
                    .args(["-R", "65534:65534"])
                    .arg(dir)
                    .status();
            }
        }
        Planted {
            tmp,
            victim,
            mark,
            dirs,
        }
    }

    /// Nothing planted was followed, run or changed.
    fn untouched(&self) {
        assert_eq!(
            std::fs::read_to_string(&self.victim).unwrap(),
            VICTIM,
            "a planted symlink was written through"
        );
        assert!(!self.mark.exists(), "planted code ran");
        for dir in &self.dirs {
            let names: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(
                names.len(),
                7,
                "{} was written into: {names:?}",
                dir.display()
            );
        }
    }

    /// What is in the temporary directory besides what was planted.
    fn left(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| !self.dirs.contains(p) && !p.ends_with("outside"))
            .collect()
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The pid the next process will get (roughly: a few pids either way are planted).
fn next_pid() -> u32 {
    let child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    let _ = { child }.wait();
    pid.saturating_sub(5)
}

/// The program `runwait py` runs here: says where its probe's directory is, its mode and
/// owner, and whether `json` came from there.
const SAY_DIR: &str = "import os, sys, json\n\
d = os.path.dirname(os.environ['RUNWAIT_PROBE'])\n\
st = os.stat(d)\n\
print('DIR', d, oct(st.st_mode & 0o777), st.st_uid, os.getuid(), json.__file__.startswith(d), flush=True)\n\
import time; time.sleep(0.5)\n";

#[test]
fn runwait_py_makes_its_own_private_directory_and_never_uses_a_planted_one() {
    let Some(python) = pythons::python(12) else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let planted = Planted::new();
    let out = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .env("TMPDIR", planted.tmp.path())
        .args(["py", "--headless", "--"])
        .arg(&python)
        .args(["-c", SAY_DIR])
        .output()
        .expect("runwait starts");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "runwait py failed: {said}");
    let line = said
        .lines()
        .find(|l| l.starts_with("DIR "))
        .unwrap_or_else(|| panic!("the program did not say its directory: {said}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let dir = Path::new(words[1]);
    assert!(dir.starts_with(planted.tmp.path()), "{line}: not in TMPDIR");
    assert!(!planted.dirs.iter().any(|d| d == dir), "{line}: reused");
    let name = dir.file_name().unwrap().to_string_lossy();
    assert!(
        name.starts_with("runwait-py-") && name.len() >= "runwait-py-".len() + 12,
        "{line}: the name is not unpredictable"
    );
    assert_eq!(words[2], "0o700", "{line}: not private");
    assert_eq!(words[3], words[4], "{line}: not the program's user's");
    assert_eq!(
        words[5], "False",
        "{line}: json came from runwait's directory"
    );
    planted.untouched();
    assert!(
        planted.left().is_empty(),
        "left behind: {:?}",
        planted.left()
    );
}

#[test]
fn the_articles_programs_run_from_a_private_directory_under_cpython() {
    let Some(python) = pythons::python(12) else {
        return;
    };
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let planted = Planted::new();
    let out = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .env("TMPDIR", planted.tmp.path())
        .args(["run", "race", "--headless", "--cpython"])
        .arg(&python)
        .output()
        .expect("runwait starts");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "runwait run race --cpython failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("CPython 3.12"),
        "no real run in the text:\n{text}"
    );
    planted.untouched();
    assert!(
        planted.left().is_empty(),
        "left behind: {:?}",
        planted.left()
    );
}

/// Start `runwait ARGS` with its temporary directory in `tmp`, wait until `marker`'s program
/// runs, send it `signal`: nothing of runwait's may be left in `tmp`, nor its program running.
fn nothing_left_after(signal: i32, args: &[&str], marker: &str) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let mut rw = Command::new(env!("CARGO_BIN_EXE_runwait"))
        .env("TMPDIR", tmp.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runwait starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while programs_with(marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !programs_with(marker).is_empty(),
        "the program never started: runwait {args:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    let _ = Command::new("kill")
        .args([format!("-{signal}"), rw.id().to_string()])
        .status();
    let _ = rw.wait();
    let left = || -> Vec<PathBuf> {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while (!left().is_empty() || !programs_with(marker).is_empty()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        programs_with(marker).is_empty(),
        "signal {signal}: the program outlived runwait {args:?}"
    );
    assert!(
        left().is_empty(),
        "signal {signal}: runwait {args:?} left {:?}",
        left()
    );
}

/// Processes whose command line holds `marker`.
fn programs_with(marker: &str) -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
        })
        .collect()
}

const SIGNALS: [i32; 5] = [2, 15, 1, 3, 9];

#[test]
fn runwait_py_leaves_nothing_in_the_temporary_directory_after_any_signal() {
    let Some(python) = pythons::python(12) else {
        return;
    };
    let python = python.to_string_lossy().into_owned();
    for signal in SIGNALS {
        let marker = format!("marker-py-{signal}-5813");
        let program = format!("import time; time.sleep(30) # {marker}");
        nothing_left_after(
            signal,
            &["py", "--headless", "--", &python, "-c", &program],
            &marker,
        );
    }
}

#[test]
fn a_cpython_run_leaves_nothing_in_the_temporary_directory_after_any_signal() {
    let Some(python) = pythons::python(12) else {
        return;
    };
    let python = python.to_string_lossy().into_owned();
    for signal in SIGNALS {
        // The real starve program runs for a while; its file is starve.py in runwait's
        // directory, which names it in its command line.
        nothing_left_after(
            signal,
            &[
                "run",
                "starve",
                "--headless",
                "--executors",
                "async",
                "--cpython",
                &python,
            ],
            "starve.py",
        );
    }
}

/// Start `runwait ARGS` in the terminal UI (a pseudo-terminal) with its temporary directory in
/// a fresh one, wait until `marker`'s program runs, send runwait `signal`: nothing of runwait's
/// may be left there, nor its program running.
fn nothing_left_after_in_the_ui(signal: i32, args: &[&str], marker: &str) {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let size = PtySize {
        rows: 40,
        cols: 120,
        pixel_width: 0,
        pixel_height: 0,
    };
    let pair = native_pty_system().openpty(size).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_runwait"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    cmd.env("TMPDIR", tmp.path());
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(1..) = reader.read(&mut buf) {}
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while programs_with(marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!programs_with(marker).is_empty(), "never started: {args:?}");
    std::thread::sleep(Duration::from_millis(300));
    let pid = child.process_id().expect("runwait's pid");
    let _ = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = || -> Vec<PathBuf> {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while (!left().is_empty() || !programs_with(marker).is_empty()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        programs_with(marker).is_empty(),
        "UI, signal {signal}: the program outlived runwait {args:?}"
    );
    assert!(
        left().is_empty(),
        "UI, signal {signal}: runwait {args:?} left {:?}",
        left()
    );
}

#[test]
fn in_the_ui_nothing_is_left_after_any_signal_for_py_and_cpython() {
    let Some(python) = pythons::python(12) else {
        return;
    };
    let python = python.to_string_lossy().into_owned();
    for signal in SIGNALS {
        let marker = format!("marker-ui-{signal}-6021");
        let program = format!("import time; time.sleep(30) # {marker}");
        nothing_left_after_in_the_ui(signal, &["py", "--", &python, "-c", &program], &marker);
        let args = [
            "run",
            "starve",
            "--executors",
            "async",
            "--cpython",
            &python,
        ];
        nothing_left_after_in_the_ui(signal, &args, "starve.py");
    }
}
