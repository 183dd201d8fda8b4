//! The referral lifecycle as an explicit state machine: every transition is named, and every
//! refusal says which rule refused it (SIGN-01, SIGN-08, SCHED-03, SCHED-08, AGD-04).

use serde::Serialize;

/// Why a referral was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "detail")]
pub enum Rejection {
    Late(String),
    Incomplete(String),
    Unsigned(String),
    OutOfRemit(String),
}

/// Where a referral stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ReferralState {
    Draft,
    /// Waiting for the sign-off at `step` (0-based) of the chain.
    AwaitingSignOff {
        step: usize,
    },
    /// Returned by a signatory with comments; the referrer edits and sends again.
    Returned {
        by_role: String,
        comments: String,
    },
    /// Complete and signed; the time that counts for deadlines is set (REF-20).
    Submitted,
    Listed {
        meeting: String,
    },
    Deferred {
        to_meeting: String,
        reason: String,
    },
    Heard {
        meeting: String,
    },
    Decided {
        meeting: String,
    },
    Withdrawn {
        reason: String,
    },
    Rejected {
        reason: Rejection,
    },
}

/// Something that happens to a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The referrer sends the referral on: to the first signatory, or straight to submitted
    /// when the chain is empty.
    Send {
        chain_len: usize,
        ready: bool,
    },
    /// A signatory in `role` approves.
    SignOff {
        role: String,
        chain: Vec<String>,
    },
    /// A signatory returns it with comments.
    Return {
        role: String,
        comments: String,
    },
    /// The referrer takes a returned referral back into draft.
    Reopen,
    List {
        meeting: String,
    },
    /// The chair or coordinator moves it to a later meeting (SCHED-08, AGD-02 roll-over).
    Defer {
        to_meeting: String,
        reason: String,
    },
    /// The chair removes it from the agenda (AGD-04) or rejects it as late, incomplete or
    /// unsigned (SIGN-08).
    Reject(Rejection),
    Hear,
    Decide,
    Withdraw {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({requirement})")]
pub struct TransitionError {
    pub message: String,
    pub requirement: &'static str,
}

fn refuse(message: impl Into<String>, requirement: &'static str) -> TransitionError {
    TransitionError {
        message: message.into(),
        requirement,
    }
}

impl ReferralState {
    pub fn name(&self) -> &'static str {
        match self {
            ReferralState::Draft => "draft",
            ReferralState::AwaitingSignOff { .. } => "awaiting sign-off",
            ReferralState::Returned { .. } => "returned",
            ReferralState::Submitted => "submitted",
            ReferralState::Listed { .. } => "listed",
            ReferralState::Deferred { .. } => "deferred",
            ReferralState::Heard { .. } => "heard",
            ReferralState::Decided { .. } => "decided",
            ReferralState::Withdrawn { .. } => "withdrawn",
            ReferralState::Rejected { .. } => "rejected",
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ReferralState::Decided { .. }
                | ReferralState::Withdrawn { .. }
                | ReferralState::Rejected { .. }
        )
    }

    /// Whether the referrer may still edit the form.
    pub fn editable(&self) -> bool {
        matches!(self, ReferralState::Draft | ReferralState::Returned { .. })
    }

    /// Applies `event`, or says why it cannot happen now.
    pub fn apply(&self, event: Event) -> Result<ReferralState, TransitionError> {
        use ReferralState as S;
        match (self, event) {
            (S::Draft, Event::Send { ready, .. }) if !ready => Err(refuse(
                "the referral is not ready to send: complete what is listed as missing",
                "SIGN-01",
            )),
            (S::Draft, Event::Send { chain_len: 0, .. }) => Ok(S::Submitted),
            (S::Draft, Event::Send { .. }) => Ok(S::AwaitingSignOff { step: 0 }),
            (S::AwaitingSignOff { step }, Event::SignOff { role, chain }) => {
                match chain.get(*step) {
                    Some(expected) if *expected == role => {
                        if step + 1 >= chain.len() {
                            Ok(S::Submitted)
                        } else {
                            Ok(S::AwaitingSignOff { step: step + 1 })
                        }
                    }
                    Some(expected) => Err(refuse(
                        format!(
                            "sign-offs are taken in order: the {expected} signs next, not the {role}"
                        ),
                        "SIGN-01",
                    )),
                    None => Err(refuse("every sign-off has already been given", "SIGN-01")),
                }
            }
            (S::AwaitingSignOff { .. }, Event::Return { role, comments }) => {
                if comments.trim().is_empty() {
                    Err(refuse(
                        "say why the referral is returned: comments are required",
                        "SIGN-01",
                    ))
                } else {
                    Ok(S::Returned {
                        by_role: role,
                        comments,
                    })
                }
            }
            (S::Returned { .. }, Event::Reopen) => Ok(S::Draft),
            (S::Submitted | S::Deferred { .. }, Event::List { meeting }) => {
                Ok(S::Listed { meeting })
            }
            (S::Listed { .. } | S::Submitted, Event::Defer { to_meeting, reason }) => {
                if reason.trim().is_empty() {
                    Err(refuse("a deferral needs a reason", "SCHED-08"))
                } else {
                    Ok(S::Deferred { to_meeting, reason })
                }
            }
            (S::Submitted | S::Listed { .. } | S::Deferred { .. }, Event::Reject(reason)) => {
                Ok(S::Rejected { reason })
            }
            (S::Listed { meeting }, Event::Hear) => Ok(S::Heard {
                meeting: meeting.clone(),
            }),
            (S::Heard { meeting }, Event::Decide) => Ok(S::Decided {
                meeting: meeting.clone(),
            }),
            (S::Heard { .. }, Event::Defer { to_meeting, reason }) => {
                if reason.trim().is_empty() {
                    Err(refuse("a deferral needs a reason", "SCHED-08"))
                } else {
                    Ok(S::Deferred { to_meeting, reason })
                }
            }
            (s, Event::Withdraw { reason }) if !s.is_final() && !matches!(s, S::Heard { .. }) => {
                if reason.trim().is_empty() {
                    Err(refuse("a withdrawal needs a reason", "SEC-03"))
                } else {
                    Ok(S::Withdrawn { reason })
                }
            }
            (s, e) => Err(refuse(
                format!("a referral that is {} cannot {}", s.name(), event_name(&e)),
                event_requirement(&e),
            )),
        }
    }
}

/// The requirement that governs each kind of event, named when it is refused.
fn event_requirement(e: &Event) -> &'static str {
    match e {
        Event::Send { .. } | Event::SignOff { .. } | Event::Return { .. } | Event::Reopen => {
            "SIGN-01"
        }
        Event::List { .. } => "SCHED-02",
        Event::Defer { .. } => "SCHED-08",
        Event::Reject(_) => "SIGN-08",
        Event::Hear => "AGD-03",
        Event::Decide => "DEC-01",
        Event::Withdraw { .. } => "SEC-03",
    }
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Send { .. } => "be sent",
        Event::SignOff { .. } => "be signed off",
        Event::Return { .. } => "be returned",
        Event::Reopen => "be reopened",
        Event::List { .. } => "be listed",
        Event::Defer { .. } => "be deferred",
        Event::Reject(_) => "be rejected",
        Event::Hear => "be heard",
        Event::Decide => "be decided",
        Event::Withdraw { .. } => "be withdrawn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralState as S;

    fn chain() -> Vec<String> {
        vec!["team-manager".into(), "service-manager".into()]
    }

    #[test]
    fn sign_01_sign_offs_in_order_then_submitted() {
        let s = S::Draft
            .apply(Event::Send {
                chain_len: 2,
                ready: true,
            })
            .unwrap_or(S::Draft);
        assert_eq!(s, S::AwaitingSignOff { step: 0 });
        let wrong = s.apply(Event::SignOff {
            role: "service-manager".into(),
            chain: chain(),
        });
        assert!(wrong.is_err_and(|e| e.message.contains("team-manager signs next")));
        let s = s
            .apply(Event::SignOff {
                role: "team-manager".into(),
                chain: chain(),
            })
            .unwrap_or(S::Draft);
        assert_eq!(s, S::AwaitingSignOff { step: 1 });
        let s = s
            .apply(Event::SignOff {
                role: "service-manager".into(),
                chain: chain(),
            })
            .unwrap_or(S::Draft);
        assert_eq!(s, S::Submitted);
    }

    #[test]
    fn sign_07_no_chain_goes_straight_to_submitted() {
        assert_eq!(
            S::Draft.apply(Event::Send {
                chain_len: 0,
                ready: true
            }),
            Ok(S::Submitted)
        );
    }

    #[test]
    fn sign_01_not_ready_cannot_be_sent() {
        assert!(
            S::Draft
                .apply(Event::Send {
                    chain_len: 0,
                    ready: false
                })
                .is_err()
        );
    }

    #[test]
    fn returned_with_comments_goes_back_to_draft() {
        let s = S::AwaitingSignOff { step: 0 };
        assert!(
            s.apply(Event::Return {
                role: "team-manager".into(),
                comments: " ".into()
            })
            .is_err()
        );
        let r = s
            .apply(Event::Return {
                role: "team-manager".into(),
                comments: "Add the genogram".into(),
            })
            .unwrap_or(S::Draft);
        assert!(matches!(r, S::Returned { .. }));
        assert!(r.editable());
        assert_eq!(r.apply(Event::Reopen), Ok(S::Draft));
    }

    #[test]
    fn listed_heard_decided_and_final() {
        let s = S::Submitted
            .apply(Event::List {
                meeting: "m1".into(),
            })
            .unwrap_or(S::Draft);
        let s = s.apply(Event::Hear).unwrap_or(S::Draft);
        let s = s.apply(Event::Decide).unwrap_or(S::Draft);
        assert_eq!(
            s,
            S::Decided {
                meeting: "m1".into()
            }
        );
        assert!(s.is_final());
        assert!(s.apply(Event::Withdraw { reason: "x".into() }).is_err());
    }

    #[test]
    fn sched_08_deferred_then_listed_again() {
        let s = S::Listed {
            meeting: "m1".into(),
        };
        assert!(
            s.apply(Event::Defer {
                to_meeting: "m2".into(),
                reason: "".into()
            })
            .is_err()
        );
        let d = s
            .apply(Event::Defer {
                to_meeting: "m2".into(),
                reason: "More information needed".into(),
            })
            .unwrap_or(S::Draft);
        assert!(matches!(d, S::Deferred { .. }));
        assert_eq!(
            d.apply(Event::List {
                meeting: "m2".into()
            }),
            Ok(S::Listed {
                meeting: "m2".into()
            })
        );
    }

    #[test]
    fn sign_08_chair_rejects_late_or_incomplete() {
        let s = S::Submitted
            .apply(Event::Reject(Rejection::Late(
                "arrived after the cut-off".into(),
            )))
            .unwrap_or(S::Draft);
        assert!(matches!(
            s,
            S::Rejected {
                reason: Rejection::Late(_)
            }
        ));
        assert!(
            S::Draft
                .apply(Event::Reject(Rejection::Incomplete("x".into())))
                .is_err()
        );
    }

    #[test]
    fn no_transition_out_of_order() {
        assert!(S::Draft.apply(Event::Hear).is_err());
        assert!(S::Draft.apply(Event::Decide).is_err());
        assert!(
            S::Submitted
                .apply(Event::SignOff {
                    role: "team-manager".into(),
                    chain: chain()
                })
                .is_err()
        );
        let heard = S::Heard {
            meeting: "m".into(),
        };
        assert!(
            heard.apply(Event::Withdraw { reason: "x".into() }).is_err(),
            "a heard item is decided or deferred, not withdrawn"
        );
    }
}
