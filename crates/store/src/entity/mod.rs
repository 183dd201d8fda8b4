//! One module per table: sea-orm entities over the migration's schema.

pub mod action;
pub mod agenda_item;
pub mod api_token;
pub mod attachment;
pub mod attendance;
pub mod audit_event;
pub mod child;
pub mod commitment;
pub mod council;
pub mod decision;
pub mod declaration;
pub mod interim_decision;
pub mod meeting;
pub mod member_note;
pub mod outbox;
pub mod person;
pub mod person_role;
pub mod referral;
pub mod referral_version;
pub mod review;
pub mod session;
pub mod sign_off;
pub mod sso_identity;
pub mod sso_login;
pub mod team;
