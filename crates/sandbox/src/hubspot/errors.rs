//! HubSpot error bodies: `{"status":"error","message","correlationId","category",...}` and
//! the per-input `StandardError` objects of 207 multi-status batch responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::gate::correlation_id;
use crate::validate::Violation;

/// A whole-request HubSpot error.
#[derive(Debug)]
pub struct HsError {
    pub status: StatusCode,
    pub category: &'static str,
    pub message: String,
    pub errors: Vec<Value>,
}

impl HsError {
    pub fn new(status: StatusCode, category: &'static str, message: impl Into<String>) -> Self {
        HsError {
            status,
            category,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        HsError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    pub fn not_found() -> Self {
        HsError::new(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            "resource not found",
        )
    }

    pub fn unknown_object(object_type: &str) -> Self {
        HsError::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("Unable to infer object type from: {object_type}"),
        )
    }

    /// `Property values were not valid: [...]`, the body HubSpot sends for bad values.
    pub fn from_violations(violations: &[Violation]) -> Self {
        let details: Vec<Value> = violations.iter().map(violation_detail).collect();
        let mut error = HsError::validation(format!(
            "Property values were not valid: {}",
            Value::Array(details.clone())
        ));
        error.errors = violations
            .iter()
            .zip(details)
            .map(|(violation, detail)| {
                json!({
                    "message": detail["message"],
                    "code": detail["error"],
                    "context": {"propertyName": [violation.field().unwrap_or_default()]},
                })
            })
            .collect();
        error
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
        });
        if !self.errors.is_empty() {
            body["errors"] = Value::Array(self.errors.clone());
        }
        body
    }
}

impl IntoResponse for HsError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// The `{"isValid":false,...}` object HubSpot embeds per bad property.
fn violation_detail(violation: &Violation) -> Value {
    let (code, name, message) = match violation {
        Violation::UnknownField { field } => (
            "PROPERTY_DOESNT_EXIST",
            field.clone(),
            format!("Property \"{field}\" does not exist"),
        ),
        Violation::NotWritable { field } => (
            "READ_ONLY_VALUE",
            field.clone(),
            format!("\"{field}\" is a read only property; its value cannot be set."),
        ),
        Violation::BadPicklist {
            field,
            value,
            allowed,
            ..
        } => (
            "INVALID_OPTION",
            field.clone(),
            format!(
                "{value} was not one of the allowed options: [{}]",
                allowed.join(", ")
            ),
        ),
        Violation::BadEmail { field, value, .. } => (
            "INVALID_EMAIL",
            field.clone(),
            format!("Email address {value} is invalid"),
        ),
        Violation::BadNumber { field, value, .. } => (
            "INVALID_INTEGER",
            field.clone(),
            format!("{value} is not a valid number"),
        ),
        Violation::BadBool { field, value, .. } => (
            "INVALID_BOOLEAN",
            field.clone(),
            format!("{value} is not a valid boolean; use true or false"),
        ),
        Violation::BadDate { field, value, .. } => (
            "INVALID_DATE",
            field.clone(),
            format!(
                "{value} is not a valid date for {field}; dates must be midnight UTC epoch milliseconds or YYYY-MM-DD"
            ),
        ),
        Violation::TooLong { field, max, .. } => (
            "INVALID_LENGTH",
            field.clone(),
            format!("{field} exceeds the maximum length of {max}"),
        ),
        Violation::RequiredMissing { fields } => (
            "REQUIRED_PROPERTY_MISSING",
            fields.join(","),
            format!("required properties are missing: {}", fields.join(", ")),
        ),
        Violation::MalformedId { field, value, .. }
        | Violation::BadReference { field, value, .. } => (
            "INVALID_OPTION",
            field.clone(),
            format!("{value} is not a valid value for {field}"),
        ),
    };
    json!({
        "isValid": false,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
    })
}

/// A `StandardError` for a 207 batch response.
pub fn standard_error(category: &str, message: &str, context: Value) -> Value {
    json!({
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    })
}

/// A JSON body extractor whose rejection is HubSpot's own 400 `VALIDATION_ERROR` body rather
/// than axum's plain-text one.
pub struct HsJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for HsJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = HsError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(HsJson(value)),
            Err(rejection) => Err(HsError::validation(format!(
                "Invalid input JSON: {}",
                rejection.body_text()
            ))),
        }
    }
}
