//! The `decision` table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub council_id: String,
    pub panel_id: String,
    pub agenda_item_id: String,
    pub referral_id: Option<String>,
    pub outcome: String,
    pub rationale: String,
    pub lines: String,
    pub conditions: String,
    pub return_date: Option<Date>,
    pub defer_to: Option<Date>,
    pub link: Option<String>,
    pub total_pence: i64,
    pub weekly_pence: i64,
    pub policy_version: String,
    pub decided_by: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
