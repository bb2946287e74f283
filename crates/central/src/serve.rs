//! Serving the API over TLS: one task per connection, so a slow village link never holds up
//! another kiosk. Connections beyond `Limits::max_connections` are closed at once, handshakes,
//! headers and idle connections are timed (`limits.rs`), and abandoned uploads are swept.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::api::{AppState, router};
use crate::db::{self, Db};
use crate::keys::Keys;
use crate::limits::Limits;
use crate::sql::Location;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A server bound and ready: its address and the certificate fingerprint kiosks pin.
pub struct Bound {
    pub addr: SocketAddr,
    pub fingerprint: String,
    listener: TcpListener,
    state: AppState,
    tls: Arc<rustls::ServerConfig>,
}

pub async fn bind(data: &Path, listen: &str) -> Result<Bound> {
    bind_with(data, listen, Limits::default()).await
}

/// [`bind`] with resource limits other than the defaults.
pub async fn bind_with(data: &Path, listen: &str, limits: Limits) -> Result<Bound> {
    bind_at(&Location::folder(data), listen, limits).await
}

/// [`bind_with`] for a database that may be elsewhere (PostgreSQL, shared by nodes).
pub async fn bind_at(at: &Location, listen: &str, limits: Limits) -> Result<Bound> {
    let data = &at.data;
    crate::private::dir(data).with_context(|| format!("creating {}", data.display()))?;
    let keys = Keys::load_or_create(data)?;
    // On a blocking thread: the PostgreSQL client runs its own small runtime inside.
    let opening = at.clone();
    let conn = tokio::task::spawn_blocking(move || db::open(&opening))
        .await
        .context("opening the database")?
        .with_context(|| format!("opening the database {}", at.describe()))?;
    let fingerprint = keys.fingerprint()?;
    let blobs = crate::blobs::open(at).context("opening the attachment store")?;
    let ready = blobs.clone();
    tokio::task::spawn_blocking(move || ready.ready())
        .await
        .context("checking the attachment store")?
        .with_context(|| format!("the attachment store {}", blobs.describe()))?;
    let state = AppState::new(
        Db::start(at, conn).context("starting the database threads")?,
        at.clone(),
        blobs,
        fingerprint.clone(),
        keys.catalog_public.clone(),
        onevisit_sync::auth::b64(
            onevisit_sync::export::x25519::PublicKey::from(&keys.export).as_bytes(),
        ),
        now_ms,
        limits,
    )
    .with_spki_pins(keys.spki_pins()?);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    Ok(Bound {
        addr: listener.local_addr()?,
        fingerprint,
        listener,
        state,
        tls: keys.tls_config()?,
    })
}

impl Bound {
    /// Serves until `shutdown` resolves.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>) {
        let acceptor = TlsAcceptor::from(self.tls);
        let limits = self.state.0.limits.clone();
        let sweeper = tokio::spawn(crate::api::sweep_loop(self.state.clone()));
        let web = crate::web::WebState::new(
            self.state.0.at.clone(),
            self.state.0.blobs.clone(),
            self.state.0.now,
        );
        let app = router(self.state).merge(crate::web::router(web));
        let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
        let mut refused: u64 = 0;
        tokio::pin!(shutdown);
        loop {
            let (tcp, peer) = tokio::select! {
                _ = &mut shutdown => break,
                r = self.listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!("accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // Over the cap, the connection is closed before the handshake costs anything; the
            // kiosk's backoff spreads the retries.
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                refused += 1;
                if refused.is_power_of_two() {
                    tracing::warn!(
                        refused,
                        max = limits.max_connections,
                        "connection limit reached: closing new connections"
                    );
                }
                drop(tcp);
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let svc = TowerToHyperService::new(crate::api::with_peer(app.clone(), peer));
            let (handshake, idle) = (limits.handshake_timeout, limits.idle_timeout);
            tokio::spawn(async move {
                let _slot = slot;
                let tls = match tokio::time::timeout(handshake, acceptor.accept(tcp)).await {
                    Ok(Ok(t)) => t,
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, "TLS handshake failed: {e}");
                        return;
                    }
                    Err(_) => return,
                };
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    // Also closes a kept-alive connection idle this long: hyper starts the
                    // timer as soon as it waits for the next request's head.
                    .header_read_timeout(idle)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(tls), svc);
                if let Err(e) = conn.await {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
            });
        }
        sweeper.abort();
    }
}

/// A server on its own thread and runtime (for tests, benchmarks and the kiosk's own tests):
/// dropping the handle stops it.
pub struct Running {
    pub addr: SocketAddr,
    pub fingerprint: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn spawn(data: &Path, listen: &str) -> Result<Running> {
    spawn_with(data, listen, Limits::default())
}

/// [`spawn`] with resource limits other than the defaults.
pub fn spawn_with(data: &Path, listen: &str, limits: Limits) -> Result<Running> {
    spawn_at(&Location::folder(data), listen, limits)
}

/// [`spawn_with`] for a database that may be elsewhere.
pub fn spawn_at(at: &Location, listen: &str, limits: Limits) -> Result<Running> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bound = rt.block_on(bind_at(at, listen, limits))?;
    let (addr, fingerprint) = (bound.addr, bound.fingerprint.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("central".into())
        .spawn(move || {
            rt.block_on(bound.serve(async {
                let _ = rx.await;
            }));
            rt.shutdown_timeout(Duration::from_secs(1));
        })?;
    Ok(Running {
        addr,
        fingerprint,
        stop: Some(tx),
        thread: Some(thread),
    })
}
