//! The `referral` table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "referral")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub council_id: String,
    pub panel_id: String,
    pub part: Option<String>,
    pub category: String,
    pub child_id: String,
    pub team_id: Option<String>,
    pub author_id: String,
    pub form_id: Option<String>,
    pub answers: String,
    pub amount_pence: Option<i64>,
    pub children: i32,
    pub emergency: bool,
    pub ratification: bool,
    pub newly_looked_after: bool,
    pub state: String,
    pub state_detail: String,
    /// The roles that must sign, fixed when the referral is sent (JSON list).
    pub sign_off_chain: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub meeting_id: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
