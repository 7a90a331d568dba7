//! `bench issue`: certificates built, signed and committed per second.

use super::*;

pub(crate) fn subject(i: usize) -> anyhow::Result<HolderSubject> {
    Ok(HolderSubject {
        given_name: "Mario".into(),
        surname: "Rossi".into(),
        codice_fiscale: CodiceFiscale::parse("RSSMRA85T10A562S")?,
        iut: format!("WSREF-{i:08}"),
        title: None,
        organization: None,
    })
}

/// Raw signatures of the same kind as the CA's: in software, or by a key in the same token.
enum RawSigner {
    Software(EcdsaKeyPair, SystemRandom),
    Token(rinnova_ca::ca_key::TokenKey),
}

impl RawSigner {
    fn sign(&self, message: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::Software(pair, rng) => {
                pair.sign(rng, message)
                    .map_err(|_| anyhow::anyhow!("sign"))?;
            }
            Self::Token(key) => {
                key.sign(message)?;
            }
        }
        Ok(())
    }
}

pub(crate) async fn issue(seconds: f64, keys: BenchKeys) -> anyhow::Result<Value> {
    let dir = tempfile_dir()?;
    let store = Store::open_sqlite_dir(&dir).await?;
    store.migrate().await?;
    let now = SystemClock.now();
    let config = CaConfig::demo("http://rinnova-bench.it");
    let (ca, raw) = match keys {
        BenchKeys::Software => {
            let material = Ca::init(&config, b"bench", KdfParams::default(), now)?;
            // Raw signatures with the same crypto library.
            let rng = SystemRandom::new();
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
                .map_err(|_| anyhow::anyhow!("keygen"))?;
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
                .map_err(|_| anyhow::anyhow!("key"))?;
            (
                Ca::open(material, b"bench")?,
                RawSigner::Software(pair, rng),
            )
        }
        BenchKeys::Pkcs11 => {
            let (service, root) = bench_tokens()?;
            let material = Ca::init_in_tokens(&config, &root, &service, now)?;
            // Raw signatures by another P-256 key of the same token.
            let raw = service.generate_ca_key("rinnova-bench-raw", config.algorithm)?;
            (
                Ca::open_in_token(material, &service)?,
                RawSigner::Token(raw),
            )
        }
    };
    let ca = Arc::new(ca);
    let device = SoftwareDevice {
        kdf: KdfParams::insecure_for_tests(),
    };
    let key = device.create_key(&Pin::parse("12345678")?)?;
    let mut tx = store.begin().await?;
    repo::holders::insert(
        &mut tx,
        &HolderRecord {
            id: "h".into(),
            user_id: "BENCH000001".into(),
            password_hash: "-".into(),
            given_name: "Mario".into(),
            surname: "Rossi".into(),
            codice_fiscale: "RSSMRA85T10A562S".into(),
            iut: "WSREF-0".into(),
            email: "m@example.it".into(),
            mobile: "+393330000000".into(),
            residence: "-".into(),
            role_title: None,
            organisation_id: None,
            lang: "it".into(),
            created_at: now.as_second(),
            payment_mode: None,
            organisation_name: None,
            tokens: 0,
        },
    )
    .await?;
    repo::holders::insert_credential(
        &mut tx,
        &CredentialRecord {
            id: "c".into(),
            holder_id: "h".into(),
            public_key: key.public_key.raw.clone(),
            sealed_private: key.sealed_private.clone(),
            failed_pins: 0,
            blocked_at: None,
            retired_at: None,
            created_at: now.as_second(),
        },
    )
    .await?;
    tx.commit().await?;

    let budget = Duration::from_secs_f64(seconds);
    let sample = ca.issue_qualified(
        &subject(0)?,
        CertificateKind::RemoteSignature,
        &key.public_key,
        now,
    )?;
    // Raw signatures over a message the size of a certificate.
    let message = vec![0x5a; sample.der.len()];

    // One transaction per certificate: what a lone activation pays for its commit.
    let start = Instant::now();
    let mut one_by_one = 0usize;
    while start.elapsed() < budget / 4 {
        let cert = ca.issue_qualified(
            &subject(one_by_one)?,
            CertificateKind::RemoteSignature,
            &key.public_key,
            now,
        )?;
        let mut tx = store.begin().await?;
        repo::certificates::insert(&mut tx, &record(format!("one-{one_by_one}"), cert, now))
            .await?;
        tx.commit().await?;
        one_by_one += 1;
    }
    let one_tx_per_cert_per_s = one_by_one as f64 / start.elapsed().as_secs_f64();

    // The machine's speed drifts (shared virtual cores): the three measurements take turns in
    // short rounds, so each sees the same conditions.
    const ROUNDS: u32 = 3;
    let slice = budget / ROUNDS;
    let (mut built, mut built_s) = (0usize, 0f64);
    let (mut issued, mut issued_s, mut commits) = (0usize, 0f64, 0usize);
    let (mut signed, mut signed_s) = (0usize, 0f64);
    for round in 0..ROUNDS {
        // Built and signed only, to show what persistence costs.
        let start = Instant::now();
        while start.elapsed() < slice {
            ca.issue_qualified(
                &subject(built)?,
                CertificateKind::RemoteSignature,
                &key.public_key,
                now,
            )?;
            built += 1;
        }
        built_s += start.elapsed().as_secs_f64();

        let (n, c, s) = issue_and_persist(&ca, &key.public_key, &store, slice, round, now).await?;
        issued += n;
        commits += c;
        issued_s += s;

        let start = Instant::now();
        while start.elapsed() < slice {
            raw.sign(&message)?;
            signed += 1;
        }
        signed_s += start.elapsed().as_secs_f64();
    }
    let stored = repo::certificates::count(&mut *store.conn().await?).await?;
    anyhow::ensure!(
        usize::try_from(stored)? == issued + one_by_one,
        "{} certificates counted but {stored} stored",
        issued + one_by_one
    );
    let built_signed_per_s = built as f64 / built_s;
    let issued_per_s = issued as f64 / issued_s;
    let raw_sign_per_s = signed as f64 / signed_s;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "certificates_issued": issued,
        "issued_per_s": round(issued_per_s),
        "raw_sign_per_s": round(raw_sign_per_s),
        "ratio": round(issued_per_s / raw_sign_per_s),
        "commits": commits,
        "built_signed_per_s": round(built_signed_per_s),
        "built_signed_ratio": round(built_signed_per_s / raw_sign_per_s),
        "one_tx_per_cert_per_s": round(one_tx_per_cert_per_s),
        "keys": keys.as_str(),
        "algorithm": match keys {
            BenchKeys::Software => "ECDSA P-256 (aws-lc-rs); issuing and raw signing on one \
                thread each, in alternating rounds; SQLite WAL, group commit by a writer task",
            BenchKeys::Pkcs11 => "ECDSA P-256 in a SoftHSM2 token (PKCS#11 CKM_ECDSA), the CA's \
                key and the raw signer's both there; one thread each, alternating rounds; \
                SQLite WAL, group commit by a writer task",
        },
    }))
}

/// Issued = built, signed and committed. One thread builds and signs; the writer commits
/// whatever has queued up meanwhile in one transaction (group commit), so persistence overlaps
/// signing instead of following it. The clock stops when the last certificate is committed.
/// Returns (certificates, commits, seconds).
pub(crate) async fn issue_and_persist(
    ca: &Arc<Ca>,
    public_key: &rinnova_ca::device::HolderPublicKey,
    store: &Store,
    budget: Duration,
    round: u32,
    now: jiff::Timestamp,
) -> anyhow::Result<(usize, usize, f64)> {
    let (sender, mut queue) = tokio::sync::mpsc::channel::<CertificateRecord>(65536);
    let start = Instant::now();
    let signer = {
        let ca = Arc::clone(ca);
        let public_key = public_key.clone();
        std::thread::spawn(move || -> anyhow::Result<()> {
            let mut n = 0usize;
            while start.elapsed() < budget {
                let cert = ca.issue_qualified(
                    &subject(n)?,
                    CertificateKind::RemoteSignature,
                    &public_key,
                    now,
                )?;
                let id = format!("cert-{round}-{n}");
                if sender.blocking_send(record(id, cert, now)).is_err() {
                    anyhow::bail!("the writer stopped");
                }
                n += 1;
            }
            Ok(())
        })
    };
    let mut issued = 0usize;
    let mut commits = 0usize;
    let mut batch = Vec::with_capacity(16384);
    while queue.recv_many(&mut batch, 16384).await > 0 {
        let mut tx = store.begin().await?;
        repo::certificates::insert_many(&mut tx, &batch).await?;
        tx.commit().await?;
        issued += batch.len();
        commits += 1;
        batch.clear();
    }
    let seconds = start.elapsed().as_secs_f64();
    signer
        .join()
        .map_err(|_| anyhow::anyhow!("the signing thread panicked"))??;
    Ok((issued, commits, seconds))
}

pub(crate) fn record(
    id: String,
    cert: rinnova_ca::IssuedCertificate,
    now: jiff::Timestamp,
) -> CertificateRecord {
    CertificateRecord {
        id: id.into(),
        holder_id: "h".into(),
        credential_id: Some("c".into()),
        kind: "remote_signature".into(),
        serial_hex: cert.serial_hex,
        der: cert.der,
        not_before: cert.not_before.as_second(),
        not_after: cert.not_after.as_second(),
        status: "active".into(),
        superseded_by: None,
        status_changed_at: None,
        device_expires_at: None,
        renewals_on_device: 0,
        created_at: now.as_second(),
        distributor_id: None,
    }
}
