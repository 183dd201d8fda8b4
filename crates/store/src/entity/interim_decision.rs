//! The `interim_decision` table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "interim_decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub council_id: String,
    pub panel_id: String,
    pub child_id: String,
    pub referral_id: Option<String>,
    pub situation: String,
    pub approver_id: String,
    pub approver_role: String,
    pub in_absence_of: Option<String>,
    pub absence_reason: Option<String>,
    pub amount_pence: Option<i64>,
    pub request: String,
    pub why_urgent: String,
    pub decided_at: DateTimeUtc,
    pub valid_until: String,
    pub ratification_meeting_id: String,
    pub status: String,
    pub policy_version: String,
    pub rule: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
