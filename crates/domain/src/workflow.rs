//! The remote-signature renewal as one resumable state machine (SPEC §5).
//!
//! Each event moves a renewal one step on or is refused; the application persists the new state
//! before it answers, so a holder who leaves resumes where they stopped. Events are named after
//! what the holder did; an event for a step already passed is not an error for the application,
//! which answers with the outcome already recorded (idempotent submits).

use crate::{DomainError, PaymentMode};

/// Where a renewal stands. The order is the order of SPEC §5.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RenewalStep {
    /// Step 2: the holder checks their data.
    CheckData,
    /// Step 3: renewal form and conditions shown; consents awaited.
    Documents,
    /// Step 4: the request awaits the holder's signature (PIN + OTP).
    Sign,
    /// Step 5: payment (only for modes that have one).
    Payment,
    /// Step 6: waiting for the organisation's registration manager (CDRL).
    Approval,
    /// Step 7: OTP, PIN twice, second OTP.
    Activate,
    /// Step 8: a new certificate was issued.
    Completed,
    /// Refused by the organisation, or abandoned by the holder.
    Cancelled,
}

impl RenewalStep {
    /// Every step, in order.
    pub const ALL: [RenewalStep; 8] = [
        Self::CheckData,
        Self::Documents,
        Self::Sign,
        Self::Payment,
        Self::Approval,
        Self::Activate,
        Self::Completed,
        Self::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckData => "check_data",
            Self::Documents => "documents",
            Self::Sign => "sign",
            Self::Payment => "payment",
            Self::Approval => "approval",
            Self::Activate => "activate",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

/// What the holder (or the organisation) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// "I confirm my data" on the data page; the documents produced from that data have this hash.
    DataConfirmed { documents_hash: [u8; 32] },
    /// Both consents ticked on the documents shown, identified by their hash.
    DocumentsAccepted {
        shown_hash: [u8; 32],
        accept_terms: bool,
        confirm_data: bool,
    },
    /// The request was signed with the current key (PIN + OTP checked by the application).
    Signed,
    /// Payment settled.
    Paid,
    /// The organisation's CDRL approved.
    Approved,
    /// The first activation OTP was right.
    ActivationOtpVerified,
    /// PIN twice and second OTP were right; a new certificate was issued.
    Activated,
    /// The holder abandoned, or the organisation refused.
    Cancelled,
}

impl Event {
    /// The step at which this event is expected.
    pub fn step(&self) -> RenewalStep {
        match self {
            Self::DataConfirmed { .. } => RenewalStep::CheckData,
            Self::DocumentsAccepted { .. } => RenewalStep::Documents,
            Self::Signed => RenewalStep::Sign,
            Self::Paid => RenewalStep::Payment,
            Self::Approved => RenewalStep::Approval,
            Self::ActivationOtpVerified | Self::Activated => RenewalStep::Activate,
            Self::Cancelled => RenewalStep::Cancelled,
        }
    }
}

/// A renewal's state, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    pub step: RenewalStep,
    pub payment_mode: PaymentMode,
    pub approval_required: bool,
    /// Hash of exactly the documents the holder is shown at step 3 (set when data is confirmed).
    pub documents_hash: Option<[u8; 32]>,
    /// Step 7 has two halves: the first OTP, then PIN + second OTP.
    pub activation_otp_verified: bool,
}

impl Renewal {
    /// A renewal just started (step 1 done: the window was checked by the caller).
    pub fn start(payment_mode: PaymentMode, approval_required: bool) -> Self {
        Self {
            step: RenewalStep::CheckData,
            payment_mode,
            approval_required,
            documents_hash: None,
            activation_otp_verified: false,
        }
    }

    /// Whether the renewal has gone past `step` (a repeated submit of that step is a no-op).
    pub fn has_passed(&self, step: RenewalStep) -> bool {
        self.step > step && self.step != RenewalStep::Cancelled
    }

    fn needs_payment(&self) -> bool {
        // Free and organisation-paid renewals have no payment step (SPEC §5 step 5).
        match self.payment_mode {
            PaymentMode::Free | PaymentMode::Organisation => false,
            PaymentMode::Holder => true,
        }
    }

    fn after_sign(&self) -> RenewalStep {
        if self.needs_payment() {
            RenewalStep::Payment
        } else {
            self.after_payment()
        }
    }

    fn after_payment(&self) -> RenewalStep {
        if self.approval_required {
            RenewalStep::Approval
        } else {
            RenewalStep::Activate
        }
    }

    /// Applies an event, or says why it cannot happen now.
    pub fn apply(&self, event: &Event) -> Result<Renewal, DomainError> {
        if self.step.is_final() {
            return Err(DomainError::WrongStep("the renewal has ended"));
        }
        if let Event::Cancelled = event {
            return Ok(Renewal {
                step: RenewalStep::Cancelled,
                ..self.clone()
            });
        }
        if event.step() != self.step {
            return Err(DomainError::WrongStep(self.step.as_str()));
        }
        let mut next = self.clone();
        match event {
            Event::DataConfirmed { documents_hash } => {
                next.documents_hash = Some(*documents_hash);
                next.step = RenewalStep::Documents;
            }
            Event::DocumentsAccepted {
                shown_hash,
                accept_terms,
                confirm_data,
            } => {
                if !(*accept_terms && *confirm_data) {
                    return Err(DomainError::ConsentMissing);
                }
                if Some(*shown_hash) != self.documents_hash {
                    return Err(DomainError::DocumentsChanged);
                }
                next.step = RenewalStep::Sign;
            }
            Event::Signed => next.step = self.after_sign(),
            Event::Paid => next.step = self.after_payment(),
            Event::Approved => next.step = RenewalStep::Activate,
            Event::ActivationOtpVerified => next.activation_otp_verified = true,
            Event::Activated => {
                if !self.activation_otp_verified {
                    return Err(DomainError::WrongStep("activation OTP first"));
                }
                next.step = RenewalStep::Completed;
            }
            Event::Cancelled => next.step = RenewalStep::Cancelled,
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: [u8; 32] = [7; 32];
    const CONFIRMED: Event = Event::DataConfirmed { documents_hash: H };

    fn walk(mut r: Renewal, events: &[Event]) -> Renewal {
        for e in events {
            r = r.apply(e).unwrap();
        }
        r
    }

    fn accepted() -> Event {
        Event::DocumentsAccepted {
            shown_hash: H,
            accept_terms: true,
            confirm_data: true,
        }
    }

    #[test]
    fn free_renewal_walks_every_step_in_order() {
        let r = Renewal::start(PaymentMode::Free, false);
        let r = walk(r, &[CONFIRMED, accepted(), Event::Signed]);
        assert_eq!(r.step, RenewalStep::Activate);
        let r = walk(r, &[Event::ActivationOtpVerified, Event::Activated]);
        assert_eq!(r.step, RenewalStep::Completed);
        assert!(r.has_passed(RenewalStep::Sign));
    }

    #[test]
    fn step6_approval_cannot_be_skipped() {
        let r = Renewal::start(PaymentMode::Organisation, true);
        let r = walk(r, &[CONFIRMED, accepted(), Event::Signed]);
        assert_eq!(r.step, RenewalStep::Approval);
        assert!(r.apply(&Event::ActivationOtpVerified).is_err());
        assert!(r.apply(&Event::Activated).is_err());
        let r = r.apply(&Event::Approved).unwrap();
        assert_eq!(r.step, RenewalStep::Activate);
    }

    #[test]
    fn step3_needs_both_consents_on_the_documents_shown() {
        let r = walk(Renewal::start(PaymentMode::Free, false), &[CONFIRMED]);
        let half = Event::DocumentsAccepted {
            shown_hash: H,
            accept_terms: true,
            confirm_data: false,
        };
        assert_eq!(r.apply(&half), Err(DomainError::ConsentMissing));
        let other = Event::DocumentsAccepted {
            shown_hash: [1; 32],
            accept_terms: true,
            confirm_data: true,
        };
        assert_eq!(r.apply(&other), Err(DomainError::DocumentsChanged));
    }

    #[test]
    fn steps_cannot_be_skipped_or_replayed_after_the_end() {
        let r = Renewal::start(PaymentMode::Free, false);
        assert!(r.apply(&Event::Signed).is_err());
        assert!(r.apply(&accepted()).is_err());
        let done = walk(
            r,
            &[
                CONFIRMED,
                accepted(),
                Event::Signed,
                Event::ActivationOtpVerified,
                Event::Activated,
            ],
        );
        assert!(done.apply(&Event::Activated).is_err());
        assert!(done.apply(&Event::Cancelled).is_err());
    }

    #[test]
    fn activation_needs_the_first_otp() {
        let r = Renewal::start(PaymentMode::Free, false);
        let r = walk(r, &[CONFIRMED, accepted(), Event::Signed]);
        assert!(r.apply(&Event::Activated).is_err());
    }

    #[test]
    fn a_cancelled_renewal_has_passed_nothing() {
        let r = Renewal::start(PaymentMode::Free, false)
            .apply(&Event::Cancelled)
            .unwrap();
        assert_eq!(r.step, RenewalStep::Cancelled);
        assert!(!r.has_passed(RenewalStep::CheckData));
        assert_eq!(RenewalStep::parse("activate"), Some(RenewalStep::Activate));
    }

    #[test]
    fn step5_holder_paid_renewal_waits_for_payment_then_approval() {
        let r = Renewal::start(PaymentMode::Holder, true);
        let r = walk(r, &[CONFIRMED, accepted(), Event::Signed]);
        assert_eq!(r.step, RenewalStep::Payment);
        assert!(r.apply(&Event::Approved).is_err());
        assert!(r.apply(&Event::ActivationOtpVerified).is_err());
        let r = r.apply(&Event::Paid).unwrap();
        assert_eq!(r.step, RenewalStep::Approval);
        assert!(r.apply(&Event::Paid).is_err());
        let r = r.apply(&Event::Approved).unwrap();
        assert_eq!(r.step, RenewalStep::Activate);
    }

    /// CVE-2021-20179 (Dogtag PKI) let a renewal be issued without the approval it needed. Here
    /// every sequence of events that the rules accept, from every start, is explored: none
    /// completes a renewal without payment when the holder pays, or without approval when the
    /// organisation requires it.
    #[test]
    fn step6_no_sequence_of_events_completes_without_payment_or_approval() {
        let events = [
            CONFIRMED,
            accepted(),
            Event::Signed,
            Event::Paid,
            Event::Approved,
            Event::ActivationOtpVerified,
            Event::Activated,
            Event::Cancelled,
        ];
        fn explore(r: &Renewal, seen: &mut Vec<Event>, events: &[Event], completed: &mut usize) {
            if r.step == RenewalStep::Completed {
                *completed += 1;
                if r.payment_mode == PaymentMode::Holder {
                    assert!(seen.contains(&Event::Paid), "unpaid: {seen:?}");
                }
                if r.approval_required {
                    assert!(seen.contains(&Event::Approved), "unapproved: {seen:?}");
                }
                return;
            }
            if seen.len() > 12 {
                return;
            }
            for e in events {
                if let Ok(next) = r.apply(e) {
                    seen.push(e.clone());
                    explore(&next, seen, events, completed);
                    seen.pop();
                }
            }
        }
        for mode in [
            PaymentMode::Free,
            PaymentMode::Organisation,
            PaymentMode::Holder,
        ] {
            for approval in [false, true] {
                let mut completed = 0;
                explore(
                    &Renewal::start(mode, approval),
                    &mut Vec::new(),
                    &events,
                    &mut completed,
                );
                assert!(completed > 0, "{mode:?} {approval}: some path completes");
            }
        }
    }
}
