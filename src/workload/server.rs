//! The embedded loopback HTTP server that stands in for the web: it answers every GET after a
//! set latency (plus seeded jitter), on its own multi-threaded tokio runtime so it is never the
//! bottleneck.

use crate::error::Error;
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// How the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// 0 picks a free port.
    pub port: u16,
    pub latency_ms: u64,
    /// Each answer waits up to this much longer, chosen from the seed and the request's path.
    pub jitter_ms: u64,
    pub seed: u64,
    /// Answer at most this many requests at a time, like a real site with a limited pool of
    /// workers (the others queue at the server); `None` for no limit.
    pub concurrency: Option<u32>,
}

/// The most requests one HTTP/2 connection carries at once: every task of a run.
const MAX_STREAMS: u32 = crate::trace::limits::MAX_TASKS;

/// The size of every answer: about a small web page.
const BODY_BYTES: usize = 2048;

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(config: ServerConfig) -> Result<Server, Error> {
        super::raise_fd_limit();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("runwait-server")
            .enable_all()
            .build()
            .map_err(|e| Error::Io {
                what: "cannot start the loopback server's runtime".into(),
                source: e,
            })?;
        let addr = SocketAddr::from(([127, 0, 0, 1], config.port));
        let listener = runtime
            .block_on(async { bind(addr) })
            .map_err(|source| Error::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Io {
            what: "cannot read the server's address".into(),
            source: e,
        })?;
        let served = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = oneshot::channel();
        let counter = served.clone();
        let thread = std::thread::Builder::new()
            .name("runwait-server".into())
            .spawn(move || {
                runtime.block_on(serve(listener, config, counter, stopped));
                runtime.shutdown_background();
            })
            .map_err(|e| Error::Io {
                what: "cannot start the loopback server".into(),
                source: e,
            })?;
        Ok(Server {
            addr,
            served,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The URL of one task's page.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests were answered.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A listener with a deep accept queue, so a thousand clients connecting at once all get in.
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

async fn serve(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    served: Arc<AtomicU64>,
    mut stopped: oneshot::Receiver<()>,
) {
    let limit = config
        .concurrency
        .map(|n| Arc::new(tokio::sync::Semaphore::new(n as usize)));
    // Connections past what the open-file limit allows wait in the listen queue, unaccepted.
    let open = Arc::new(tokio::sync::Semaphore::new(
        super::fd_budget().connections as usize,
    ));
    loop {
        let connection = tokio::select! {
            _ = &mut stopped => return,
            permit = open.clone().acquire_owned() => permit,
        };
        let Ok(connection) = connection else { return };
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: give the clients a moment to close some.
                    tracing::warn!("loopback server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (served, limit) = (served.clone(), limit.clone());
        tokio::spawn(async move {
            let _connection = connection;
            let service = service_fn(move |req| answer(req, config, served.clone(), limit.clone()));
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http2()
                .max_concurrent_streams(MAX_STREAMS)
                .initial_connection_window_size(super::http::WINDOW)
                .initial_stream_window_size(super::http::WINDOW);
            if let Err(e) = builder
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!("loopback server: connection ended: {e}");
            }
        });
    }
}

async fn answer(
    req: Request<hyper::body::Incoming>,
    config: ServerConfig,
    served: Arc<AtomicU64>,
    limit: Option<Arc<tokio::sync::Semaphore>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let _permit = match &limit {
        Some(limit) => limit.acquire().await.ok(),
        None => None,
    };
    let delay = config
        .latency_ms
        .saturating_add(jitter(config, req.uri().path()));
    tokio::time::sleep(Duration::from_millis(delay)).await;
    served.fetch_add(1, Ordering::Relaxed);
    Ok(Response::new(Full::new(Bytes::from_static(
        &[b'.'; BODY_BYTES],
    ))))
}

/// The extra delay for a path: the same for the same seed and path, whatever the arrival order.
fn jitter(config: ServerConfig, path: &str) -> u64 {
    if config.jitter_ms == 0 {
        return 0;
    }
    let mut h = config.seed ^ 0x9e37_79b9_7f4a_7c15;
    for b in path.bytes() {
        h = super::splitmix64(h ^ b as u64);
    }
    h % config.jitter_ms.saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_seeded_and_bounded() {
        let config = ServerConfig {
            port: 0,
            latency_ms: 100,
            jitter_ms: 50,
            seed: 7,
            concurrency: None,
        };
        let a: Vec<u64> = (0..100)
            .map(|i| jitter(config, &format!("/t/{i}")))
            .collect();
        let b: Vec<u64> = (0..100)
            .map(|i| jitter(config, &format!("/t/{i}")))
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|&j| j <= 50));
        assert!(a.iter().collect::<std::collections::HashSet<_>>().len() > 10);
        let other = ServerConfig { seed: 8, ..config };
        assert_ne!(
            a,
            (0..100)
                .map(|i| jitter(other, &format!("/t/{i}")))
                .collect::<Vec<_>>()
        );
    }
}
