//! The sandbox renders describe / properties / pipelines / owners from the schema model; the
//! schema converters turn those wire payloads back into the model. Both directions together
//! must reproduce the shipped snapshots exactly, so `tandem schema pull` against the
//! sandbox yields the committed `schemas/*.yaml`.

use crate::support;

use serde_json::Value;
use support::{Api, SF, start, start_with};
use tandem_ground::schema::convert::{
    HubspotObjectInfo, hubspot_object, hubspot_owners, salesforce_object,
};
use tandem_ground::schema::{FieldSchema, FieldType, standard};
use tandem_sandbox::SandboxConfig;

/// Two attributes of the shipped snapshots have no carrier on the wire, so no converter can
/// recover them from any server, real or sandbox: HubSpot properties have no "required"
/// flag (tasks' `hs_timestamp` is required in the snapshot), and the Salesforce converter
/// keeps `scale` only for fractional numbers while the snapshot records `scale: 0` on some
/// `int` fields. Everything else must survive the round trip unchanged.
fn without_wire_invisible(field: &FieldSchema, hubspot: bool) -> FieldSchema {
    let mut field = field.clone();
    if hubspot {
        field.required_on_create = false;
    }
    if field.field_type == FieldType::Int {
        field.scale = None;
    }
    field
}

#[tokio::test]
async fn salesforce_describes_convert_back_to_the_shipped_snapshot() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let shipped = standard::salesforce();
    for (name, expected) in &shipped.objects {
        let reply = api.get(&format!("{SF}/sobjects/{name}/describe")).await;
        let converted = salesforce_object(&reply.text).expect("describe converts");
        for (field_name, field) in &expected.fields {
            let got = converted
                .fields
                .get(field_name)
                .map(|f| without_wire_invisible(f, false));
            assert_eq!(
                got,
                Some(without_wire_invisible(field, false)),
                "{name}.{field_name}"
            );
        }
        assert_eq!(
            &converted.fields.keys().collect::<Vec<_>>(),
            &expected.fields.keys().collect::<Vec<_>>(),
            "{name} field set"
        );
        assert_eq!(
            (
                converted.custom,
                converted.createable,
                converted.updateable,
                converted.deletable
            ),
            (
                expected.custom,
                expected.createable,
                expected.updateable,
                expected.deletable
            ),
            "{name} flags"
        );
        assert_eq!(converted.label, expected.label, "{name} label");
    }
}

/// The raw `defaultedOnCreate` of every field of a describe, by field name.
fn wire_defaulted(describe: &str) -> Vec<(String, bool)> {
    let describe: Value = serde_json::from_str(describe).expect("describe is JSON");
    describe["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            let name = f["name"].as_str().expect("name").to_string();
            let flag = f["defaultedOnCreate"].as_bool().expect("defaultedOnCreate");
            (name, flag)
        })
        .collect()
}

#[tokio::test]
async fn describe_defaulted_on_create_is_the_models_flag_owner_id_included() {
    let sandbox = start(1).await;
    let api = Api::salesforce(&sandbox);
    let shipped = standard::salesforce();
    let mut owner_fields = 0;
    for (name, expected) in &shipped.objects {
        let reply = api.get(&format!("{SF}/sobjects/{name}/describe")).await;
        for (field, flag) in wire_defaulted(&reply.text) {
            let model = expected
                .field(&field)
                .expect("described field is in the model");
            assert_eq!(flag, model.defaulted_on_create, "{name}.{field}");
            if field == "OwnerId" {
                assert!(flag, "{name}.OwnerId is defaulted to the running user");
                owner_fields += 1;
            }
        }
    }
    assert!(
        owner_fields >= 4,
        "Account, Contact, Lead, Opportunity own records"
    );
}

#[tokio::test]
async fn describe_defaulted_on_create_follows_a_catalog_that_sets_it_on_a_nillable_field() {
    // A nillable field the catalog marks defaulted: no rule derived from other flags could
    // produce it, only the model's own flag.
    let mut salesforce = standard::salesforce();
    let department = salesforce
        .objects
        .get_mut("Contact")
        .and_then(|o| o.fields.get_mut("Department"))
        .expect("Contact.Department");
    assert!(department.nillable && !department.defaulted_on_create);
    department.defaulted_on_create = true;
    let sandbox = start_with(SandboxConfig {
        records_per_object: 0,
        salesforce_schema: Some(salesforce),
        ..SandboxConfig::default()
    })
    .await;
    let api = Api::salesforce(&sandbox);
    let reply = api.get(&format!("{SF}/sobjects/Contact/describe")).await;
    let flags = wire_defaulted(&reply.text);
    assert!(
        flags.contains(&("Department".to_string(), true)),
        "{flags:?}"
    );
    assert!(flags.contains(&("Title".to_string(), false)), "{flags:?}");
    let converted = salesforce_object(&reply.text).expect("describe converts");
    let department = converted.field("Department").expect("Department");
    assert!(department.defaulted_on_create && !department.required_on_create);
}

#[tokio::test]
async fn hubspot_properties_pipelines_and_owners_convert_back_to_the_shipped_snapshot() {
    let sandbox = start(1).await;
    let api = Api::hubspot(&sandbox);
    let shipped = standard::hubspot();
    for (name, expected) in &shipped.objects {
        let info = HubspotObjectInfo {
            name: name.clone(),
            label: expected.label.clone(),
            object_type_id: expected.object_type_id.clone(),
            custom: expected.custom,
        };
        let properties = api.get(&format!("/crm/v3/properties/{name}")).await.text;
        let pipelines = if expected.pipelines.is_empty() {
            None
        } else {
            Some(api.get(&format!("/crm/v3/pipelines/{name}")).await.text)
        };
        let converted =
            hubspot_object(&info, &properties, pipelines.as_deref()).expect("properties convert");
        for (field_name, field) in &expected.fields {
            let got = converted
                .fields
                .get(field_name)
                .map(|f| without_wire_invisible(f, true));
            assert_eq!(
                got,
                Some(without_wire_invisible(field, true)),
                "{name}.{field_name}"
            );
        }
        assert_eq!(
            converted.fields.len(),
            expected.fields.len(),
            "{name} field count"
        );
        assert_eq!(converted.pipelines, expected.pipelines, "{name} pipelines");
    }
    let owners = api.get("/crm/v3/owners").await.text;
    assert_eq!(
        hubspot_owners(&owners).expect("owners convert"),
        shipped.owners
    );
}
