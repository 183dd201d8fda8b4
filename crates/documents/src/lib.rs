//! Documents carepanel makes from its own record. Today: iCalendar invitations for meetings and
//! presenters' slots (RFC 5545), in Europe/London time, and tables as CSV and XLSX.

pub mod ical;
pub mod sheet;
