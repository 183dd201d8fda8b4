//! Policy files: the model, loading with precise errors, and validation.

pub mod interval;
pub mod load;
pub mod model;
pub mod validate;

pub use interval::Interval;
pub use load::{PolicyError, parse_policy};
pub use model::*;
