//! `carepanel documents`: the panel pack, a decision sheet or the minutes as PDF, made by the
//! same use cases as the pages' downloads and checked against the named person's access.

use crate::context::Loaded;
use crate::data_cmd::DbArg;
use anyhow::{Context, Result};
use carepanel_documents::pdf;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct Who {
    #[command(flatten)]
    db: DbArg,
    /// The email of the person the document is made for; their access applies.
    #[arg(long = "as")]
    as_person: String,
    /// Where to write the PDF (default: a name made from the document, in this directory).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum Documents {
    /// The panel pack for a meeting: cover, agenda with slot times, each referral in full.
    Pack {
        /// The meeting's id (shown in its page address, /meetings/ID).
        #[arg(long)]
        meeting: String,
        #[command(flatten)]
        who: Who,
    },
    /// A decision sheet.
    Decision {
        /// The decision's id (shown in its page address, /decisions/ID).
        #[arg(long)]
        decision: String,
        #[command(flatten)]
        who: Who,
    },
    /// The minutes of a meeting: attendance, declarations, each item's decision and actions.
    Minutes {
        /// The meeting's id.
        #[arg(long)]
        meeting: String,
        #[command(flatten)]
        who: Who,
    },
}

pub fn run(loaded: Loaded, cmd: Documents) -> Result<ExitCode> {
    let who = match &cmd {
        Documents::Pack { who, .. }
        | Documents::Decision { who, .. }
        | Documents::Minutes { who, .. } => who,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let (app, actor) = crate::context::open_as(loaded, &who.db.url(), &who.as_person).await?;
        let refused = |e: carepanel_app::AppError| crate::bad(e.to_string());
        let (name, bytes) = match &cmd {
            Documents::Pack { meeting, .. } => {
                let doc = carepanel_web::documents::pack_doc(&app, &actor, meeting)
                    .await
                    .map_err(refused)?;
                let pdf = carepanel_web::documents::typeset(&app, doc, pdf::pack_pdf).await?;
                (format!("pack-{meeting}.pdf"), pdf)
            }
            Documents::Decision { decision, .. } => {
                let (doc, _) = carepanel_web::documents::decision_doc(&app, &actor, decision)
                    .await
                    .map_err(refused)?;
                let pdf = carepanel_web::documents::typeset(&app, doc, pdf::decision_pdf).await?;
                (format!("decision-{decision}.pdf"), pdf)
            }
            Documents::Minutes { meeting, .. } => {
                let doc = carepanel_web::documents::minutes_doc(&app, &actor, meeting)
                    .await
                    .map_err(refused)?;
                let pdf = carepanel_web::documents::typeset(&app, doc, pdf::minutes_pdf).await?;
                (format!("minutes-{meeting}.pdf"), pdf)
            }
        };
        let out = who.out.clone().unwrap_or_else(|| PathBuf::from(name));
        std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
        println!("wrote {} ({} bytes)", out.display(), bytes.len());
        Ok(ExitCode::SUCCESS)
    })
}
