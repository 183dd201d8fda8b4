//! carepanel's domain core: pure rules over plain data. No database, no HTTP, no clock:
//! time is passed in.

pub mod agenda;
pub mod authority;
pub mod calendar;
pub mod decision;
pub mod interim;
pub mod lifecycle;
pub mod members;
pub mod money;
pub mod policy;
pub mod policy_set;
pub mod readiness;
pub mod reference;
pub mod review;
pub mod schedule;
pub mod whatif;

pub use money::Money;
