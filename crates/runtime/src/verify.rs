//! Refusing a plan that is not the plan for this spec, schema and state: a saved plan is a
//! contract, and apply writes nothing unless every input it was made from is unchanged.

use miette::Diagnostic;
use thiserror::Error;

use tandem_language::compile::Program;
use tandem_plan::{LimitViolation, PLAN_FORMAT_VERSION, Plan};
use tandem_state::{StateError, StateStore};

#[derive(Debug, Error, Diagnostic)]
pub enum ApplyError {
    #[error("the saved plan has format version {found}; this tandem reads version {known}")]
    #[diagnostic(
        code(tandem::apply::plan_format),
        help("run `tandem plan -out FILE` again with this tandem")
    )]
    PlanFormat { found: u32, known: u32 },
    #[error("the saved plan was made from a different spec (Program {planned}, now {current})")]
    #[diagnostic(
        code(tandem::apply::spec_changed),
        help("the spec changed since `tandem plan`; plan again and review the new plan")
    )]
    SpecChanged { planned: String, current: String },
    #[error("the saved plan was made against different schema snapshots")]
    #[diagnostic(
        code(tandem::apply::schema_changed),
        help("the schema snapshots changed since `tandem plan`; plan again")
    )]
    SchemaChanged { planned: String, current: String },
    #[error(
        "the saved plan belongs to another state store (lineage {planned}, this store {current})"
    )]
    #[diagnostic(
        code(tandem::apply::foreign_state),
        help("apply it with the `--state` it was planned with, or plan again against this one")
    )]
    ForeignState { planned: String, current: String },
    #[error(
        "the saved plan is stale: it was made at state serial {planned}, the state is now at {current}"
    )]
    #[diagnostic(
        code(tandem::apply::stale_plan),
        help("another apply ran since this plan was made; plan again and review the new plan")
    )]
    StalePlan { planned: i64, current: i64 },
    #[error(
        "the plan exceeds the spec's blast-radius limits: {}",
        violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    #[diagnostic(
        code(tandem::apply::limit_exceeded),
        help(
            "raise `limit` in the sync if the change is intended, or find why so much would change"
        )
    )]
    LimitExceeded { violations: Vec<LimitViolation> },
    #[error(
        "the saved plan was changed after `tandem plan` made it: its seal does not match its content"
    )]
    #[diagnostic(
        code(tandem::apply::plan_tampered),
        help(
            "a plan file is applied exactly as tandem wrote it; run `tandem plan -out FILE` again and review that plan"
        )
    )]
    PlanTampered,
    #[error(
        "the saved plan asks for what the spec does not allow, in sync `{sync}`{}: {problem}",
        record.as_deref().map(|r| format!(" (record {r})")).unwrap_or_default()
    )]
    #[diagnostic(
        code(tandem::apply::plan_contradicts_spec),
        help("plan again with this spec; nothing was written")
    )]
    PlanContradictsSpec {
        sync: String,
        record: Option<String>,
        problem: tandem_plan::contract::Contradiction,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
}

/// Refuses a plan that is not the plan for this Program, schema and state.
pub fn verify_plan(
    plan: &Plan,
    program: &Program,
    schema_digest: &str,
    store: &StateStore,
) -> Result<(), ApplyError> {
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(ApplyError::PlanFormat {
            found: plan.format_version,
            known: PLAN_FORMAT_VERSION,
        });
    }
    let current = program.digest();
    if plan.program_digest != current {
        return Err(ApplyError::SpecChanged {
            planned: short(&plan.program_digest),
            current: short(&current),
        });
    }
    if plan.schema_digest != schema_digest {
        return Err(ApplyError::SchemaChanged {
            planned: short(&plan.schema_digest),
            current: short(schema_digest),
        });
    }
    let lineage = store.lineage()?;
    if plan.state_lineage != lineage {
        return Err(ApplyError::ForeignState {
            planned: plan.state_lineage.clone(),
            current: lineage,
        });
    }
    let serial = store.serial()?;
    if plan.state_serial != serial {
        return Err(ApplyError::StalePlan {
            planned: plan.state_serial,
            current: serial,
        });
    }
    if !plan.limit_violations.is_empty() {
        return Err(ApplyError::LimitExceeded {
            violations: plan.limit_violations.clone(),
        });
    }
    if !tandem_plan::seal::is_sealed_by(plan, &store.seal_key()?) {
        return Err(ApplyError::PlanTampered);
    }
    if let Err((sync, record, problem)) = tandem_plan::contract::check_against(plan, program) {
        return Err(ApplyError::PlanContradictsSpec {
            sync,
            record,
            problem,
        });
    }
    Ok(())
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}
