//! The TCP listener `serve` runs on: at most `max_connections` connections at once (further
//! ones wait in the accept backlog), and a connection on which the client sends nothing for
//! `read_timeout` while the server waits for it (partial headers, a stalled body, an idle
//! keep-alive) is closed. axum's own server sets no read timeouts, so without this a client
//! holding sockets open with partial requests keeps them forever.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// A `TcpListener` with a connection cap and a read-inactivity timeout.
pub struct BoundedListener {
    inner: TcpListener,
    slots: Arc<Semaphore>,
    read_timeout: Duration,
}

impl BoundedListener {
    pub fn new(inner: TcpListener, max_connections: usize, read_timeout: Duration) -> Self {
        BoundedListener {
            inner,
            slots: Arc::new(Semaphore::new(max_connections.max(1))),
            read_timeout,
        }
    }
}

impl axum::serve::Listener for BoundedListener {
    type Io = TimedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // Waits for a free slot before accepting: over the cap, connections queue in the
        // kernel's backlog rather than being accepted and starved.
        let permit = loop {
            match self.slots.clone().acquire_owned().await {
                Ok(permit) => break permit,
                // The semaphore is never closed; stay correct if it were.
                Err(_) => tokio::task::yield_now().await,
            }
        };
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        let _ = stream.set_nodelay(true);
        (TimedStream::new(stream, self.read_timeout, permit), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection whose reads fail with `TimedOut` after `timeout` without data; holds its
/// connection slot until dropped.
pub struct TimedStream {
    inner: TcpStream,
    timeout: Duration,
    /// Armed while a read is pending; reset whenever data arrives.
    idle: Pin<Box<Sleep>>,
    waiting: bool,
    _slot: OwnedSemaphorePermit,
}

impl TimedStream {
    fn new(inner: TcpStream, timeout: Duration, slot: OwnedSemaphorePermit) -> Self {
        TimedStream {
            inner,
            timeout,
            idle: Box::pin(tokio::time::sleep(timeout)),
            waiting: false,
            _slot: slot,
        }
    }
}

impl AsyncRead for TimedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.waiting = false;
                Poll::Ready(r)
            }
            Poll::Pending => {
                if !this.waiting {
                    this.waiting = true;
                    let at = Instant::now() + this.timeout;
                    this.idle.as_mut().reset(at);
                }
                match this.idle.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "no data from the client within the read timeout",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for TimedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Limits over real sockets: read timeout, connection cap, an over-limit body, the clock.
#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn start(adjust: impl FnOnce(&mut Config)) -> crate::Running {
        let mut config = Config::for_tests();
        adjust(&mut config);
        crate::start(config).await.unwrap()
    }

    fn request(target: &str, body: &str) -> String {
        format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    /// Sends `raw` and reads the answer until the server closes the connection.
    async fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(raw).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn an_over_limit_body_sent_in_one_piece_gets_the_json_error() {
        let server = start(|c| c.max_body_bytes = 1024).await;
        let big = format!(
            "{{\"MaxResults\": 10, \"pad\": \"{}\"}}",
            "x".repeat(10_000_000)
        );
        let answer = exchange(
            server.addr,
            request("AWSCognitoIdentityProviderService.ListUserPools", &big).as_bytes(),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(answer.contains("InvalidParameterException"), "{answer}");
        assert!(
            answer.contains("larger than the limit of 1024 bytes"),
            "{answer}"
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn a_stalled_request_is_closed_after_the_read_timeout() {
        let server = start(|c| c.read_timeout_secs = 1).await;
        for partial in [
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_string(),
            request(
                "AWSCognitoIdentityProviderService.ListUserPools",
                "{\"MaxResults\": 10}",
            )
            .trim_end_matches("{\"MaxResults\": 10}")
            .to_string(),
        ] {
            let mut s = TcpStream::connect(server.addr).await.unwrap();
            s.write_all(partial.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            let closed = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
                .await
                .expect("closed within 5 s");
            // Closed (EOF or reset), with no answer to the half-sent request or a 408-style one.
            assert!(closed.is_err() || !String::from_utf8_lossy(&out).contains(" 200 "));
        }
        server.stop().await;
    }

    #[tokio::test]
    async fn connections_over_the_cap_wait_for_a_free_slot() {
        let server = start(|c| c.max_connections = 2).await;
        let idle1 = TcpStream::connect(server.addr).await.unwrap();
        let idle2 = TcpStream::connect(server.addr).await.unwrap();
        let raw = request(
            "AWSCognitoIdentityProviderService.ListUserPools",
            "{\"MaxResults\": 10}",
        );
        let third = tokio::spawn(exchange(server.addr, raw.into_bytes().leak()));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!third.is_finished(), "answered over the cap");
        drop(idle1);
        let answer = tokio::time::timeout(Duration::from_secs(5), third)
            .await
            .expect("answered once a slot is free")
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        drop(idle2);
        server.stop().await;
    }

    #[tokio::test]
    async fn the_dev_clock_moves_only_within_bounds() {
        let server = start(|_| {}).await;
        let post = |seconds: String| {
            let body = format!("{{\"seconds\": {seconds}}}");
            format!(
                "POST /_dev/clock/advance HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        for huge in [
            i64::MAX.to_string(),
            i64::MIN.to_string(),
            "4000000000".into(),
        ] {
            let answer = exchange(server.addr, post(huge).as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        }
        assert_eq!(server.state.clock.offset_secs(), 0);
        let answer = exchange(server.addr, post("3600".into()).as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("\"offset_seconds\":3600"), "{answer}");
        server.stop().await;
    }
}
