//! Serving HTTP/1.1 connections, with the limits a public server needs (issue 18 item 13:
//! ~20,000 idle or half-sent connections used up the file descriptors and `/healthz` went
//! unanswered for 90 s).
//!
//! - a request's head must arrive within `header_timeout`; hyper starts that clock whenever the
//!   connection waits for a request, so it is the idle keep-alive timeout as well: a connection
//!   that sends nothing is closed;
//! - at most `max` connections are open at once; the cap is kept below the process's file limit
//!   with descriptors in reserve for the database, the SMTP relay and the files the service
//!   opens, so the limit is never reached; connections beyond it wait in the listen backlog;
//! - accept errors (the limit reached all the same, by another cause) pause the loop instead of
//!   spinning.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Descriptors kept out of the connection cap: database pool, SMTP, files, the listener.
const RESERVE: u64 = 64;

/// The limits of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// The cap of open connections: the configured one (if any), below the file limit less the
/// reserve, at least 16.
pub fn connection_cap(configured: Option<usize>) -> usize {
    let by_files = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .map_or(usize::MAX, |n| {
            usize::try_from(n.saturating_sub(RESERVE)).unwrap_or(usize::MAX)
        });
    configured.unwrap_or(usize::MAX).min(by_files).max(16)
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    tracing::info!(
        max_connections = limits.max_connections,
        header_timeout_s = limits.header_timeout.as_secs(),
        "accepting connections"
    );
    loop {
        // A slot first: past the cap, connections wait in the backlog, not in descriptors.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS…: wait for descriptors to come back.
                    tracing::warn!(error = %e, "accept failed; pausing");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(
            move |mut req: axum::extract::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                req.map(axum::body::Body::new)
            },
        );
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %remote, "connection ended");
            }
            drop(permit);
        });
    }
    // Open requests finish (a bounded wait: a stalled client does not hold the shutdown).
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("connections still open after 30 s; stopping");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_file_limit() {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        let cap = connection_cap(None) as u64;
        assert!(cap + RESERVE <= limit.max(16 + RESERVE), "{cap} of {limit}");
        assert_eq!(
            connection_cap(Some(100)).min(100),
            connection_cap(Some(100))
        );
        assert_eq!(connection_cap(Some(1)), 16);
    }
}
