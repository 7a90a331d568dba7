//! `bench portal`: the portal's latency with many holders browsing, and the server's memory.

use super::*;

/// Portal home-page latency with `sessions` logged-in holders browsing at once, and the
/// server's memory: a `rinnova serve` process on a fresh database.
pub(crate) async fn portal(
    sessions: usize,
    seconds: f64,
    think_ms: u64,
    database: Option<&str>,
) -> anyhow::Result<Value> {
    let db = BenchDb::new(database).await?;
    let config = AppConfig {
        demo: true,
        ..AppConfig::default()
    };
    let app = db.app(&config, BenchKeys::Software).await?;
    let users = app.seed_bench_holders(sessions).await?;
    drop(app);
    let server = Instance::start(&db, None, BenchKeys::Software)?;
    // Idle: started, nothing asked yet.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_idle_mb, _) = server.rss_mb();

    // Each holder logs in through the portal's form and keeps its session cookie.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut cookies = Vec::with_capacity(users.len());
    for chunk in users.chunks(8) {
        let logins = chunk.iter().map(|u| {
            let (http, base) = (http.clone(), server.base.clone());
            let u = u.clone();
            async move {
                let resp = http
                    .post(format!("{base}/login"))
                    .form(&[
                        ("user_id", u.as_str()),
                        ("password", rinnova_app::demo::DEMO_PASSWORD),
                    ])
                    .send()
                    .await?;
                resp.headers()
                    .get_all(reqwest::header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|c| c.starts_with("rnv_session="))
                    .and_then(|c| c.split(';').next())
                    .map(str::to_owned)
                    .context("no session cookie")
            }
        });
        for c in futures_join(logins).await {
            cookies.push(c?);
        }
    }

    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    let n = cookies.len().max(1) as u64;
    for (i, cookie) in cookies.into_iter().enumerate() {
        let (http, base) = (http.clone(), server.base.clone());
        let think = Duration::from_millis(think_ms);
        // Sessions start spread over one pause, not all in the same instant.
        let offset = Duration::from_millis(think_ms * i as u64 / n);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            tokio::time::sleep(offset).await;
            while start.elapsed() < budget {
                let t = Instant::now();
                let resp = http
                    .get(format!("{base}/"))
                    .header(reqwest::header::COOKIE, &cookie)
                    .send()
                    .await?;
                anyhow::ensure!(resp.status().is_success(), "home page: {}", resp.status());
                let body = resp.text().await?;
                anyhow::ensure!(body.contains("Bench"), "not the holder's home page");
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                tokio::time::sleep(think).await;
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (rss_now_mb, rss_peak_mb) = server.rss_mb();
    drop(server);
    let backend = db.backend();
    db.close().await;
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    Ok(json!({
        "sessions": sessions,
        "think_ms": think_ms,
        "requests": all.len(),
        "seconds": round(elapsed),
        "requests_per_s": round(all.len() as f64 / elapsed),
        "p50_ms": round3(pct(0.50)),
        "p99_ms": round3(pct(0.99)),
        "max_ms": round3(pct(1.0)),
        "rss_idle_mb": round(rss_idle_mb),
        "rss_after_mb": round(rss_now_mb),
        "rss_peak_mb": round(rss_peak_mb),
        "cores": cores(),
        "database": backend,
    }))
}
