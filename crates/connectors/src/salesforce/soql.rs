//! SOQL text for tandem's reads. Pure. Object and field names are validated as API names
//! before they are spliced in, so a spec can never inject SOQL.

use crate::error::ConnectorError;
use crate::watermark::soql_datetime;
use tandem_ground::schema::System;

/// Fields a converted Lead carries, always read for `Lead` so the engine can re-point links.
pub const CONVERTED_LEAD_FIELDS: [&str; 5] = [
    "IsConverted",
    "ConvertedAccountId",
    "ConvertedContactId",
    "ConvertedOpportunityId",
    "ConvertedDate",
];

/// Objects whose merges leave `MasterRecordId` on the soft-deleted losers.
pub fn is_mergeable(sobject: &str) -> bool {
    matches!(sobject, "Lead" | "Contact" | "Account")
}

/// `Name`, `Custom__c`, `ns__Field__c`, relationship paths such as `Owner.Email`.
pub fn is_api_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

pub fn check_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), ConnectorError> {
    for name in names {
        if !is_api_name(name) {
            return Err(ConnectorError::Rejected {
                system: System::Salesforce,
                method: "GET".into(),
                path: "query".into(),
                status: 0,
                code: "INVALID_API_NAME".into(),
                message: format!(
                    "`{name}` is not a Salesforce API name; refusing to build SOQL with it"
                ),
            });
        }
    }
    Ok(())
}

/// The select list: `Id`, `SystemModstamp`, the requested fields, and for Leads the
/// conversion fields, each once, in that order.
pub fn select_list(sobject: &str, fields: &[String]) -> Vec<String> {
    let mut list: Vec<String> = vec!["Id".into(), "SystemModstamp".into()];
    let extras: &[&str] = if sobject == "Lead" {
        &CONVERTED_LEAD_FIELDS
    } else {
        &[]
    };
    for field in fields
        .iter()
        .map(String::as_str)
        .chain(extras.iter().copied())
    {
        if !list.iter().any(|known| known.eq_ignore_ascii_case(field)) {
            list.push(field.to_string());
        }
    }
    list
}

/// `SELECT … FROM X [WHERE SystemModstamp >= t] ORDER BY SystemModstamp, Id`.
pub fn changed_query(
    sobject: &str,
    fields: &[String],
    since_ms: Option<i64>,
) -> Result<String, ConnectorError> {
    let select = select_list(sobject, fields);
    check_names(std::iter::once(sobject).chain(select.iter().map(String::as_str)))?;
    let mut soql = format!("SELECT {} FROM {sobject}", select.join(", "));
    if let Some(since) = since_ms.and_then(soql_datetime) {
        soql.push_str(&format!(" WHERE SystemModstamp >= {since}"));
    }
    soql.push_str(" ORDER BY SystemModstamp, Id");
    Ok(soql)
}

/// A full read restricted to a sync's scope: `SELECT … FROM X WHERE (condition) ORDER BY
/// SystemModstamp, Id`. The condition comes from compile's pushdown, whose field names are
/// checked against the schema and whose literals are escaped; it is parenthesised so its
/// `OR`s never bind with anything added around it.
pub fn scoped_query(
    sobject: &str,
    fields: &[String],
    condition: &str,
) -> Result<String, ConnectorError> {
    let select = select_list(sobject, fields);
    check_names(std::iter::once(sobject).chain(select.iter().map(String::as_str)))?;
    Ok(format!(
        "SELECT {} FROM {sobject} WHERE ({condition}) ORDER BY SystemModstamp, Id",
        select.join(", ")
    ))
}

/// Soft-deleted rows (for `queryAll`), with `MasterRecordId` for mergeable objects.
pub fn deleted_query(sobject: &str, since_ms: Option<i64>) -> Result<String, ConnectorError> {
    check_names([sobject])?;
    let master = if is_mergeable(sobject) {
        ", MasterRecordId"
    } else {
        ""
    };
    let mut soql = format!(
        "SELECT Id, SystemModstamp, IsDeleted{master} FROM {sobject} WHERE IsDeleted = true"
    );
    if let Some(since) = since_ms.and_then(soql_datetime) {
        soql.push_str(&format!(" AND SystemModstamp >= {since}"));
    }
    soql.push_str(" ORDER BY SystemModstamp, Id");
    Ok(soql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_query_filters_and_orders_on_systemmodstamp() {
        let since = crate::watermark::parse_timestamp_ms("2025-01-31T23:59:59.500Z");
        let soql = changed_query(
            "Contact",
            &["Email".into(), "LastName".into(), "Id".into()],
            since,
        )
        .unwrap();
        assert_eq!(
            soql,
            "SELECT Id, SystemModstamp, Email, LastName FROM Contact WHERE SystemModstamp >= 2025-01-31T23:59:59Z ORDER BY SystemModstamp, Id"
        );
    }

    #[test]
    fn scoped_query_parenthesises_the_pushed_down_condition() {
        let soql = scoped_query(
            "Account",
            &["Name".into()],
            "Type = 'Customer' AND AnnualRevenue > 1000",
        )
        .unwrap();
        assert_eq!(
            soql,
            "SELECT Id, SystemModstamp, Name FROM Account WHERE (Type = 'Customer' AND AnnualRevenue > 1000) ORDER BY SystemModstamp, Id"
        );
    }

    #[test]
    fn lead_queries_always_carry_the_conversion_fields() {
        let soql = changed_query("Lead", &["Email".into()], None).unwrap();
        assert_eq!(
            soql,
            "SELECT Id, SystemModstamp, Email, IsConverted, ConvertedAccountId, ConvertedContactId, ConvertedOpportunityId, ConvertedDate FROM Lead ORDER BY SystemModstamp, Id"
        );
    }

    #[test]
    fn deleted_query_reads_master_record_id_only_where_merges_exist() {
        assert_eq!(
            deleted_query("Account", Some(0)).unwrap(),
            "SELECT Id, SystemModstamp, IsDeleted, MasterRecordId FROM Account WHERE IsDeleted = true AND SystemModstamp >= 1970-01-01T00:00:00Z ORDER BY SystemModstamp, Id"
        );
        assert_eq!(
            deleted_query("Opportunity", None).unwrap(),
            "SELECT Id, SystemModstamp, IsDeleted FROM Opportunity WHERE IsDeleted = true ORDER BY SystemModstamp, Id"
        );
    }

    #[test]
    fn names_that_could_inject_soql_are_refused() {
        assert!(is_api_name("HubSpot_Id__c"));
        assert!(is_api_name("Owner.Email"));
        assert!(!is_api_name("Email FROM User WHERE"));
        assert!(!is_api_name("Name,(SELECT Id FROM Contacts)"));
        assert!(changed_query("Lead; DROP", &[], None).is_err());
        assert!(changed_query("Lead", &["Email'".into()], None).is_err());
    }
}
