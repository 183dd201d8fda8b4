//! The `meeting` table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "meeting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub council_id: String,
    pub panel_id: String,
    pub starts_at: String,
    pub meeting_date: Date,
    pub cutoff: String,
    pub status: String,
    pub units_used: i32,
    pub booked_minutes: i32,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub papers_circulated_at: Option<DateTimeUtc>,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
