//! Salesforce error bodies: top-level `[{"message","errorCode","fields"}]` and per-record
//! `{"statusCode","message","fields"}` results, with the real codes and messages.
//!
//! Two families of top-level errors exist in a real org. Errors raised while saving a record
//! (the DML layer: `ENTITY_IS_DELETED`, `CANNOT_UPDATE_CONVERTED_LEAD`, `DUPLICATE_VALUE`...)
//! always carry `fields`, empty or not: `[{"errorCode":"ENTITY_IS_DELETED","message":"entity
//! is deleted","fields":[]}]` (salesforce-api.md §6; the Save Result error shape of the REST
//! API Developer Guide). Errors of the REST framework itself (`NOT_FOUND`, `MALFORMED_QUERY`,
//! `INVALID_SESSION_ID`, `JSON_PARSER_ERROR`) carry `fields` only when they name one.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::validate::Violation;

/// One Salesforce error (used both top-level and per record).
#[derive(Debug, Clone, PartialEq)]
pub struct SfFault {
    pub code: String,
    pub message: String,
    pub fields: Vec<String>,
    /// Extra keys (DUPLICATES_DETECTED's `duplicateResut`).
    pub extra: Option<Box<(String, Value)>>,
    /// Raised by the save of a record (DML): the top-level body then always has `fields`.
    pub dml: bool,
}

impl SfFault {
    /// A fault raised while saving a record (the DML layer).
    pub fn new(code: &str, message: impl Into<String>, fields: Vec<String>) -> Self {
        SfFault {
            code: code.to_string(),
            message: message.into(),
            fields,
            extra: None,
            dml: true,
        }
    }

    /// A fault of the REST framework (routing, parsing, auth): `fields` only when named.
    pub fn framework(code: &str, message: impl Into<String>) -> Self {
        SfFault {
            dml: false,
            ..SfFault::new(code, message, Vec::new())
        }
    }

    /// As an entry of a per-record result's `errors` (keyed `statusCode`).
    pub fn record_json(&self) -> Value {
        let mut body =
            json!({"statusCode": self.code, "message": self.message, "fields": self.fields});
        if let Some(extra) = &self.extra {
            let (key, value) = extra.as_ref();
            body[key.as_str()] = value.clone();
        }
        body
    }

    /// As an entry of a top-level error array (keyed `errorCode`).
    pub fn top_json(&self) -> Value {
        let mut body = json!({"message": self.message, "errorCode": self.code});
        if self.dml || !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        if let Some(extra) = &self.extra {
            let (key, value) = extra.as_ref();
            body[key.as_str()] = value.clone();
        }
        body
    }
}

/// A whole-request Salesforce error response.
#[derive(Debug)]
pub struct SfError {
    pub status: StatusCode,
    pub faults: Vec<SfFault>,
}

impl SfError {
    /// A framework error (no `fields` key), as routing and parsing failures answer.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        SfError {
            status,
            faults: vec![SfFault::framework(code, message)],
        }
    }

    /// A record-save error: the body carries `"fields": [...]` even when empty.
    pub fn dml(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        SfError {
            status,
            faults: vec![SfFault::new(code, message, Vec::new())],
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        SfError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> Self {
        SfError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    pub fn from_faults(status: StatusCode, faults: Vec<SfFault>) -> Self {
        SfError { status, faults }
    }

    pub fn unknown_object(name: &str) -> Self {
        SfError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "The requested resource does not exist: sObject type '{name}' is not supported."
            ),
        )
    }
}

impl IntoResponse for SfError {
    fn into_response(self) -> Response {
        let body: Vec<Value> = self.faults.iter().map(SfFault::top_json).collect();
        (self.status, Json(Value::Array(body))).into_response()
    }
}

/// The Salesforce code and message for a validation violation.
pub fn violation_fault(object: &str, violation: &Violation) -> SfFault {
    match violation {
        Violation::UnknownField { field } => SfFault::new(
            "INVALID_FIELD",
            format!("No such column '{field}' on sobject of type {object}"),
            vec![field.clone()],
        ),
        Violation::NotWritable { field } => SfFault::new(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set."
            ),
            vec![field.clone()],
        ),
        Violation::RequiredMissing { fields } => SfFault::new(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", fields.join(", ")),
            fields.clone(),
        ),
        Violation::BadPicklist {
            field,
            label,
            value,
            ..
        } => SfFault::new(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            format!("{label}: bad value for restricted picklist field: {value}"),
            vec![field.clone()],
        ),
        Violation::TooLong {
            field,
            label,
            value,
            max,
        } => SfFault::new(
            "STRING_TOO_LONG",
            format!("{label}: data value too large: {value} (max length={max})"),
            vec![field.clone()],
        ),
        Violation::BadEmail {
            field,
            label,
            value,
        } => SfFault::new(
            "INVALID_EMAIL_ADDRESS",
            format!("{label}: invalid email address: {value}"),
            vec![field.clone()],
        ),
        Violation::BadNumber { field, value, .. } => SfFault::new(
            "JSON_PARSER_ERROR",
            format!(
                "Cannot deserialize instance of double from VALUE_STRING value {value} or request may be missing a required field"
            ),
            vec![field.clone()],
        ),
        Violation::BadBool { field, value, .. } => SfFault::new(
            "JSON_PARSER_ERROR",
            format!(
                "Cannot deserialize instance of boolean from VALUE_STRING value {value} or request may be missing a required field"
            ),
            vec![field.clone()],
        ),
        Violation::BadDate { field, value, .. } => SfFault::new(
            "JSON_PARSER_ERROR",
            format!(
                "Cannot deserialize instance of date from VALUE_STRING value {value} or request may be missing a required field"
            ),
            vec![field.clone()],
        ),
        Violation::MalformedId {
            field,
            label,
            value,
        } => SfFault::new(
            "MALFORMED_ID",
            format!("{label}: id value of incorrect type: {value}"),
            vec![field.clone()],
        ),
        Violation::BadReference {
            field,
            label,
            value,
        } => SfFault::new(
            "FIELD_INTEGRITY_EXCEPTION",
            format!("{label}: id value of incorrect type: {value}"),
            vec![field.clone()],
        ),
    }
}

/// Violations that Salesforce reports for the whole request rather than per record
/// (the JSON cannot be mapped onto the sObject at all).
pub fn is_request_level(violation: &Violation) -> bool {
    matches!(
        violation,
        Violation::UnknownField { .. }
            | Violation::BadNumber { .. }
            | Violation::BadBool { .. }
            | Violation::BadDate { .. }
    )
}

/// A JSON body extractor whose rejection is Salesforce's `JSON_PARSER_ERROR` array body.
pub struct SfJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for SfJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = SfError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(SfJson(value)),
            Err(rejection) => Err(SfError::bad_request(
                "JSON_PARSER_ERROR",
                rejection.body_text(),
            )),
        }
    }
}
