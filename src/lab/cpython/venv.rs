//! A private virtual environment for the articles' programs (`--cpython`), so that nobody has
//! to install packages into a Python by hand: made once per CPython version under a cache
//! directory (`$XDG_CACHE_HOME/runwait/`, else `~/.cache/runwait/`), the programs' packages
//! installed by that Python's own `pip`, reused after. Made under a lock file, so that two
//! runwaits (or two test binaries) never make one at once; a half-made one (pip failed, the
//! machine is offline) is never taken for ready.
//!
//! What the programs need is read from their inline script metadata (PEP 723, `# /// script`),
//! the same list any tool that reads it would install.

use crate::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The file in an environment that says it is whole, and which packages it holds.
const READY: &str = "runwait-ready";

/// The packages a program's inline script metadata (`# /// script` ... `# ///`) lists in its
/// `dependencies`, by name (version specifiers and extras left off); none when it has no block.
pub fn dependencies(source: &str) -> Result<Vec<String>, String> {
    let mut lines = source
        .lines()
        .skip_while(|l| l.trim_end() != "# /// script");
    if lines.next().is_none() {
        return Ok(Vec::new());
    }
    let mut toml = String::new();
    let mut closed = false;
    for line in lines {
        if line.trim_end() == "# ///" {
            closed = true;
            break;
        }
        let text = line
            .strip_prefix("# ")
            .or_else(|| line.strip_prefix('#'))
            .ok_or_else(|| format!("a line of the script block does not start with #: {line}"))?;
        toml.push_str(text);
        toml.push('\n');
    }
    if !closed {
        return Err("the script block is not closed by `# ///`".into());
    }
    let table: toml::Table = toml::from_str(&toml).map_err(|e| e.message().to_string())?;
    let Some(list) = table.get("dependencies") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or("`dependencies` is not a list of strings")?;
    list.iter()
        .map(|d| {
            let d = d
                .as_str()
                .ok_or("`dependencies` is not a list of strings")?;
            let name: String = d
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if name.is_empty() {
                return Err(format!("no package name in {d:?}"));
            }
            Ok(name)
        })
        .collect()
}

/// The oldest Python a program's script block asks for (`requires-python = ">=3.8"`), if it
/// says.
pub fn requires_python(source: &str) -> Option<(u32, u32)> {
    let line = source
        .lines()
        .skip_while(|l| l.trim_end() != "# /// script")
        .take_while(|l| l.trim_end() != "# ///")
        .find_map(|l| {
            l.trim_start_matches('#')
                .trim()
                .strip_prefix("requires-python")
        })?;
    let version = line.split('"').nth(1)?.trim().strip_prefix(">=")?;
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

/// Where runwait keeps what it makes once: `$XDG_CACHE_HOME/runwait`, else
/// `$HOME/.cache/runwait` (`None`: neither is set).
pub fn cache_root() -> Option<PathBuf> {
    let set = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    set("XDG_CACHE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| set("HOME").map(|h| h.join(".cache")))
        .map(|c| c.join("runwait"))
}

/// A made environment: its interpreter, and whether it was made (or added to) just now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Env {
    pub python: PathBuf,
    pub made: bool,
}

/// The environment `name` (e.g. `cpython-3.12.1`) under `root`, made from `base` (an interpreter
/// command) with `packages` installed, unless it is there and whole already. `say` is told each
/// step (never a silent wait): what is made where, and pip's progress, a line at a time.
pub fn ensure(
    base: &str,
    name: &str,
    packages: &[String],
    root: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<Env, Error> {
    let io = |what: String| move |e: std::io::Error| Error::Io { what, source: e };
    private_dir(root).map_err(io(format!("cannot make {}", root.display())))?;
    let dir = root.join(name);
    let lock = root.join(format!("{name}.lock"));
    let _held = Lock::take(&lock).map_err(io(format!("cannot lock {}", lock.display())))?;
    let python = dir.join("bin/python");
    // An environment without its interpreter is not whole, whatever its marker says.
    let had = match python.is_file() {
        true => ready(&dir),
        false => Vec::new(),
    };
    let lacking: Vec<&String> = packages.iter().filter(|p| !had.contains(p)).collect();
    if python.is_file() && lacking.is_empty() {
        return Ok(Env {
            python,
            made: false,
        });
    }
    if had.is_empty() {
        // Not whole: made anew.
        if dir.symlink_metadata().is_ok() {
            std::fs::remove_dir_all(&dir)
                .map_err(io(format!("cannot remove {}", dir.display())))?;
        }
        say(&format!(
            "making a Python environment for the articles' programs: {base} -m venv {}",
            dir.display()
        ));
        run(Command::new(base).args(["-m", "venv"]).arg(&dir), say)
            .map_err(|e| Error::Usage(format!("--cpython: {base} -m venv failed: {e}")))?;
    }
    let names: Vec<&str> = lacking.iter().map(|p| p.as_str()).collect();
    say(&format!(
        "installing {} into it with pip (once; later runs reuse it)",
        names.join(" ")
    ));
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--disable-pip-version-check"])
        .args(["--no-input", "--progress-bar", "off", "--retries", "1"])
        .args(["--timeout", "20"])
        .args(&names);
    run(&mut pip, say).map_err(|e| {
        Error::Usage(format!(
            "--cpython: could not install {} into {} ({e}; offline?): install them into your \
             Python yourself ({base} -m pip install {}) and run with --no-install",
            names.join(" "),
            dir.display(),
            names.join(" ")
        ))
    })?;
    let mut all: Vec<String> = had;
    all.extend(lacking.into_iter().cloned());
    let marker = dir.join(READY);
    std::fs::write(&marker, all.join("\n") + "\n")
        .map_err(io(format!("cannot write {}", marker.display())))?;
    say("the environment is ready");
    Ok(Env { python, made: true })
}

/// What pip says that is not a step worth a line.
const NOISE: &[&str] = &[
    "Downloading",
    "Looking in",
    "Using cached",
    "Requirement already",
];

/// The packages a whole environment holds (none: not whole, or not there).
fn ready(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(READY))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Run `cmd`, telling `say` each line it prints; its last line is the error when it fails.
fn run(cmd: &mut Command, say: &mut dyn FnMut(&str)) -> Result<(), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let errors = child.stderr.take().map(|pipe| {
        std::thread::spawn(move || {
            BufReader::new(pipe)
                .lines()
                .map_while(Result::ok)
                .filter(|l| !l.trim().is_empty())
                .last()
        })
    });
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            // pip's steps, not each of its downloads and look-ups.
            let line = line.trim();
            if !line.is_empty() && !NOISE.iter().any(|n| line.starts_with(n)) {
                say(line);
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let last = errors.and_then(|t| t.join().ok()).flatten();
    match (status.success(), last) {
        (true, _) => Ok(()),
        (false, Some(line)) => Err(crate::error::printable(line.trim())),
        (false, None) => Err(format!("it exited with {status}")),
    }
}

/// Make `dir` (and what leads to it) if need be, mode 0700; one that is there must be a
/// directory of this user's, not a symlink, not writable by others.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    match dir.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        Err(e) => Err(e),
        Ok(m) => {
            let mine = m.uid() == rustix::process::geteuid().as_raw();
            if !m.is_dir() || !mine || m.mode() & 0o022 != 0 {
                return Err(std::io::Error::other(
                    "it is not a private directory of this user's (a symlink, someone else's, or \
                     writable by others)",
                ));
            }
            Ok(())
        }
    }
}

/// An exclusive lock on a file, held until dropped.
struct Lock {
    _file: std::fs::File,
}

impl Lock {
    fn take(path: &Path) -> std::io::Result<Lock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(path)?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        let mut f = &file;
        let _ = writeln!(f, "{}", std::process::id());
        Ok(Lock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programs_dependencies_are_read_from_its_script_block() {
        let source = "\"\"\"doc\"\"\"\n# /// script\n# requires-python = \">=3.8\"\n\
                      # dependencies = [\n#   \"requests>=2\",\n#   \"aiohttp[speedups]\",\n# ]\n\
                      # ///\nimport requests\n";
        assert_eq!(dependencies(source).unwrap(), ["requests", "aiohttp"]);
        assert!(dependencies("import sys\n").unwrap().is_empty());
        let empty = "# /// script\n# dependencies = []\n# ///\n";
        assert!(dependencies(empty).unwrap().is_empty());
        assert!(dependencies("# /// script\n# dependencies = [\n").is_err());
        assert!(dependencies("# /// script\n# dependencies = [1]\n# ///\n").is_err());
    }

    #[test]
    fn the_cache_root_follows_xdg_and_never_a_relative_path() {
        // Read from the environment: only the shape is checked here.
        if let Some(root) = cache_root() {
            assert!(root.ends_with("runwait"));
        }
    }

    #[test]
    fn a_cache_directory_planted_by_a_symlink_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        std::fs::create_dir(&target).unwrap();
        let link = tmp.path().join("cache");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(private_dir(&link).is_err());
        let open = tmp.path().join("open");
        std::fs::create_dir(&open).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(private_dir(&open).is_err());
        let fresh = tmp.path().join("a/b");
        private_dir(&fresh).unwrap();
        assert_eq!(fresh.metadata().unwrap().mode() & 0o777, 0o700);
        private_dir(&fresh).unwrap();
    }
}
