//! `rinnova bench …`: performance measured by benchmarks, never by timed tests.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Certificates issued per second vs raw ECDSA signatures per second.
    Issue {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Issue { .. } => anyhow::bail!("not yet"),
    }
}
