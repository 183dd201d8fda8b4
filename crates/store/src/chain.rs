//! The audit chain's arithmetic: each event's hash covers the previous hash and the event's
//! exact stored text, so changing, deleting, inserting, reordering or truncating events is
//! detected by walking the chain (SEC-03). Pure: no database here.

use sha2::{Digest, Sha256};

/// The hash before a council's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEvent {
    pub id: String,
    pub council_id: String,
    pub seq: i64,
    /// RFC 3339 UTC, exactly as stored.
    pub at: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON text, exactly as stored.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event given the previous hash.
pub fn hash_event(prev_hash: &str, e: &ChainEvent) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash,
        &e.id,
        &e.council_id,
        &e.seq.to_string(),
        &e.at,
        e.actor_id.as_deref().unwrap_or(""),
        &e.action,
        &e.entity,
        &e.entity_id,
        &e.detail,
    ] {
        // Length-prefixed so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The first problem found in a council's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub council_id: String,
    /// The sequence number where the chain first goes wrong.
    pub seq: i64,
    /// The id of the event found there, if any.
    pub event_id: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "council {}: audit event {}{} {}",
            self.council_id,
            self.seq,
            self.event_id
                .as_ref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default(),
            self.problem
        )
    }
}

/// Walks one council's events in stored order and checks them against the council's recorded
/// head (its last sequence number and hash). Returns the first break.
pub fn verify(
    council_id: &str,
    events: &[ChainEvent],
    head_seq: i64,
    head_hash: &str,
) -> Result<usize, ChainBreak> {
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    for e in events {
        let brk = |problem: String| ChainBreak {
            council_id: council_id.to_string(),
            seq: expected,
            event_id: Some(e.id.clone()),
            problem,
        };
        if e.council_id != council_id {
            return Err(brk(format!("belongs to council {}", e.council_id)));
        }
        if e.seq != expected {
            return Err(brk(if e.seq > expected {
                format!(
                    "is missing: the next event stored is number {} (deleted or reordered)",
                    e.seq
                )
            } else {
                format!(
                    "is stored again as number {} (inserted or reordered)",
                    e.seq
                )
            }));
        }
        if e.prev_hash != prev {
            return Err(brk(
                "does not follow the event before it (inserted, deleted or reordered)".into(),
            ));
        }
        let actual = hash_event(&prev, e);
        if actual != e.hash {
            return Err(brk("was changed after it was written".into()));
        }
        prev = actual;
        expected += 1;
    }
    let last = expected - 1;
    if head_seq != last {
        return Err(ChainBreak {
            council_id: council_id.to_string(),
            seq: last + 1,
            event_id: None,
            problem: format!(
                "is missing: the council's record says {head_seq} events were written but {last} remain (truncated)"
            ),
        });
    }
    if head_hash != prev {
        return Err(ChainBreak {
            council_id: council_id.to_string(),
            seq: last,
            event_id: events.last().map(|e| e.id.clone()),
            problem: "does not match the council's recorded chain head (changed or replaced)"
                .into(),
        });
    }
    Ok(events.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<ChainEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let mut e = ChainEvent {
                    id: format!("e{i}"),
                    council_id: "c".into(),
                    seq: i as i64,
                    at: format!("2026-11-25T10:{:02}:00.000000Z", i % 60),
                    actor_id: Some(format!("u{}", i % 3)),
                    action: "referral.create".into(),
                    entity: "referral".into(),
                    entity_id: format!("r{i}"),
                    detail: format!("{{\"n\":{i}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = hash_event(&prev, &e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(events: &[ChainEvent]) -> (i64, String) {
        events
            .last()
            .map_or((0, GENESIS.to_string()), |e| (e.seq, e.hash.clone()))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(20);
        let (s, h) = head(&c);
        assert_eq!(verify("c", &c, s, &h), Ok(20));
        assert_eq!(verify("c", &[], 0, GENESIS), Ok(0));
    }

    #[derive(Debug, Clone)]
    enum Tamper {
        Change(usize, u8),
        Delete(usize),
        Swap(usize, usize),
        Insert(usize),
        Truncate(usize),
    }

    fn tamper() -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (0usize..30, 0u8..5).prop_map(|(i, f)| Tamper::Change(i, f)),
            (0usize..30).prop_map(Tamper::Delete),
            (0usize..30, 0usize..30).prop_map(|(a, b)| Tamper::Swap(a, b)),
            (0usize..31).prop_map(Tamper::Insert),
            (1usize..30).prop_map(Tamper::Truncate),
        ]
    }

    proptest! {
        /// R3 (fast): every kind of tampering is detected and the first bad event is named.
        #[test]
        fn r3_tampering_is_always_detected(n in 2usize..30, t in tamper()) {
            let original = chain(n);
            let (head_seq, head_hash) = head(&original);
            let mut c = original.clone();
            let first_bad: i64 = match t {
                Tamper::Change(i, field) => {
                    let i = i % n;
                    let e = &mut c[i];
                    match field {
                        0 => e.detail.push(' '),
                        1 => e.action = "decision.record".into(),
                        2 => e.actor_id = None,
                        3 => e.at = "2020-01-01T00:00:00.000000Z".into(),
                        _ => e.entity_id.push('x'),
                    }
                    i as i64 + 1
                }
                Tamper::Delete(i) => {
                    let i = i % n;
                    c.remove(i);
                    i as i64 + 1
                }
                Tamper::Swap(a, b) => {
                    let (a, b) = (a % n, b % n);
                    prop_assume!(a != b);
                    c.swap(a, b);
                    a.min(b) as i64 + 1
                }
                Tamper::Insert(i) => {
                    let i = i % (n + 1);
                    let mut forged = original[i.min(n - 1)].clone();
                    forged.id = "forged".into();
                    forged.detail = "{\"forged\":true}".into();
                    c.insert(i, forged);
                    i as i64 + 1
                }
                Tamper::Truncate(k) => {
                    let keep = n - 1 - (k % (n - 1)).min(n - 1);
                    c.truncate(keep);
                    keep as i64 + 1
                }
            };
            let result = verify("c", &c, head_seq, &head_hash);
            prop_assert!(result.is_err(), "{t:?} went undetected");
            let brk = result.err().unwrap_or_else(|| unreachable!());
            prop_assert_eq!(brk.seq, first_bad, "{:?}: {}", t, brk);
        }
    }
}
