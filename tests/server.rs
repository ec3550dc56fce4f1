//! The loopback server must never be the bottleneck of a lesson.

use runwait::workload::server::{Server, ServerConfig};
use std::time::{Duration, Instant};

#[test]
fn a_thousand_concurrent_requests_at_100_ms_finish_well_under_a_second() {
    let server = Server::start(ServerConfig {
        port: 0,
        latency_ms: 100,
        jitter_ms: 0,
        seed: 0,
        concurrency: None,
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let urls: Vec<String> = (0..1000).map(|i| server.url(&format!("t/{i}"))).collect();
    let started = Instant::now();
    let answered = runtime.block_on(async {
        let client = runwait::workload::http::async_client(Duration::from_secs(10));
        let mut set = tokio::task::JoinSet::new();
        for url in urls {
            let client = client.clone();
            set.spawn(async move { runwait::workload::http::async_get(&client, &url).await });
        }
        let mut ok = 0;
        while let Some(done) = set.join_next().await {
            ok += usize::from(done.unwrap().is_ok());
        }
        ok
    });
    let took = started.elapsed();
    assert_eq!(answered, 1000);
    assert_eq!(server.served(), 1000);
    assert!(
        took < Duration::from_millis(900),
        "1,000 requests took {took:?}"
    );
    eprintln!("1,000 concurrent requests at 100 ms: {took:?}");
}

#[test]
fn jitter_spreads_the_answers() {
    let server = Server::start(ServerConfig {
        port: 0,
        latency_ms: 10,
        jitter_ms: 60,
        seed: 3,
        concurrency: None,
    })
    .unwrap();
    let client = runwait::workload::http::Blocking::new(Duration::from_secs(5));
    let times: Vec<Duration> = (0..8)
        .map(|i| {
            let t = Instant::now();
            client.get(&server.url(&format!("t/{i}"))).unwrap();
            t.elapsed()
        })
        .collect();
    assert!(times.iter().all(|t| *t >= Duration::from_millis(10)));
    let (min, max) = (times.iter().min().unwrap(), times.iter().max().unwrap());
    assert!(*max - *min > Duration::from_millis(10), "{times:?}");
}

#[test]
fn a_server_with_a_capacity_queues_the_rest() {
    let server = Server::start(ServerConfig {
        port: 0,
        latency_ms: 50,
        jitter_ms: 0,
        seed: 0,
        concurrency: Some(2),
    })
    .unwrap();
    let started = Instant::now();
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let url = server.url(&format!("t/{i}"));
            std::thread::spawn(move || {
                runwait::workload::http::Blocking::new(Duration::from_secs(5))
                    .get(&url)
                    .unwrap()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Six requests, two at a time, 50 ms each: three rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(145),
        "{:?}",
        started.elapsed()
    );
}
