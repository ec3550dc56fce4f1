//! What runs out: threads, processes and open files. A thread, process or runtime that cannot
//! be started ends its run with the reason ([`RunCtx::fail`](super::RunCtx::fail)), named with
//! the limit that stopped it: `could not start thread 61 of 1024: resource temporarily
//! unavailable (the user's process limit is 60)`.

/// The user's limit on processes and threads (`ulimit -u`), if one holds for this process
/// (root's is not enforced).
pub fn process_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{geteuid, getrlimit, Resource};
        if geteuid().is_root() {
            return None;
        }
        getrlimit(Resource::Nproc).current
    }
    #[cfg(not(unix))]
    None
}

/// Why `what` could not be had, in plain words and with the limit that stopped it:
/// `could not start thread 61 of 1024: resource temporarily unavailable (the user's process
/// limit is 60)`.
pub fn could_not(what: &str, e: &std::io::Error) -> String {
    let cause = crate::error::cause(e);
    match limit_hint(e) {
        Some(hint) => format!("could not {what}: {cause} ({hint})"),
        None => format!("could not {what}: {cause}"),
    }
}

/// The limit an error of the OS points to: the process limit for `EAGAIN`, the open-file
/// limit for `EMFILE`.
fn limit_hint(e: &std::io::Error) -> Option<String> {
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        let code = e.raw_os_error()?;
        if code == Errno::AGAIN.raw_os_error() {
            return process_limit().map(|n| format!("the user's process limit is {n}"));
        }
        if code == Errno::MFILE.raw_os_error() {
            let n = crate::workload::open_file_limit();
            return Some(format!("the open-file limit is {n}"));
        }
        None
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        None
    }
}

/// A worker process that exited before it answered its handshake: it could not start (out of
/// threads or processes, most often), said with the user's process limit where there is one.
pub fn exited_at_start(what: &str) -> String {
    match process_limit() {
        Some(n) => format!(
            "could not {what}: it exited before it answered (the user's process limit is {n})"
        ),
        None => format!("could not {what}: it exited before it answered"),
    }
}

/// Start a thread named `name` running `body`, or say why not ([`could_not`]): `what` names it
/// in the reason (`thread 61 of 1024`).
pub fn spawn_scoped<'scope, 'env, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    name: String,
    what: &str,
    body: impl FnOnce() -> T + Send + 'scope,
) -> Result<std::thread::ScopedJoinHandle<'scope, T>, String> {
    std::thread::Builder::new()
        .name(name)
        .spawn_scoped(scope, body)
        .map_err(|e| could_not(&format!("start {what}"), &e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_limit_is_named() {
        let e = std::io::Error::from_raw_os_error(24);
        let why = super::could_not("start thread 3 of 4", &e);
        assert!(
            why.starts_with(
                "could not start thread 3 of 4: too many open files (the open-file limit is "
            ),
            "{why}"
        );
    }
}
