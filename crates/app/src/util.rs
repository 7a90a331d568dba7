//! Small helpers shared by the use cases.

use crate::AppError;
use base64::Engine;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// A new random identifier.
pub fn new_id<T: From<String>>() -> T {
    T::from(uuid::Uuid::new_v4().to_string())
}

/// Unix seconds of an instant.
pub fn secs(t: Timestamp) -> i64 {
    t.as_second()
}

/// The instant of stored Unix seconds.
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> Result<String, AppError> {
    let bytes: [u8; 32] = rinnova_ca::random_bytes()?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The CPU pool's size when set before its first use ([`set_cpu_threads`]); 0: one per core.
static CPU_THREADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Sizes the pool of [`blocking`] (`cpu_threads`: several instances on one machine share its
/// cores out). Takes effect only before the pool's first use.
pub fn set_cpu_threads(n: usize) {
    CPU_THREADS.store(n, std::sync::atomic::Ordering::Relaxed);
}

/// The CPU pool's niceness: 10 (0 is the default, 19 the lowest).
pub const CPU_POOL_NICE: i32 = 10;

/// Lowers the calling thread to [`CPU_POOL_NICE`]; logs and goes on where it cannot.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    // The crate maps 0..=99 onto nice 20..=-20; 22 is nice 10.
    let lowered = ThreadPriorityValue::try_from(22u8)
        .map_err(|e| e.to_string())
        .and_then(|v| {
            set_current_thread_priority(ThreadPriority::Crossplatform(v))
                .map_err(|e| format!("{e:?}"))
        });
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "the CPU pool keeps its priority");
    }
}

/// Runs CPU-heavy work (Argon2id, signatures, PDFs) off the async executor, on a pool of one
/// thread per core (or `cpu_threads`). Argon2id is memory-hard (19 MiB a derivation): more
/// derivations than cores only time-slice, each switch evicting the others' memory from the
/// caches, and fresh threads take fresh memory from the kernel each time (page faults,
/// zeroing); a fixed pool keeps its threads' memory warm and lets the surplus wait its turn.
/// Its threads run at nice 10: under load the request path — the async workers, the database's
/// threads, above all a request holding the write turn — preempts them instead of waiting for
/// a core, and the jobs still get a tenth of a contended core (`bench renew --keys pkcs11`:
/// cores busy 1.63 → 1.9, 51–54 → 59–65 renewals/s).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(
                match CPU_THREADS.load(std::sync::atomic::Ordering::Relaxed) {
                    0 => {
                        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
                    }
                    n => n,
                },
            )
            .thread_name(|i| format!("rinnova-cpu-{i}"))
            .start_handler(|_| lower_priority())
            // A panicking job drops its answer channel: the caller gets an error, the pool lives.
            .panic_handler(|_| tracing::error!("a CPU job panicked"))
            .build()
            .ok()
    });
    let Some(pool) = pool else {
        return tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| AppError::Internal(e.into()));
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    pool.spawn(move || {
        let _ = tx.send(f());
    });
    rx.await
        .map_err(|_| AppError::Internal("a CPU job failed".into()))
}

/// Argon2id PHC hash of a password.
pub fn hash_password(password: &str, p: rinnova_ca::KdfParams) -> Result<String, AppError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt_bytes: [u8; 16] = rinnova_ca::random_bytes()?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AppError::Internal(e.into()))?;
    let params = argon2::Params::new(p.m_cost, p.t_cost, p.p_cost, None)
        .map_err(|e| AppError::Internal(e.into()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    Ok(argon
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AppError::Internal(e.into()))?
        .to_string())
}

/// Checks a password against its PHC hash (parameters come from the hash).
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(phc)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates a directory (and its parents) that only this user can enter (0700), unless it
/// exists; data and audit exports hold what others must not read.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}
