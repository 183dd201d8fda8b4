//! The `commitment` table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "commitment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub council_id: String,
    pub panel_id: String,
    pub decision_id: String,
    pub category: String,
    pub description: String,
    pub weekly_pence: Option<i64>,
    pub one_off_pence: Option<i64>,
    pub total_pence: i64,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub cost_centre: Option<String>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
