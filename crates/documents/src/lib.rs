//! Documents carepanel makes from its own record: iCalendar invitations for meetings and
//! presenters' slots (RFC 5545), in Europe/London time; tables as CSV and XLSX; and PDFs of the
//! panel pack, decision sheets and minutes.

pub mod ical;
pub mod pdf;
pub mod sheet;
