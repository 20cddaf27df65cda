//! Child relationships: which lookups point at an object and under which relationship name
//! a parent-to-child subquery (`SELECT Id, (SELECT Id FROM Contacts) FROM Account`) and
//! `describe.childRelationships` name them.
//!
//! The names of the standard relationships are Salesforce's own (Object Reference, each
//! object's "Child Relationships"; the SOQL and SOSL Reference, "Understanding Relationship
//! Names"): `Contacts`, `Opportunities`, `Cases`, `Tasks`, `Events`, `OpportunityContactRoles`,
//! `AccountContactRelations`, `ChildAccounts`, `OpportunityHistories`. Lookups that have no
//! child relationship in a real org (`Lead.ConvertedAccountId`, `Task.AccountId`, the audit
//! fields pointing at `User`) have none here either. A custom lookup `Foo__c` gets `Foo__r`
//! named after its object, as the existing describe always did.

use tandem_ground::schema::{FieldType, ObjectSchema, SchemaSnapshot};

/// One lookup pointing at a parent object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRelationship {
    /// The child object (`Contact`).
    pub child: String,
    /// The child's lookup field (`AccountId`).
    pub field: String,
    /// The relationship name used in subqueries (`Contacts`), when the lookup has one.
    pub name: Option<String>,
}

/// The relationship name of `child.field` as seen from its parent, or `None` when Salesforce
/// gives that lookup none.
pub fn child_relationship_name(child: &ObjectSchema, field: &str) -> Option<String> {
    let standard = match (child.name.as_str(), field) {
        ("Contact", "AccountId") => Some("Contacts"),
        ("Opportunity", "AccountId") => Some("Opportunities"),
        ("Case", "AccountId" | "ContactId") => Some("Cases"),
        ("Case", "ParentId") => Some("Cases"),
        ("Task", "WhatId" | "WhoId") => Some("Tasks"),
        ("Event", "WhatId" | "WhoId") => Some("Events"),
        ("OpportunityContactRole", "OpportunityId" | "ContactId") => {
            Some("OpportunityContactRoles")
        }
        ("AccountContactRelation", "AccountId" | "ContactId") => Some("AccountContactRelations"),
        ("Account", "ParentId") => Some("ChildAccounts"),
        ("OpportunityHistory", "OpportunityId") => Some("OpportunityHistories"),
        _ => None,
    };
    if let Some(name) = standard {
        return Some(name.to_string());
    }
    if child.custom || field.ends_with("__c") {
        return Some(format!("{}__r", child.name.trim_end_matches("__c")));
    }
    None
}

/// Every lookup (not `MasterRecordId`) that can point at `parent`, in catalog order.
pub fn child_relationships(schema: &SchemaSnapshot, parent: &str) -> Vec<ChildRelationship> {
    let mut out = Vec::new();
    for child in schema.objects.values() {
        for field in child.fields.values() {
            if field.field_type == FieldType::Reference
                && field.name != "MasterRecordId"
                && field.reference_to.iter().any(|target| target == parent)
            {
                out.push(ChildRelationship {
                    child: child.name.clone(),
                    field: field.name.clone(),
                    name: child_relationship_name(child, &field.name),
                });
            }
        }
    }
    out
}

/// The lookup a subquery's `FROM` names, matched case-insensitively as SOQL does.
pub fn find_child_relationship(
    schema: &SchemaSnapshot,
    parent: &str,
    name: &str,
) -> Option<ChildRelationship> {
    child_relationships(schema, parent)
        .into_iter()
        .find(|relation| {
            relation
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_child_relationships_have_their_real_names() {
        let schema = crate::catalog::standard_salesforce();
        let contacts = find_child_relationship(&schema, "Account", "contacts").expect("Contacts");
        assert_eq!(
            (contacts.child.as_str(), contacts.field.as_str()),
            ("Contact", "AccountId")
        );
        let roles = find_child_relationship(&schema, "Opportunity", "OpportunityContactRoles")
            .expect("roles");
        assert_eq!(roles.field, "OpportunityId");
        let tasks = find_child_relationship(&schema, "Contact", "Tasks").expect("tasks");
        assert_eq!(tasks.field, "WhoId");
        assert!(
            child_relationships(&schema, "Account")
                .iter()
                .any(|r| r.child == "Lead" && r.field == "ConvertedAccountId" && r.name.is_none())
        );
    }
}
