//! The `child` table.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "child")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub council_id: String,
    pub case_system: String,
    pub case_system_id: String,
    pub name: String,
    pub date_of_birth: Date,
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub disability: Option<String>,
    pub legal_status: Option<String>,
    pub looked_after: bool,
    pub team_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
