//! The audit trail (SPEC X2): append-only and hash-chained. Each row stores the hash of the row
//! before it and its own hash over that, its seq and its fields ([`row_hash`]); the head row
//! (last seq and hash) is locked by every append and follows the appended row (a trigger) in
//! the same transaction, which serialises appenders, so the chain is linear. On PostgreSQL an
//! append is one statement (the database hashes the link); on SQLite, two.
//! Editing, deleting or inserting a row behind the application's back breaks the chain at that
//! row; seals (the head signed with the CA's key, see `rinnova-app`) pin it against rewriting
//! the whole tail.

use crate::{AuditRecord, Conn, StoreError};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: [u8; 32] = [0; 32];

/// One entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAudit<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub detail: Option<String>,
}

/// The hash of a row's own fields (everything but its place in the chain): SHA-256 over a
/// domain tag and every field, length-prefixed (so no two different rows encode alike).
pub fn content_hash(a: &NewAudit<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"rinnova audit content v2\0");
    hash_fields(&mut h, a);
    h.finalize().into()
}

/// The domain tag of a row's chained hash.
const LINK_TAG: &[u8] = b"rinnova audit row v2\0";

/// The hash of a row: SHA-256 over a domain tag, the previous row's hash, the row's seq
/// (8 bytes, big-endian) and its [`content_hash`] — a formula PostgreSQL computes too
/// (`sha256`, `int8send`), so that there an append is one statement.
pub fn row_hash(prev: &[u8], seq: i64, a: &NewAudit<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(LINK_TAG);
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(content_hash(a));
    h.finalize().into()
}

/// The hash rows had before [`row_hash`] (rows appended by earlier versions keep it): one
/// SHA-256 over the tag, the previous hash, the seq and the fields.
pub fn row_hash_v1(prev: &[u8], seq: i64, a: &NewAudit<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"rinnova audit row v1\0");
    h.update(prev);
    h.update(seq.to_be_bytes());
    hash_fields(&mut h, a);
    h.finalize().into()
}

fn hash_fields(h: &mut Sha256, a: &NewAudit<'_>) {
    fn field(h: &mut Sha256, v: Option<&str>) {
        match v {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update(u64::try_from(s.len()).unwrap_or(u64::MAX).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.update(a.at.to_be_bytes());
    field(h, Some(a.actor));
    field(h, Some(a.action));
    field(h, a.subject);
    field(h, a.ip);
    field(h, a.request_id);
    field(h, a.detail.as_deref());
}

/// The chain's head: the last row's seq and hash.
pub async fn head(c: &mut Conn) -> Result<(i64, Vec<u8>), StoreError> {
    let h: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(c)
        .await?;
    Ok(h.unwrap_or((0, GENESIS.to_vec())))
}

/// Appends an entry, chained to the head.
pub async fn append(c: &mut Conn, a: &NewAudit<'_>) -> Result<(), StoreError> {
    if c.backend_name() == "PostgreSQL" && append_in_one(c, a).await? {
        return Ok(());
    }
    // Read the head under its row lock (PostgreSQL; SQLite's writer is already alone), in one
    // statement: the UPDATE locks, RETURNING reads.
    let h: Option<(i64, Vec<u8>)> =
        sqlx::query_as("UPDATE audit_head SET id = id WHERE id = 1 RETURNING seq, hash")
            .fetch_optional(&mut *c)
            .await?;
    let head_exists = h.is_some();
    let (last, prev) = h.unwrap_or((0, GENESIS.to_vec()));
    let seq = last + 1;
    let hash = row_hash(&prev, seq, a);
    sqlx::query(
        "INSERT INTO audit (seq, at, actor, action, subject, ip, request_id, detail, prev_hash, row_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(a.at)
    .bind(a.actor)
    .bind(a.action)
    .bind(a.subject)
    .bind(a.ip)
    .bind(a.request_id)
    .bind(&a.detail)
    .bind(&prev)
    .bind(hash.as_slice())
    .execute(&mut *c)
    .await?;
    // The head follows the row by trigger (migration 0018); only a missing head is set here.
    if head_exists {
        Ok(())
    } else {
        set_head(c, seq, &hash).await
    }
}

/// PostgreSQL: the row chained to the head (locked) and inserted in one statement, the link
/// hash computed by the database with [`row_hash`]'s formula. False if there is no head yet.
async fn append_in_one(c: &mut Conn, a: &NewAudit<'_>) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO audit (seq, at, actor, action, subject, ip, request_id, detail, prev_hash, row_hash) \
         SELECT h.seq + 1, $1, $2, $3, $4, $5, $6, $7, h.hash, \
                sha256($8 || h.hash || int8send(h.seq + 1) || $9) \
         FROM audit_head h WHERE h.id = 1 FOR UPDATE",
    )
    .bind(a.at)
    .bind(a.actor)
    .bind(a.action)
    .bind(a.subject)
    .bind(a.ip)
    .bind(a.request_id)
    .bind(&a.detail)
    .bind(LINK_TAG)
    .bind(content_hash(a).as_slice())
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn set_head(c: &mut Conn, seq: i64, hash: &[u8]) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET seq = $1, hash = $2",
    )
    .bind(seq)
    .bind(hash)
    .execute(c)
    .await?;
    Ok(())
}

/// Chains rows written before the chain existed (a database from before migration 0011), in
/// seq order, and sets the head. Run by `migrate` once, in the run that applies 0011 — never
/// again: a row without a hash in a chained trail was written behind the application's back,
/// and chaining it would make it look genuine (`verify_chain` names it instead).
pub async fn chain_unchained(c: &mut Conn) -> Result<usize, StoreError> {
    let rows: Vec<AuditRecord> =
        sqlx::query_as("SELECT * FROM audit WHERE row_hash IS NULL ORDER BY seq")
            .fetch_all(&mut *c)
            .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let (_, mut prev) = head(c).await?;
    let mut last = 0;
    for r in &rows {
        let hash = row_hash(&prev, r.seq, &r.as_new());
        sqlx::query("UPDATE audit SET prev_hash = $1, row_hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(hash.as_slice())
            .bind(r.seq)
            .execute(&mut *c)
            .await?;
        prev = hash.to_vec();
        last = r.seq;
    }
    set_head(c, last, &prev).await?;
    Ok(rows.len())
}

impl AuditRecord {
    /// The fields that are hashed.
    pub fn as_new(&self) -> NewAudit<'_> {
        NewAudit {
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            subject: self.subject.as_deref(),
            ip: self.ip.as_deref(),
            request_id: self.request_id.as_deref(),
            detail: self.detail.clone(),
        }
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row has no hash (or no link to the one before): it was written behind the
    /// application's back, which chains every row it writes.
    Unhashed { seq: i64 },
    /// The row's fields no longer give its stored hash: it was edited.
    Edited { seq: i64 },
    /// The row does not follow the one before it: a row was removed or inserted before it.
    Unlinked { seq: i64 },
    /// The head names a row that is not the last one: rows were removed from the end.
    Truncated { head_seq: i64, last_seq: i64 },
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub rows: u64,
    pub last_seq: i64,
    pub last_hash: Vec<u8>,
    pub first_break: Option<ChainBreak>,
}

/// Recomputes the chain from the first row, in pages, and names the first row that does not
/// match.
pub async fn verify_chain(c: &mut Conn) -> Result<ChainReport, StoreError> {
    const PAGE: i64 = 10_000;
    let mut prev = GENESIS.to_vec();
    let mut last_seq = 0;
    let mut rows = 0u64;
    let mut v2_seen = false;
    loop {
        let page: Vec<ChainedRow> = sqlx::query_as(
            "SELECT seq, at, actor, action, subject, ip, request_id, detail, prev_hash, row_hash \
             FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(last_seq)
        .bind(PAGE)
        .fetch_all(&mut *c)
        .await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            rows += 1;
            if r.prev_hash.is_none() || r.row_hash.is_none() {
                let seq = r.record.seq;
                return Ok(broken(rows, seq, prev, ChainBreak::Unhashed { seq }));
            }
            if r.prev_hash.as_deref() != Some(prev.as_slice()) {
                let seq = r.record.seq;
                return Ok(broken(rows, seq, prev, ChainBreak::Unlinked { seq }));
            }
            let fields = r.record.as_new();
            let stored = r.row_hash.as_deref();
            // Rows of earlier versions may carry v1 hashes, but none after the first v2 row.
            let hash = if Some(row_hash(&prev, r.record.seq, &fields).as_slice()) == stored {
                v2_seen = true;
                stored
            } else if !v2_seen
                && Some(row_hash_v1(&prev, r.record.seq, &fields).as_slice()) == stored
            {
                stored
            } else {
                None
            };
            let Some(hash) = hash else {
                let seq = r.record.seq;
                return Ok(broken(rows, seq, prev, ChainBreak::Edited { seq }));
            };
            prev = hash.to_vec();
            last_seq = r.record.seq;
        }
    }
    let (head_seq, head_hash) = head(c).await?;
    let first_break = (head_seq != last_seq || (rows > 0 && head_hash != prev))
        .then_some(ChainBreak::Truncated { head_seq, last_seq });
    Ok(ChainReport {
        rows,
        last_seq,
        last_hash: prev,
        first_break,
    })
}

fn broken(rows: u64, seq: i64, prev: Vec<u8>, b: ChainBreak) -> ChainReport {
    ChainReport {
        rows,
        last_seq: seq,
        last_hash: prev,
        first_break: Some(b),
    }
}

#[derive(sqlx::FromRow)]
struct ChainedRow {
    #[sqlx(flatten)]
    record: AuditRecord,
    prev_hash: Option<Vec<u8>>,
    row_hash: Option<Vec<u8>>,
}

/// A seal: the chain's hash at `seq`, signed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Seal {
    pub seq: i64,
    pub head_hash: Vec<u8>,
    pub sealed_at: i64,
    pub signature: Vec<u8>,
    /// The serial of the audit-seal delegate certificate whose key signed; none: the issuing
    /// CA's key (seals made before issue 20).
    pub signer_serial: Option<String>,
    /// The SHA-256 of the previous seal's signed message (all zeros for the first); none: a
    /// seal made before the seals were chained (issue 21).
    pub prev_seal: Option<Vec<u8>>,
    /// The time-stamp (TimeStampResp, DER) over the SHA-256 of the signed message; none: a
    /// seal made before seals were time-stamped (issue 21).
    pub timestamp_token: Option<Vec<u8>>,
}

/// Stores a seal (once per seq).
pub async fn insert_seal(c: &mut Conn, s: &Seal) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO audit_seals (seq, head_hash, sealed_at, signature, signer_serial, prev_seal, timestamp_token) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (seq) DO NOTHING",
    )
    .bind(s.seq)
    .bind(&s.head_hash)
    .bind(s.sealed_at)
    .bind(&s.signature)
    .bind(&s.signer_serial)
    .bind(&s.prev_seal)
    .bind(&s.timestamp_token)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The newest seal.
pub async fn last_seal(c: &mut Conn) -> Result<Option<Seal>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit_seals ORDER BY seq DESC LIMIT 1")
            .fetch_optional(c)
            .await?,
    )
}

/// Every seal, oldest first.
pub async fn seals(c: &mut Conn) -> Result<Vec<Seal>, StoreError> {
    Ok(sqlx::query_as("SELECT * FROM audit_seals ORDER BY seq")
        .fetch_all(c)
        .await?)
}

/// The stored hash of one row.
pub async fn hash_at(c: &mut Conn, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT row_hash FROM audit WHERE seq = $1")
            .bind(seq)
            .fetch_optional(c)
            .await?
            .flatten(),
    )
}

/// Entries about a subject (e.g. a renewal id), oldest first.
pub async fn about(c: &mut Conn, subject: &str) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit WHERE subject = $1 ORDER BY seq")
            .bind(subject)
            .fetch_all(c)
            .await?,
    )
}

/// Entries by actor, oldest first.
pub async fn by_actor(c: &mut Conn, actor: &str) -> Result<Vec<AuditRecord>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit WHERE actor = $1 ORDER BY seq")
            .bind(actor)
            .fetch_all(c)
            .await?,
    )
}
