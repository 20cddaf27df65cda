//! The HubSpot server: CRM v3 objects, search, batch, merge, properties, pipelines, owners,
//! associations v4, OAuth token and daily usage endpoints, plus `/_sandbox/` control routes.
//! Every property value on the wire is a string.

pub mod associations;
pub mod batch;
pub mod errors;
pub mod meta;
pub mod objects;
pub mod render;
pub mod search;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post, put};

use super::{Shared, control, gate};
use crate::schema::System;

pub fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/crm/v3/properties/{object_type}", get(meta::properties))
        .route(
            "/crm/v3/properties/{object_type}/{property_name}",
            get(meta::property),
        )
        .route(
            "/crm/v3/objects/{object_type}",
            get(objects::list).post(objects::create),
        )
        .route("/crm/v3/objects/{object_type}/search", post(search::search))
        .route("/crm/v3/objects/{object_type}/merge", post(objects::merge))
        .route(
            "/crm/v3/objects/{object_type}/batch/read",
            post(batch::read),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/create",
            post(batch::create),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/update",
            post(batch::update),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/upsert",
            post(batch::upsert),
        )
        .route(
            "/crm/v3/objects/{object_type}/batch/archive",
            post(batch::archive),
        )
        .route(
            "/crm/v3/objects/{object_type}/{object_id}",
            get(objects::get_one)
                .patch(objects::update)
                .delete(objects::archive),
        )
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
            get(associations::labels),
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
        .route("/crm/v3/owners", get(meta::owners))
        .route("/crm/v3/owners/", get(meta::owners))
        .route("/crm/v3/owners/{owner_id}", get(meta::owner))
        .route(
            "/account-info/v3/api-usage/daily/private-apps",
            get(meta::daily_usage),
        )
        .route_layer(middleware::from_fn_with_state(
            (shared.clone(), System::Hubspot),
            gate::gate,
        ));
    let open = Router::new()
        .route("/oauth/v1/token", post(meta::token))
        .route("/oauth/v3/token", post(meta::token))
        .route("/oauth/2026-03/token", post(meta::token))
        .route_layer(middleware::from_fn_with_state(
            (shared.clone(), System::Hubspot),
            gate::count_only,
        ));
    api.merge(open)
        .merge(control::router(System::Hubspot))
        .with_state(shared)
}
