//! Deal stages belong to one pipeline each (rule 5). A HubSpot deal (or ticket) accepts only
//! the stages of its own pipeline, so when a sync (or a `create` action) writes the pipeline
//! as a fixed value (`hs.pipeline <- "default"`), the stage ids it writes are checked against
//! that pipeline's stages, not against every pipeline of the object at once. HubSpot puts a
//! record created without a pipeline into the default pipeline; a pipeline the spec does not
//! fix (read from a field, mapped) leaves every pipeline possible.

use tandem_ground::diagnostics::Span;
use tandem_ground::schema::{ObjectSchema, Pipeline, System};
use tandem_syntax::ast::{self, Direction, ExprKind, SyncDef};

use super::checked::FieldRef;
use super::context::Checker;
use super::errors::CheckError;
use super::expr::literal_text;

/// The pipelines the records being written are in, fixed by the spec.
#[derive(Debug, Clone)]
pub(crate) struct PipelineScope {
    /// The HubSpot object whose records are written (`deals`).
    pub object: String,
    /// The pipeline ids written (an `if` may write one of several).
    pub pipelines: Vec<String>,
    /// Who writes them, for messages: "sync `deals`", "this `create`".
    pub writer: String,
    /// No pipeline is written: records are created in the default pipeline.
    pub defaulted: bool,
}

/// The pipeline property and stage property of HubSpot objects with pipelines.
pub(crate) fn is_pipeline_field(name: &str) -> bool {
    matches!(name, "pipeline" | "hs_pipeline")
}

pub(crate) fn is_stage_field(name: &str) -> bool {
    matches!(name, "dealstage" | "hs_pipeline_stage")
}

/// The pipeline ids a sync writes into its HubSpot object as fixed values, when it writes
/// the pipeline property only from literals (`hs.pipeline <- "default"`, or an `if` of
/// literals).
pub(crate) fn pipelines_written_by_sync(
    sync: &SyncDef,
    hubspot_connection: &str,
) -> Option<Vec<String>> {
    sync.mappings().find_map(|mapping| {
        let (target, value) = match mapping.direction {
            Direction::RightToLeft => (&mapping.left, &mapping.right),
            Direction::LeftToRight => (&mapping.right, &mapping.left),
            Direction::Both => return None,
        };
        let path = target.as_field()?;
        let [segment] = path.segments.as_slice() else {
            return None;
        };
        if path.connection.name != hubspot_connection || !is_pipeline_field(&segment.name.name) {
            return None;
        }
        literal_leaves(value)
    })
}

/// The pipeline ids a `create` action writes as fixed values.
pub(crate) fn pipelines_written_by_create(fields: &[ast::FieldAssignment]) -> Option<Vec<String>> {
    fields
        .iter()
        .find(|assignment| is_pipeline_field(&assignment.field.name))
        .and_then(|assignment| literal_leaves(&assignment.value))
}

/// Every value of an expression made of literals and `if`s of literals; `None` when any
/// branch is computed.
fn literal_leaves(expr: &ast::Expr) -> Option<Vec<String>> {
    match &expr.kind {
        ExprKind::Literal(literal) => Some(vec![literal_text(&literal.value)]),
        ExprKind::If {
            then_branch,
            else_branch,
            ..
        } => {
            let mut values = literal_leaves(then_branch)?;
            values.extend(literal_leaves(else_branch)?);
            Some(values)
        }
        _ => None,
    }
}

/// The pipeline a record created without one goes to: HubSpot's default pipeline (id
/// `default` for deals), else the first one listed.
pub(crate) fn default_pipeline(object: &ObjectSchema) -> Option<&Pipeline> {
    object
        .pipeline("default")
        .or_else(|| object.pipelines.first())
}

fn describe(pipeline: &Pipeline) -> String {
    format!("pipeline {} (`{}`)", pipeline.label, pipeline.id)
}

impl Checker<'_> {
    /// Checks a stage id written into `target` against the pipelines in scope. Returns
    /// `true` when the value was judged here (valid, or reported as a stage of another
    /// pipeline); `false` leaves it to the ordinary picklist check.
    pub(crate) fn check_stage_in_scope(
        &mut self,
        value: &str,
        span: Span,
        target: &FieldRef,
    ) -> bool {
        if target.system != System::Hubspot || !is_stage_field(&target.field.name) {
            return false;
        }
        let Some(scope) = self.pipeline_scope.clone() else {
            return false;
        };
        if scope.object != target.object {
            return false;
        }
        let schemas = self.schemas;
        let Some(object) = schemas.object(System::Hubspot, &target.object) else {
            return false;
        };
        let written: Vec<&Pipeline> = scope
            .pipelines
            .iter()
            .filter_map(|id| object.pipeline(id))
            .collect();
        if written.is_empty() {
            // An unknown pipeline id is reported on the pipeline mapping itself.
            return false;
        }
        let has_stage = |pipeline: &Pipeline| pipeline.stages.iter().any(|stage| stage.id == value);
        if written.iter().any(|pipeline| has_stage(pipeline)) {
            return true;
        }
        let Some(home) = object.pipelines.iter().find(|pipeline| has_stage(pipeline)) else {
            return false;
        };
        let all_stages: Vec<String> = written
            .iter()
            .flat_map(|pipeline| pipeline.stages.iter())
            .map(|stage| format!("\"{}\"", stage.id))
            .collect();
        const SHOWN: usize = 4;
        let mut stages = all_stages
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if all_stages.len() > SHOWN {
            stages.push_str(&format!(" and {} more", all_stages.len() - SHOWN));
        }
        let written_text = written
            .iter()
            .map(|pipeline| describe(pipeline))
            .collect::<Vec<_>>()
            .join(" or ");
        self.report(
            span,
            CheckError::StageNotInPipeline {
                value: value.to_string(),
                stage_pipeline: describe(home),
                writer: if scope.defaulted {
                    format!(
                        "{} writes no pipeline, so HubSpot creates its records in {written_text}",
                        scope.writer
                    )
                } else {
                    format!("{} writes its records into {written_text}", scope.writer)
                },
                written: written_text,
                help: Some(format!(
                    "HubSpot rejects a stage of another pipeline: write one of {stages}, or write pipeline `{}` for these records",
                    home.id
                )),
                span: span.into(),
            },
        );
        true
    }
}
