//! Loading what every command needs: the policies and the bank-holiday calendar.

use anyhow::{Context as _, Result, anyhow};
use carepanel_domain::calendar::{BankHolidays, WorkingCalendar};
use carepanel_domain::policy_set::PolicySet;
use std::path::PathBuf;

/// The England and Wales bank holidays shipped with carepanel (gov.uk format).
pub const BANK_HOLIDAYS: &str = include_str!("../../../data/bank-holidays.json");

pub struct Loaded {
    pub policies: PolicySet,
    pub calendar: WorkingCalendar,
}

pub fn load(policies: Option<PathBuf>, bank_holidays: Option<PathBuf>) -> Result<Loaded> {
    let files = crate::policy_files(policies)?;
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .map(|t| (f.display().to_string(), t))
                .with_context(|| format!("cannot read {}", f.display()))
        })
        .collect::<Result<_>>()?;
    let set = PolicySet::parse(texts.iter().map(|(n, t)| (n.as_str(), t.as_str()))).map_err(
        |errors| {
            anyhow!(
                "the policy files have problems (run `carepanel policy check`):\n{}",
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        },
    )?;
    let holidays_text = match bank_holidays {
        Some(path) => std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        None => BANK_HOLIDAYS.to_string(),
    };
    let holidays = BankHolidays::from_govuk_json(&holidays_text)?;
    Ok(Loaded {
        policies: set,
        calendar: WorkingCalendar::new(holidays),
    })
}

/// The application on `db_url`, acting as the person with `email`, for the commands that act
/// for someone (documents, tokens): the use cases then apply that person's access.
pub async fn open_as(
    loaded: Loaded,
    db_url: &str,
    email: &str,
) -> Result<(carepanel_app::App, carepanel_app::Actor)> {
    use carepanel_store::entity::person;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let conn = carepanel_store::db::connect(db_url, None).await?;
    let app = carepanel_app::App {
        db: conn,
        policies: std::sync::Arc::new(loaded.policies),
        calendar: std::sync::Arc::new(loaded.calendar),
        clock: std::sync::Arc::new(carepanel_app::SystemClock),
        reads: Default::default(),
    };
    let email = email.trim().to_lowercase();
    let person = person::Entity::find()
        .filter(person::Column::Email.eq(email.clone()))
        .one(&app.db)
        .await?
        .ok_or_else(|| crate::bad(format!("--as: no account has the email {email}")))?;
    let actor = app.actor(&person.id).await?;
    Ok((app, actor))
}
