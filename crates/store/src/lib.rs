//! carepanel storage: one schema on SQLite and PostgreSQL, migrations, repositories and the
//! audit chain.

pub mod audit;
pub mod backup;
pub mod chain;
pub mod db;
pub mod entity;
pub mod migration;
#[cfg(feature = "testing")]
pub mod testing;
