//! Schema changes an admin makes in the CRM's setup UI, applied to the catalog a running
//! sandbox serves: delete a field, delete a picklist value, make a field read-only. Describe
//! and properties responses, SOQL and write validation all read this catalog, so a removed
//! field is then unknown everywhere (INVALID_FIELD, PROPERTY_DOESNT_EXIST).

use serde::{Deserialize, Serialize};

use super::{ControlError, SandboxControl, resolve_object};
use crate::crm::CrmData;
use tandem_ground::schema::{FieldSchema, System};

/// Which writes a field accepts; `None` leaves that side as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldAccess {
    pub createable: Option<bool>,
    pub updateable: Option<bool>,
}

impl SandboxControl {
    /// Deletes a field (property) from an object's catalog; stored values stay hidden.
    pub fn remove_field(
        &self,
        system: System,
        object: &str,
        field: &str,
    ) -> Result<(), ControlError> {
        let mut crm = self.shared.system(system).write();
        let (object, name) = resolve_field(&crm, object, field)?;
        if let Some(schema) = crm.schema.objects.get_mut(&object) {
            schema.fields.remove(&name);
        }
        Ok(())
    }

    /// Deletes one option of a picklist (Salesforce) or enumeration (HubSpot) field.
    pub fn remove_picklist_value(
        &self,
        system: System,
        object: &str,
        field: &str,
        value: &str,
    ) -> Result<(), ControlError> {
        let mut crm = self.shared.system(system).write();
        let (object, name) = resolve_field(&crm, object, field)?;
        let unknown_value = || ControlError::UnknownValue {
            object: object.clone(),
            field: name.clone(),
            value: value.to_string(),
        };
        let picklist = field_mut(&mut crm, &object, &name)
            .and_then(|f| f.picklist.as_mut())
            .ok_or_else(unknown_value)?;
        let before = picklist.values.len();
        picklist.values.retain(|option| option.value != value);
        if picklist.values.len() == before {
            return Err(unknown_value());
        }
        Ok(())
    }

    /// Changes whether creates and updates may set a field; returns the field's resulting
    /// access. On HubSpot, a property neither side may write is
    /// `modificationMetadata.readOnlyValue`.
    pub fn set_field_access(
        &self,
        system: System,
        object: &str,
        field: &str,
        access: FieldAccess,
    ) -> Result<FieldAccess, ControlError> {
        let mut crm = self.shared.system(system).write();
        let (object, name) = resolve_field(&crm, object, field)?;
        let schema = field_mut(&mut crm, &object, &name).ok_or(ControlError::UnknownField {
            object,
            field: name,
        })?;
        if let Some(createable) = access.createable {
            schema.createable = createable;
        }
        if let Some(updateable) = access.updateable {
            schema.updateable = updateable;
        }
        if system == System::Hubspot {
            schema.read_only_value = !schema.createable && !schema.updateable;
        }
        Ok(FieldAccess {
            createable: Some(schema.createable),
            updateable: Some(schema.updateable),
        })
    }
}

fn field_mut<'a>(crm: &'a mut CrmData, object: &str, field: &str) -> Option<&'a mut FieldSchema> {
    crm.schema.objects.get_mut(object)?.fields.get_mut(field)
}

/// The catalog's names for an object and one of its fields (Salesforce names are
/// case-insensitive, HubSpot property names are not).
fn resolve_field(
    crm: &CrmData,
    object: &str,
    field: &str,
) -> Result<(String, String), ControlError> {
    let object = resolve_object(crm, object)?;
    let schema = crm
        .object(&object)
        .ok_or_else(|| ControlError::UnknownObject(object.clone()))?;
    let name = schema.fields.keys().find(|name| match crm.system {
        System::Salesforce => name.eq_ignore_ascii_case(field),
        System::Hubspot => name.as_str() == field,
    });
    match name {
        Some(name) => Ok((object, name.clone())),
        None => Err(ControlError::UnknownField {
            object,
            field: field.to_string(),
        }),
    }
}
