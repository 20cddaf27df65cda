//! Record ids and owner ids (rule 2): a Salesforce reference field holds the id of a
//! Salesforce record, and HubSpot's `hubspot_owner_id` the id of a HubSpot owner. Neither
//! CRM knows the other's ids, so a value from the other system reaches them only translated:
//! records through a `through` mapping (which translates ids through a sync's record
//! links), owners through a lookup table of user id to owner id. Anything else always fails
//! (MALFORMED_ID, INVALID_CROSS_REFERENCE_KEY; HubSpot's "not a valid owner").

use tandem_ground::schema::{FieldType, System};

use super::checked::{FieldRef, ResolvedValueMap, TypedExpr, TypedExprKind};
use super::context::Checker;
use super::errors::CheckError;
use super::fixed_values::looks_like_salesforce_id;
use super::functions::Function;
use super::types::ValueKind;

/// HubSpot's owner property, whose values are the ids of the portal's owners.
fn is_hubspot_owner(field: &FieldRef) -> bool {
    field.system == System::Hubspot && field.field.name == "hubspot_owner_id"
}

/// A Salesforce field holding record ids (its own `Id`, or a reference).
fn holds_salesforce_ids(field: &FieldRef) -> bool {
    field.system == System::Salesforce
        && matches!(field.field.field_type, FieldType::Id | FieldType::Reference)
}

impl Checker<'_> {
    /// Rule 2 for values written into an id-holding field: owner ids stay within their CRM,
    /// and a Salesforce reference gets a Salesforce id. Fixed values are checked with the
    /// other fixed values; mapped values are the map's.
    pub(crate) fn check_record_ids(
        &mut self,
        value: &TypedExpr,
        value_map: Option<&ResolvedValueMap>,
        target: &FieldRef,
    ) {
        if value_map.is_some() || value.ty.is_unknown() {
            return;
        }
        let source = value.as_field();
        if is_hubspot_owner(target) {
            if let Some(source) = source.filter(|source| holds_salesforce_ids(source)) {
                let table = "owners_by_user";
                self.report(
                    value.span,
                    CheckError::OwnerIdAcrossSystems {
                        source_desc: source.display(),
                        from_system: if source.field.reference_to.iter().any(|t| t == "User") {
                            "Salesforce user"
                        } else {
                            "Salesforce record"
                        },
                        target: target.display(),
                        to_system: "HubSpot",
                        to_kind: "owner",
                        help: Some(format!(
                            "translate them with a lookup table of Salesforce user id to HubSpot owner id: `table {table} from \"tables/{table}.csv\"`, then write `{} <- lookup({table}, {})`",
                            short(target),
                            short(source)
                        )),
                        span: value.span.into(),
                    },
                );
            }
            return;
        }
        if target.system != System::Salesforce || target.field.field_type != FieldType::Reference {
            return;
        }
        if let Some(source) = source {
            if holds_salesforce_ids(source) {
                return;
            }
            if is_hubspot_owner(source) && target.field.reference_to.iter().any(|t| t == "User") {
                let table = "users_by_owner";
                self.report(
                    value.span,
                    CheckError::OwnerIdAcrossSystems {
                        source_desc: source.display(),
                        from_system: "HubSpot owner",
                        target: target.display(),
                        to_system: "Salesforce",
                        to_kind: "user",
                        help: Some(format!(
                            "translate them with a lookup table of HubSpot owner id to Salesforce user id: `table {table} from \"tables/{table}.csv\"`, then write `lookup({table}, {}) -> {}`",
                            short(source),
                            short(target)
                        )),
                        span: value.span.into(),
                    },
                );
                return;
            }
        }
        if let TypedExprKind::Call {
            function: Function::Lookup,
            args,
        } = &value.kind
        {
            self.check_lookup_ids(args, value, target);
            return;
        }
        // Fixed values are shaped or not on their own (see fixed_values.rs); here only the
        // values computed per record, which come from elsewhere than a Salesforce id.
        if super::constants::written_values(value).all_fixed() {
            return;
        }
        if value
            .fields()
            .iter()
            .any(|field| holds_salesforce_ids(field))
        {
            return;
        }
        let found = match source {
            Some(source) if source.system == System::Hubspot && value.ty.kind == ValueKind::Id => {
                format!("a HubSpot record id ({})", source.display())
            }
            Some(source) => format!(
                "{} from {}",
                source_kind_phrase(value.ty.kind),
                source.display()
            ),
            None => format!("{} computed here", source_kind_phrase(value.ty.kind)),
        };
        let help = self.through_help(target);
        self.report(
            value.span,
            CheckError::NotARecordId {
                target: target.display(),
                found,
                references: target.field.reference_to.join(" or "),
                help: Some(help),
                span: value.span.into(),
            },
        );
    }

    /// `lookup(table, key)` into a reference: every value of the table must be an id.
    fn check_lookup_ids(&mut self, args: &[TypedExpr], value: &TypedExpr, target: &FieldRef) {
        let Some(TypedExprKind::Table(name)) = args.first().map(|arg| &arg.kind) else {
            return;
        };
        let Some(table) = self.checked_tables.get(name) else {
            return;
        };
        let Some(bad) = table
            .rows
            .values()
            .find(|id| !looks_like_salesforce_id(id))
            .cloned()
        else {
            return;
        };
        self.report(
            value.span,
            CheckError::NotARecordId {
                target: target.display(),
                found: format!("a value of table `{name}` (\"{bad}\")"),
                references: target.field.reference_to.join(" or "),
                help: Some(format!(
                    "every value of `{name}` must be a 15- or 18-character Salesforce id"
                )),
                span: value.span.into(),
            },
        );
    }

    /// How to link records into `target` instead: a `through` mapping, naming a sync of the
    /// records it points to when the spec has one.
    fn through_help(&self, target: &FieldRef) -> String {
        let linking = self.sync_defs.values().find(|sync| {
            [&sync.left, &sync.right].iter().any(|side| {
                self.system_of(&side.connection.name) == Some(System::Salesforce)
                    && target.field.reference_to.contains(&side.object.name)
            })
        });
        match linking {
            Some(sync) => {
                let hubspot = [&sync.left, &sync.right]
                    .into_iter()
                    .find(|side| self.system_of(&side.connection.name) == Some(System::Hubspot));
                let association = hubspot
                    .map(|side| {
                        format!("{}.{}(associated)", side.connection.name, side.object.name)
                    })
                    .unwrap_or_else(|| "hs.<object>(associated)".to_string());
                format!(
                    "a reference holds the id of a Salesforce record: link the records with a `through` mapping, `{association} -> {} through {}`",
                    short(target),
                    sync.name.name
                )
            }
            None => format!(
                "a reference holds the id of a Salesforce record: link records with a `through` mapping over a sync of {} records, or map into a text field",
                target.field.reference_to.join(" or ")
            ),
        }
    }
}

/// `sf.OwnerId`: a field as written inside a sync.
fn short(field: &FieldRef) -> String {
    format!("{}.{}", field.connection, field.field.name)
}

fn source_kind_phrase(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Text | ValueKind::Picklist => "text",
        other => other.describe(),
    }
}
