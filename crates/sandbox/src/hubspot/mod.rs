//! The HubSpot server: CRM v3 objects (engagements and tickets included), search, batch,
//! merge, properties, pipelines, owners, associations v4 and their labels, custom object
//! schemas, exports, webhooks v3 settings and subscriptions, OAuth token and daily usage
//! endpoints, plus `/_sandbox/` control routes. Every property value on the wire is a string.

pub mod associations;
pub mod batch;
pub mod calculated;
pub mod errors;
pub mod exports;
pub mod merge;
pub mod meta;
pub mod objects;
pub mod owners;
pub mod portal;
pub mod render;
pub mod schemas;
pub mod search;
pub mod tier;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{delete, get, post, put};

use super::{Shared, control, gate};
use tandem_ground::schema::System;

/// HubSpot serves the objects API under `/crm/v3/objects` and under date-versioned paths
/// with the same shapes.
const OBJECT_PREFIXES: &[&str] = &[
    "/crm/v3/objects",
    "/crm/objects/2025-09",
    "/crm/objects/2026-03",
    "/crm/objects/2026-09",
];

fn object_routes(prefix: &str) -> Router<Arc<Shared>> {
    Router::new()
        .route(
            &format!("{prefix}/{{object_type}}"),
            get(objects::list).post(objects::create),
        )
        .route(
            &format!("{prefix}/{{object_type}}/search"),
            post(search::search),
        )
        .route(
            &format!("{prefix}/{{object_type}}/merge"),
            post(objects::merge),
        )
        .route(
            &format!("{prefix}/{{object_type}}/batch/read"),
            post(batch::read),
        )
        .route(
            &format!("{prefix}/{{object_type}}/batch/create"),
            post(batch::create),
        )
        .route(
            &format!("{prefix}/{{object_type}}/batch/update"),
            post(batch::update),
        )
        .route(
            &format!("{prefix}/{{object_type}}/batch/upsert"),
            post(batch::upsert),
        )
        .route(
            &format!("{prefix}/{{object_type}}/batch/archive"),
            post(batch::archive),
        )
        .route(
            &format!("{prefix}/{{object_type}}/{{object_id}}"),
            get(objects::get_one)
                .patch(objects::update)
                .delete(objects::archive),
        )
}

pub fn router(shared: Arc<Shared>) -> Router {
    let mut api = Router::new()
        .route("/crm/v3/properties/{object_type}", get(meta::properties))
        .route(
            "/crm/v3/properties/{object_type}/{property_name}",
            get(meta::property),
        )
        .route("/crm/v3/schemas", get(schemas::list))
        .route("/crm/v3/schemas/{object_type}", get(schemas::get_one))
        .route(
            "/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}",
            get(associations::list),
        )
        .route(
            "/crm/v4/objects/{from_type}/{from_id}/associations/default/{to_type}/{to_id}",
            put(associations::put_default),
        )
        .route(
            "/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}/{to_id}",
            put(associations::put_labelled).delete(associations::delete_pair),
        )
        .route(
            "/crm/v4/associations/{from_type}/{to_type}/labels",
            get(associations::labels)
                .post(associations::create_label)
                .put(associations::update_label),
        )
        .route(
            "/crm/v4/associations/{from_type}/{to_type}/labels/{type_id}",
            delete(associations::delete_label),
        )
        .route(
            "/crm/v4/associations/{from_type}/{to_type}/batch/associate/default",
            post(associations::batch_associate_default),
        )
        .route(
            "/crm/v4/associations/{from_type}/{to_type}/batch/{action}",
            post(associations::batch),
        )
        .route("/crm/v3/pipelines/{object_type}", get(meta::pipelines))
        .route(
            "/crm/v3/pipelines/{object_type}/{pipeline_id}",
            get(meta::pipeline),
        )
        .route("/crm/v3/owners", get(owners::list))
        .route("/crm/v3/owners/", get(owners::list))
        .route("/crm/v3/owners/{owner_id}", get(owners::one))
        .route("/crm/v3/exports/export/async", post(exports::start))
        .route(
            "/crm/v3/exports/export/async/tasks/{task_id}/status",
            get(exports::status),
        )
        .route("/crm/v3/exports/export/{export_id}", get(exports::details))
        .route(
            "/account-info/v3/api-usage/daily/private-apps",
            get(meta::daily_usage),
        );
    for prefix in OBJECT_PREFIXES {
        api = api.merge(object_routes(prefix));
    }
    let api = api.route_layer(middleware::from_fn_with_state(
        (shared.clone(), System::Hubspot),
        gate::gate,
    ));
    let open = Router::new()
        // Export files are pre-signed links: no authorization, not metered.
        .route("/exports-download/{token}", get(exports::download))
        .route("/oauth/v1/token", post(meta::token))
        .route("/oauth/v3/token", post(meta::token))
        .route("/oauth/2026-03/token", post(meta::token))
        .route_layer(middleware::from_fn_with_state(
            (shared.clone(), System::Hubspot),
            gate::count_only,
        ));
    api.merge(open)
        .merge(super::webhooks::router(shared.clone()))
        .merge(control::router(System::Hubspot))
        .with_state(shared)
}
