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
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .build();
        let connector = ureq::unversioned::transport::DefaultConnector::new();
        let agent = ureq::Agent::with_parts(config, connector, Lookup);
        Blocking { agent }
    }

    /// GET `url` and read the whole body; returns its length, or why not in a few words.
    pub fn get(&self, url: &str) -> Result<usize, String> {
        let mut response = self.agent.get(url).call().map_err(blocking_cause)?;
        let body = response.body_mut().read_to_vec().map_err(blocking_cause)?;
        Ok(body.len())
    }
}

/// Finds a request's address as ureq's own resolver does, but never panics: an IP address
/// (the loopback server's) is taken as it is, and a name is looked up on a thread started with
/// a way to fail (ureq's own panics when no thread can be started: `ulimit -u`).
#[derive(Debug)]
struct Lookup;

impl ureq::unversioned::resolver::Resolver for Lookup {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        use std::net::{IpAddr, SocketAddr};
        let default = ureq::unversioned::resolver::DefaultResolver::default();
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let (Some(host), Some(port)) = (uri.host(), port) else {
            return default.resolve(uri, config, timeout);
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let Ok(ip) = host.parse::<IpAddr>() else {
            return lookup_name(uri, config, timeout);
        };
        let mut found = self.empty();
        found.push(SocketAddr::new(ip, port));
        Ok(found)
    }
}

/// A name looked up by ureq's resolver on a thread of its own, started fallibly: no thread,
/// an I/O error (the limit it ran into named by the caller).
fn lookup_name(
    uri: &ureq::http::Uri,
    config: &ureq::config::Config,
    timeout: ureq::unversioned::transport::NextTimeout,
) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
    use ureq::unversioned::resolver::{DefaultResolver, Resolver};
    let (uri, config) = (uri.clone(), config.clone());
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("runwait-lookup".into())
        .spawn(move || {
            // No time limit here (it would start a thread of its own): the wait below has it.
            let untimed = ureq::unversioned::transport::NextTimeout::default();
            let _ = tx.send(DefaultResolver::default().resolve(&uri, &config, untimed));
        })
        .map_err(ureq::Error::Io)?;
    match rx.recv_timeout(*timeout.after) {
        Ok(found) => found,
        Err(_) => Err(ureq::Error::Timeout(timeout.reason)),
    }
}

/// ureq's I/O errors name no source: the I/O error is the cause.
fn blocking_cause(e: ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => cause(&io),
        e => cause(&e),
    }
}

/// The async client, for a tokio runtime.
pub fn async_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("a client without TLS settings always builds")
}

/// HTTP/2 flow-control windows, on both ends of the loopback connection: room for every
/// answer in flight without waiting for the reader to say it has read some.
pub const WINDOW: u32 = 64 << 20;

/// The event loop's way to the loopback server: one HTTP/2 connection, made on first use,
/// every request a stream on it (an event loop's requests to one host, multiplexed), so a
/// hundred thousand requests at once take one socket, not one each. Requests elsewhere go
/// through the general client. Cheap to clone: the clones share the connection.
#[derive(Clone)]
pub struct AsyncHttp {
    general: reqwest::Client,
    /// The loopback server's URL prefix (`http://127.0.0.1:PORT/`) and address.
    loopback: Option<(String, std::net::SocketAddr)>,
    connections: std::sync::Arc<[tokio::sync::OnceCell<Multiplexed>; CONNECTIONS]>,
    next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    timeout: Duration,
}

/// HTTP/2 connections to the loopback server: a few, so that its threads share the work.
const CONNECTIONS: usize = 2;

type Multiplexed = hyper::client::conn::http2::SendRequest<http_body_util::Empty<bytes::Bytes>>;

impl AsyncHttp {
    /// `loopback`: the loopback server's address, if there is one.
    pub fn new(timeout: Duration, loopback: Option<std::net::SocketAddr>) -> AsyncHttp {
        AsyncHttp {
            general: async_client(timeout),
            loopback: loopback.map(|addr| (format!("http://{addr}/"), addr)),
            connections: Default::default(),
            next: Default::default(),
            timeout,
        }
    }

    /// GET `url` and read the whole body; returns its length, or why not in a few words.
    pub async fn get(&self, url: &str) -> Result<usize, String> {
        match &self.loopback {
            Some((prefix, addr)) if url.starts_with(prefix.as_str()) => {
                let got = tokio::time::timeout(self.timeout, self.loopback_get(*addr, url));
                got.await.map_err(|_| "timed out".to_string())?
            }
            _ => async_get(&self.general, url).await,
        }
    }

    async fn loopback_get(&self, addr: std::net::SocketAddr, url: &str) -> Result<usize, String> {
        use http_body_util::BodyExt;
        let which = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % CONNECTIONS;
        let connection = self.connections[which]
            .get_or_try_init(|| multiplex(addr))
            .await?;
        let request = hyper::Request::get(url)
            .body(http_body_util::Empty::new())
            .map_err(|e| cause(&e))?;
        let response = connection
            .clone()
            .send_request(request)
            .await
            .map_err(|e| cause(&e))?;
        if !response.status().is_success() {
            return Err(format!("HTTP status {}", response.status()));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| cause(&e))?;
        Ok(body.to_bytes().len())
    }
}

/// One HTTP/2 connection to `addr`, driven by a task of its own.
async fn multiplex(addr: std::net::SocketAddr) -> Result<Multiplexed, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| cause(&e))?;
    let _ = stream.set_nodelay(true);
    let io = hyper_util::rt::TokioIo::new(stream);
    let (sender, connection) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .initial_connection_window_size(WINDOW)
            .initial_stream_window_size(WINDOW)
            .handshake(io)
            .await
            .map_err(|e| cause(&e))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("loopback connection ended: {e}");
        }
    });
    Ok(sender)
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
