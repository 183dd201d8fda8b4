//! The SQLite carepanel is built with. `.cargo/config.toml` compiles it with the query planner
//! stability guarantee; without it, every statement with a bound LIMIT (all of sea-orm's
//! `.one()` reads) was compiled again on each use (docs/PERFORMANCE.md, P1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use carepanel_store::testing::{Backend, TestDb};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

#[tokio::test]
async fn sqlite_is_built_with_the_query_planner_stability_guarantee() {
    let t = TestDb::new(Backend::Sqlite).await.unwrap();
    let options: Vec<String> =
        t.db.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect();
    assert!(
        options.iter().any(|o| o == "ENABLE_QPSG"),
        "SQLite was built without SQLITE_ENABLE_QPSG (is LIBSQLITE3_FLAGS from .cargo/config.toml \
         in effect?): {options:?}"
    );
}
