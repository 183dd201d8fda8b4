//! carepanel's domain core: pure rules over plain data. No database, no HTTP, no clock:
//! time is passed in.

pub mod calendar;
pub mod money;
pub mod policy;

pub use money::Money;
