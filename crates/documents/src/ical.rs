//! iCalendar (RFC 5545) invitations: a meeting for its members, or a presenter's slot, sent as
//! METHOD:REQUEST and withdrawn as METHOD:CANCEL with the same UID and a higher SEQUENCE. Times
//! are London wall-clock times with the Europe/London time zone defined in the file, so
//! calendars place them right across the change to and from British Summer Time.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Whether the calendar asks attendees to accept, or withdraws an earlier invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// Someone on an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// One event of an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable across updates and the cancellation: `meeting-<id>@carepanel`.
    pub uid: String,
    /// Raised with every change, so a calendar takes the newest version.
    pub sequence: i64,
    /// London wall-clock times.
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub organizer: Option<Person>,
    pub attendees: Vec<Person>,
}

const ZONE: &str = "Europe/London";

/// The Europe/London time zone as RFC 5545 rules: BST from 01:00 UTC on the last Sunday in March
/// to 01:00 UTC (02:00 BST) on the last Sunday in October, since 1996.
const VTIMEZONE: [&str; 17] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            // Other control characters are not allowed in TEXT.
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (a person's name): quoted, with the characters a quoted value cannot
/// hold left out (RFC 5545 3.1, RFC 6868 is not assumed of every reader).
fn param(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    format!("\"{clean}\"")
}

/// Folds a content line at 75 octets, never inside a character, ending each with CRLF. No
/// physical line begins or ends with white space next to a break: some readers trim each line
/// when unfolding, where RFC 5545 removes only the one folding space, so the break moves back
/// inside the last word.
fn fold(line: &str, out: &mut String) {
    let chars: Vec<char> = line.chars().collect();
    let mut start = 0;
    // The first line may hold 75 octets; a continuation holds 74 after its leading space.
    let mut room = 75;
    while start < chars.len() {
        let mut end = start;
        let mut used = 0;
        while end < chars.len() && used + chars[end].len_utf8() <= room {
            used += chars[end].len_utf8();
            end += 1;
        }
        if end < chars.len() {
            // Move back until neither side of the break is white space.
            let mut cut = end;
            let blank = |i: usize| chars[i].is_whitespace();
            while cut > start + 1 && (blank(cut) || blank(cut - 1)) {
                cut -= 1;
            }
            if !(blank(cut) || blank(cut - 1)) {
                end = cut;
            }
        }
        if start > 0 {
            out.push(' ');
        }
        out.extend(&chars[start..end]);
        out.push_str("\r\n");
        start = end;
        room = 74;
    }
    if chars.is_empty() {
        out.push_str("\r\n");
    }
}

fn local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// A whole calendar file for `events`, stamped at `now`.
pub fn calendar(method: Method, events: &[Event], now: DateTime<Utc>) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//carepanel//resource panels//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!(
            "METHOD:{}",
            match method {
                Method::Request => "REQUEST",
                Method::Cancel => "CANCEL",
            }
        ),
    ];
    lines.extend(VTIMEZONE.iter().map(|l| l.to_string()));
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    for e in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape_text(&e.uid)));
        lines.push(format!("SEQUENCE:{}", e.sequence.max(0)));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART;TZID={ZONE}:{}", local(e.start)));
        lines.push(format!("DTEND;TZID={ZONE}:{}", local(e.end)));
        // Space at either end of a value means nothing and some readers drop it.
        lines.push(format!("SUMMARY:{}", escape_text(e.summary.trim())));
        if !e.description.trim().is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape_text(e.description.trim())));
        }
        if let Some(l) = e
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            lines.push(format!("LOCATION:{}", escape_text(l)));
        }
        lines.push(format!(
            "STATUS:{}",
            match method {
                Method::Request => "CONFIRMED",
                Method::Cancel => "CANCELLED",
            }
        ));
        lines.push("CLASS:CONFIDENTIAL".into());
        if let Some(o) = &e.organizer {
            lines.push(format!(
                "ORGANIZER;CN={}:mailto:{}",
                param(&o.name),
                o.email
            ));
        }
        for a in &e.attendees {
            lines.push(format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
                param(&a.name),
                a.email
            ));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: &str, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap_or_default()
            .and_hms_opt(h, m, 0)
            .unwrap_or_default()
    }

    #[test]
    fn text_is_escaped_and_lines_fold_at_75_octets_between_characters() {
        assert_eq!(
            escape_text("a;b,c\\d\r\ne\nf\u{7}"),
            "a\\;b\\,c\\\\d\\ne\\nf"
        );
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(60));
        fold(&long, &mut out);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        assert_eq!(out.replace("\r\n ", ""), format!("{long}\r\n"));
    }

    #[test]
    fn a_cancellation_keeps_the_uid_and_marks_the_event_cancelled() {
        let e = Event {
            uid: "meeting-1@carepanel".into(),
            sequence: 3,
            start: at("2026-12-03", 14, 0),
            end: at("2026-12-03", 16, 0),
            summary: "Bexley Resource and Care Panel".into(),
            description: String::new(),
            location: None,
            organizer: None,
            attendees: vec![],
        };
        let text = calendar(Method::Cancel, &[e], DateTime::<Utc>::MIN_UTC);
        assert!(text.contains("METHOD:CANCEL\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        assert!(text.contains("UID:meeting-1@carepanel\r\n"));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("DTSTART;TZID=Europe/London:20261203T140000\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
