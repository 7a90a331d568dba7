//! `rinnova ca`: the certification authority's keys, certificates and revocations.

use super::{open_app, whoami};
use crate::config::Config;
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
        Command::Revoke { serial, reason } => {
            let reason = Reason::from(reason);
            let app = open_app(cfg).await?;
            let actor = format!("admin:{}", whoami());
            match app
                .revoke(&serial, reason, &actor, &rinnova_app::Ctx::default())
                .await
            {
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
