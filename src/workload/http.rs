//! HTTP clients: a blocking one per worker (the article's thread-local session) and an async
//! one shared by every task of the event loop (aiohttp's one session).

use crate::error::cause;
use std::time::Duration;

/// A blocking client with its own connection pool: one per worker thread or process.
pub struct Blocking {
    agent: ureq::Agent,
}

impl Blocking {
    pub fn new(timeout: Duration) -> Blocking {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .build()
            .into();
        Blocking { agent }
    }

    /// GET `url` and read the whole body; returns its length, or why not in a few words.
    pub fn get(&self, url: &str) -> Result<usize, String> {
        let mut response = self.agent.get(url).call().map_err(|e| cause(&e))?;
        let body = response.body_mut().read_to_vec().map_err(|e| cause(&e))?;
        Ok(body.len())
    }
}

/// The async client, for a tokio runtime.
pub fn async_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("a client without TLS settings always builds")
}

/// GET `url` and read the whole body; returns its length, or why not in a few words (`too
/// many open files`).
pub async fn async_get(client: &reqwest::Client, url: &str) -> Result<usize, String> {
    let response = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| cause(&e))?;
    let body = response.bytes().await.map_err(|e| cause(&e))?;
    Ok(body.len())
}

/// Check that a URL is one we can fetch: http or https, with a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    match parsed.scheme() {
        "http" | "https" => {}
        other => return Err(format!("scheme '{other}' is not http or https")),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    Ok(())
}
