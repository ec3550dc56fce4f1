//! Real CPython for the tests: found in PATH or pyenv's versions, or the test fails saying
//! what to do (unless `RUNWAIT_SKIP_PYTHON` names the version).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// CPython 3.`minor`: `python3.N` in PATH, else the newest of pyenv's `3.N.*`.
fn find_python(minor: u32) -> Option<PathBuf> {
    let name = format!("python3.{minor}");
    let in_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(&name))
            .find(|p| p.is_file() && !p.to_string_lossy().contains("/shims/"))
    });
    in_path.or_else(|| {
        let root = std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")))?;
        let mut versions: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("3.{minor}.")))
            })
            .map(|p| p.join("bin/python3"))
            .filter(|p| p.is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

/// The interpreter for 3.`minor`, or `None` (said out loud) when it is to be skipped.
pub fn python(minor: u32) -> Option<PathBuf> {
    if let Some(p) = find_python(minor) {
        return Some(p);
    }
    let skip = std::env::var("RUNWAIT_SKIP_PYTHON").unwrap_or_default();
    if skip.split(',').any(|v| v.trim() == format!("3.{minor}")) {
        eprintln!("SKIPPED: CPython 3.{minor} not found (RUNWAIT_SKIP_PYTHON)");
        println!("SKIPPED: CPython 3.{minor} not found (RUNWAIT_SKIP_PYTHON)");
        return None;
    }
    panic!(
        "CPython 3.{minor} not found in PATH or pyenv's versions: install it (`pyenv install \
         3.{minor}`), or set RUNWAIT_SKIP_PYTHON=3.{minor} to skip these checks"
    );
}

/// CPython 3.`minor` with the articles' programs' packages (`requests`, `aiohttp`, from their
/// script metadata): an environment of that Python made once under `target/tmp/python-envs` by
/// runwait's own maker (its pip, under a lock file, so test binaries running at once share it),
/// reused by later runs. Its progress goes to the terminal, past the test harness's capture.
/// `None` (said out loud) when the version is to be skipped; a failure (no network) fails the
/// test with what is missing.
pub fn with_packages(minor: u32) -> Option<PathBuf> {
    use std::io::Write;
    let base = python(minor)?;
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-envs");
    let name = format!("test-cpython-3.{minor}");
    let mut say = |line: &str| {
        let _ = writeln!(std::io::stderr(), "tests: CPython 3.{minor}: {line}");
    };
    let packages = runwait::lab::cpython::all_needs();
    match runwait::lab::cpython::venv::ensure(
        &base.to_string_lossy(),
        &name,
        &packages,
        &root,
        &mut say,
    ) {
        Ok(env) => Some(env.python),
        Err(e) => panic!(
            "CPython 3.{minor} with {}: {e} (or set RUNWAIT_SKIP_PYTHON=3.{minor} to skip these \
             checks)",
            packages.join(" ")
        ),
    }
}

/// `/usr/bin/setpriv`, for a test that runs runwait as another user: it needs root and setpriv.
/// Without them the test fails saying which is missing, unless `RUNWAIT_SKIP_ROOT=1` says to
/// skip it; `None` (said out loud) then.
pub fn root_and_setpriv() -> Option<PathBuf> {
    let setpriv = PathBuf::from("/usr/bin/setpriv");
    let uid = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut missing = Vec::new();
    if uid != "0" {
        missing.push(format!("root (running as uid {uid})"));
    }
    if !setpriv.exists() {
        missing.push("/usr/bin/setpriv (util-linux)".to_string());
    }
    if missing.is_empty() {
        return Some(setpriv);
    }
    let missing = missing.join(" and ");
    if std::env::var("RUNWAIT_SKIP_ROOT").is_ok_and(|v| !v.is_empty() && v != "0") {
        eprintln!("SKIPPED: needs {missing} (RUNWAIT_SKIP_ROOT)");
        println!("SKIPPED: needs {missing} (RUNWAIT_SKIP_ROOT)");
        return None;
    }
    panic!(
        "this test reads a process as another user: it needs {missing}; run the tests as root, \
         or set RUNWAIT_SKIP_ROOT=1 to skip it"
    );
}
