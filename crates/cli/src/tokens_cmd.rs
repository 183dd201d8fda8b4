//! `carepanel tokens`: API tokens made and revoked from the command line, for the person named,
//! through the same use cases as the API tokens page.

use crate::context::Loaded;
use crate::data_cmd::DbArg;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum Tokens {
    /// Makes a token and prints its secret (shown this once).
    Create {
        #[command(flatten)]
        db: DbArg,
        /// The email of the person the token acts for.
        #[arg(long = "as")]
        as_person: String,
        /// What will use it.
        #[arg(long)]
        name: String,
        /// A scope; repeat for more: referrals:read, referrals:write, meetings:read,
        /// decisions:read, interim:read, finance:read, or `all`.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// How many days it lives (1 to 365).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Lists the person's tokens.
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long = "as")]
        as_person: String,
    },
    /// Revokes one of the person's tokens.
    Revoke {
        #[command(flatten)]
        db: DbArg,
        #[arg(long = "as")]
        as_person: String,
        /// The token's id.
        #[arg(long)]
        id: String,
    },
}

pub fn run(loaded: Loaded, cmd: Tokens) -> Result<ExitCode> {
    let (db, email) = match &cmd {
        Tokens::Create { db, as_person, .. }
        | Tokens::List { db, as_person }
        | Tokens::Revoke { db, as_person, .. } => (db.url(), as_person.trim().to_lowercase()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let (app, actor) = crate::context::open_as(loaded, &db, &email).await?;
        let refused = |e: carepanel_app::AppError| crate::bad(e.to_string());
        match cmd {
            Tokens::Create {
                name, scopes, days, ..
            } => {
                let scopes: Vec<String> = if scopes.iter().any(|s| s == "all") {
                    carepanel_app::tokens::SCOPES
                        .iter()
                        .map(|(s, _)| s.to_string())
                        .collect()
                } else {
                    scopes
                };
                let t = app
                    .create_api_token(&actor, &name, &scopes, days)
                    .await
                    .map_err(refused)?;
                println!("{}", t.secret);
                eprintln!("token {} made for {email}: {}", t.id, scopes.join(" "));
            }
            Tokens::List { .. } => {
                for t in app.api_tokens(&actor).await.map_err(refused)? {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else if t.expires_at <= app.now() {
                        "expired"
                    } else {
                        "active"
                    };
                    println!(
                        "{}  {state:<7}  expires {}  {}  [{}]",
                        t.id,
                        t.expires_at.format("%Y-%m-%d"),
                        t.name,
                        t.scopes
                    );
                }
            }
            Tokens::Revoke { id, .. } => {
                app.revoke_api_token(&actor, &id).await.map_err(refused)?;
                println!("revoked {id}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
