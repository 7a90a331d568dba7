//! `rinnova ca`: the certification authority's keys, certificates and revocations.

use super::open_app;
use crate::config::Config;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use rinnova_ca::revocation::Reason;

#[derive(Subcommand)]
pub enum Command {
    /// The key ceremony: create the root and issuing CA and the delegates' keys (OCSP
    /// responder, audit seal) — in the tokens with keys.backend = "pkcs11", else sealed with
    /// the configured passphrase.
    Init {
        /// Public base URL written in certificates (CRL, OCSP, CA issuers, PDS).
        #[arg(long)]
        public_url: Option<String>,
        /// The CA keys' algorithm (default ecdsa-p256).
        #[arg(long, value_enum)]
        algorithm: Option<AlgorithmArg>,
    },
    /// Print the root and issuing CA certificates (PEM).
    Show {
        /// Also every certificate issued to the delegates (OCSP responder, audit seal), newest
        /// first.
        #[arg(long)]
        delegates: bool,
    },
    /// The root signs its CRL (the authority revocation list, served at /ca/root-crl.der),
    /// revoking a subordinate CA first if asked. Opens the root: its token
    /// (keys.root_token_label, keys.root_user_pin) or, for a CA sealed in software, the CA
    /// passphrase. Run at least once a year, and at once when a subordinate is compromised.
    RootCrl {
        /// A subordinate CA certificate to revoke (serial in hex, colons allowed).
        #[arg(long)]
        revoke: Option<String>,
        /// Why (RFC 5280 CRLReason; for a compromised CA key: ca-compromise).
        #[arg(long, value_enum, default_value_t = ReasonArg::Unspecified, requires = "revoke")]
        reason: ReasonArg,
        /// Days until its next update (1 to 366).
        #[arg(long, default_value_t = rinnova_app::root::ROOT_CRL_DAYS)]
        days: i64,
        /// Also write the CRL (DER) to this file.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// The root certifies a subordinate CA from its PKCS#10 request (PEM or DER): path length
    /// 0, keyCertSign and cRLSign, the root CRL's distribution point. Prints the certificate
    /// (PEM). Opens the root as `root-crl` does.
    IssueSubordinate {
        /// The certificate signing request.
        #[arg(long)]
        csr: std::path::PathBuf,
        /// Years of validity (1 to 10; never beyond the root's end).
        #[arg(long, default_value_t = 5)]
        years: i64,
    },
    /// Revoke a certificate: OCSP answers "revoked" at once, the next CRL lists it.
    Revoke {
        /// Serial number in hex (colons allowed).
        serial: String,
        /// Why (RFC 5280 CRLReason).
        #[arg(long, value_enum, default_value_t = ReasonArg::Unspecified)]
        reason: ReasonArg,
    },
}

/// The CA keys' algorithm.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgorithmArg {
    EcdsaP256,
    #[value(alias = "rsa-3072")]
    Rsa3072,
}

/// A revocation reason (RFC 5280 CRLReason).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReasonArg {
    Unspecified,
    #[value(alias = "key_compromise")]
    KeyCompromise,
    #[value(alias = "ca_compromise")]
    CaCompromise,
    #[value(alias = "affiliation_changed")]
    AffiliationChanged,
    Superseded,
    #[value(alias = "cessation_of_operation")]
    CessationOfOperation,
    #[value(alias = "certificate_hold")]
    CertificateHold,
    #[value(alias = "privilege_withdrawn")]
    PrivilegeWithdrawn,
}

impl From<ReasonArg> for Reason {
    fn from(r: ReasonArg) -> Self {
        match r {
            ReasonArg::Unspecified => Reason::Unspecified,
            ReasonArg::KeyCompromise => Reason::KeyCompromise,
            ReasonArg::CaCompromise => Reason::CaCompromise,
            ReasonArg::AffiliationChanged => Reason::AffiliationChanged,
            ReasonArg::Superseded => Reason::Superseded,
            ReasonArg::CessationOfOperation => Reason::CessationOfOperation,
            ReasonArg::CertificateHold => Reason::CertificateHold,
            ReasonArg::PrivilegeWithdrawn => Reason::PrivilegeWithdrawn,
        }
    }
}

pub async fn run(mut cfg: Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init {
            public_url,
            algorithm,
        } => {
            if let Some(u) = public_url {
                cfg.public_url = Some(u);
            }
            if let Some(a) = algorithm {
                cfg.ca.algorithm = match a {
                    AlgorithmArg::EcdsaP256 => rinnova_ca::CaAlgorithm::EcdsaP256,
                    AlgorithmArg::Rsa3072 => rinnova_ca::CaAlgorithm::Rsa3072,
                };
            }
            let store = crate::server::open_store(&cfg).await?;
            let created = crate::server::init_ca(&store, &cfg, false).await?;
            println!(
                "{}",
                if created {
                    "CA created"
                } else {
                    "the CA already exists: nothing changed"
                }
            );
        }
        Command::Show { delegates } => {
            // Public certificates: no key is opened, no secret needed (issue 20).
            let store = crate::server::open_store(&cfg).await?;
            let material = rinnova_app::ca_service::material(&store).await?;
            print!(
                "{}{}",
                rinnova_ca::authority::pem("CERTIFICATE", &material.root_cert_der),
                rinnova_ca::authority::pem("CERTIFICATE", &material.issuing_cert_der)
            );
            if delegates {
                let mut c = store.conn().await?;
                for d in rinnova_store::repo::ca::delegate_certs(&mut c).await? {
                    print!("{}", rinnova_ca::authority::pem("CERTIFICATE", &d.der));
                }
            }
        }
        Command::RootCrl {
            revoke,
            reason,
            days,
            out,
        } => {
            let store = crate::server::open_store(&cfg).await?;
            let root = open_root(&cfg, &store).await?;
            let crl = rinnova_app::root::root_crl(
                &store,
                &root,
                revoke.as_deref().map(|s| (s, Reason::from(reason))),
                days,
                &super::operator(),
                super::now(),
            )
            .await?;
            if let Some(out) = out {
                std::fs::write(&out, &crl.der)
                    .with_context(|| format!("writing {}", out.display()))?;
            }
            if let Some(serial) = &revoke {
                println!(
                    "subordinate {serial} revoked ({})",
                    Reason::from(reason).as_str()
                );
            }
            println!(
                "root CRL number {} issued, next update {}",
                crl.number,
                jiff::Timestamp::from_second(crl.next_update)?
            );
        }
        Command::IssueSubordinate { csr, years } => {
            let bytes =
                std::fs::read(&csr).with_context(|| format!("reading {}", csr.display()))?;
            let der = match ::pem::parse(&bytes) {
                Ok(p)
                    if p.tag() == "CERTIFICATE REQUEST" || p.tag() == "NEW CERTIFICATE REQUEST" =>
                {
                    p.into_contents()
                }
                Ok(p) => anyhow::bail!(
                    "{} holds a {}, not a certificate request",
                    csr.display(),
                    p.tag()
                ),
                Err(_) => bytes,
            };
            let store = crate::server::open_store(&cfg).await?;
            let root = open_root(&cfg, &store).await?;
            let issued = rinnova_app::root::issue_subordinate(
                &store,
                &root,
                der,
                years,
                &super::operator(),
                super::now(),
            )
            .await?;
            eprintln!(
                "subordinate CA certificate {} issued, valid until {}",
                issued.serial_hex, issued.not_after
            );
            print!("{}", rinnova_ca::authority::pem("CERTIFICATE", &issued.der));
        }
        Command::Revoke { serial, reason } => {
            let reason = Reason::from(reason);
            let app = open_app(cfg).await?;
            let op = super::operator();
            match app.revoke(&serial, reason, &op.actor, &op.ctx).await {
                Ok(()) => println!("revoked {serial} ({})", reason.as_str()),
                Err(rinnova_app::AppError::NotFound) => {
                    anyhow::bail!("no certificate {serial} that is not revoked already")
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Opens the root CA: in its token when the CA's keys are in tokens, else with the passphrase.
async fn open_root(
    cfg: &Config,
    store: &rinnova_store::Store,
) -> anyhow::Result<std::sync::Arc<rinnova_ca::root::RootCa>> {
    use rinnova_app::root::RootKeys;
    let material = rinnova_app::ca_service::material(store).await?;
    let keys = match material.keys {
        rinnova_ca::CaKeyLocation::Tokens { .. } => RootKeys::Token(std::sync::Arc::new(
            rinnova_ca::Hsm::open(&cfg.keys.root_hsm()?)
                .context("opening the root's token (keys.root_token_label, keys.root_user_pin)")?,
        )),
        rinnova_ca::CaKeyLocation::Sealed => RootKeys::Passphrase(cfg.passphrase(false)?),
    };
    Ok(rinnova_app::root::open_root(store, keys).await?)
}
