//! What a check finds: a broken invariant, safety (found as the run goes, by
//! [`super::monitor`]) or liveness (judged on the quiet world at the end, by each area's checks).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    Safety,
    Liveness,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub message: String,
}

impl Violation {
    pub fn liveness(message: String) -> Violation {
        Violation { kind: ViolationKind::Liveness, message }
    }
}
