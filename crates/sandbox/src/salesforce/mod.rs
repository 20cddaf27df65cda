//! The Salesforce server: REST API under `/services/data/vXX.X/` (versions 31.0 to 67.0 are
//! served alike, except that upsert updates answer 204 before 46.0), `GET /services/data/`,
//! the OAuth token endpoint, describeGlobal / describe, SOQL query / queryAll with cursor
//! paging, single-record CRUD and upsert by external id, sObject collections,
//! getUpdated / getDeleted, `/limits`, Bulk API 2.0 ingest and query jobs, the SOAP
//! `convertLead` and `merge` calls (`/services/Soap/u|c/{version}`); plus `/_sandbox/`
//! control.

pub mod bulk;
pub mod bulk_query;
pub mod collections;
pub mod derived;
pub mod describe;
pub mod errors;
pub mod jwt;
pub mod lead_convert;
pub mod merge;
pub mod query;
pub mod query_cursor;
pub mod query_plan;
pub mod records;
pub mod relationships;
pub mod render;
pub mod soap;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{MethodRouter, get, post, put};

use super::{Shared, control, gate};
use errors::SfError;
use tandem_ground::schema::System;

/// The version the sandbox advertises as latest and uses in generated URLs.
pub const PINNED_VERSION: &str = "62.0";
pub const OLDEST_VERSION: u32 = 31;
pub const NEWEST_VERSION: u32 = 67;

/// `v62.0` -> `62.0`, or NOT_FOUND for a version this sandbox does not serve.
pub fn api_version(text: &str) -> Result<String, SfError> {
    let number = text
        .strip_prefix('v')
        .and_then(|n| n.strip_suffix(".0"))
        .and_then(|n| n.parse::<u32>().ok());
    match number {
        Some(n) if (OLDEST_VERSION..=NEWEST_VERSION).contains(&n) => Ok(format!("{n}.0")),
        _ => Err(SfError::not_found()),
    }
}

fn both(
    router: Router<Arc<Shared>>,
    path: &str,
    method: MethodRouter<Arc<Shared>>,
) -> Router<Arc<Shared>> {
    router
        .route(path, method.clone())
        .route(&format!("{path}/"), method)
}

pub fn router(shared: Arc<Shared>) -> Router {
    let base = "/services/data/{version}";
    let mut api = Router::new()
        .route(base, get(describe::resources))
        .route(&format!("{base}/"), get(describe::resources));
    api = both(
        api,
        &format!("{base}/sobjects"),
        get(describe::describe_global),
    );
    api = both(
        api,
        &format!("{base}/sobjects/{{object}}"),
        get(describe::sobject_info).post(records::create),
    );
    api = both(
        api,
        &format!("{base}/sobjects/{{object}}/describe"),
        get(describe::describe),
    );
    api = both(
        api,
        &format!("{base}/sobjects/{{object}}/updated"),
        get(records::get_updated),
    );
    api = both(
        api,
        &format!("{base}/sobjects/{{object}}/deleted"),
        get(records::get_deleted),
    );
    api = api
        .route(
            &format!("{base}/sobjects/{{object}}/{{id}}"),
            get(records::read)
                .patch(records::update)
                .delete(records::delete),
        )
        .route(
            &format!("{base}/sobjects/{{object}}/{{field}}/{{value}}"),
            get(records::read_by_external_id).patch(records::upsert_by_external_id),
        );
    api = both(api, &format!("{base}/query"), get(query::query));
    api = both(api, &format!("{base}/queryAll"), get(query::query_all));
    api = api
        .route(&format!("{base}/query/{{cursor}}"), get(query::next_page))
        .route(
            &format!("{base}/queryAll/{{cursor}}"),
            get(query::next_page),
        );
    api = both(
        api,
        &format!("{base}/composite/sobjects"),
        post(collections::create)
            .patch(collections::update)
            .delete(collections::delete),
    );
    api = api
        .route(
            &format!("{base}/composite/sobjects/{{object}}"),
            get(collections::retrieve).post(collections::retrieve_post),
        )
        .route(
            &format!("{base}/composite/sobjects/{{object}}/{{field}}"),
            axum::routing::patch(collections::upsert),
        );
    api = both(api, &format!("{base}/limits"), get(describe::limits));
    api = both(
        api,
        &format!("{base}/jobs/ingest"),
        post(bulk::create_job).get(bulk::list_jobs),
    );
    api = api.route(
        &format!("{base}/jobs/ingest/{{job}}"),
        get(bulk::job_info)
            .patch(bulk::set_state)
            .delete(bulk::delete_job),
    );
    // Only the CSV upload may exceed axum's 2 MB default body limit: up to 150 MB, as the
    // real Bulk API 2.0 accepts per upload (beyond it `bulk::upload` answers Salesforce's way).
    let upload = || put(bulk::upload).layer(DefaultBodyLimit::max(bulk::MAX_UPLOAD_BYTES));
    api = api.route(&format!("{base}/jobs/ingest/{{job}}/batches"), upload());
    api = api.route(&format!("{base}/jobs/ingest/{{job}}/batches/"), upload());
    api = both(
        api,
        &format!("{base}/jobs/ingest/{{job}}/successfulResults"),
        get(bulk::successful_results),
    );
    api = both(
        api,
        &format!("{base}/jobs/ingest/{{job}}/failedResults"),
        get(bulk::failed_results),
    );
    api = both(
        api,
        &format!("{base}/jobs/ingest/{{job}}/unprocessedrecords"),
        get(bulk::unprocessed_records),
    );
    api = both(
        api,
        &format!("{base}/jobs/query"),
        post(bulk_query::create_job).get(bulk_query::list_jobs),
    );
    api = api.route(
        &format!("{base}/jobs/query/{{job}}"),
        get(bulk_query::job_info)
            .patch(bulk_query::abort_job)
            .delete(bulk_query::delete_job),
    );
    api = both(
        api,
        &format!("{base}/jobs/query/{{job}}/results"),
        get(bulk_query::results),
    );
    api = both(
        api,
        &format!("{base}/jobs/query/{{job}}/resultPages"),
        get(bulk_query::result_pages),
    );
    // Any other path under a version is Salesforce's NOT_FOUND, metered like the rest.
    api = api.route(
        &format!("{base}/{{*rest}}"),
        axum::routing::any(|| async { SfError::not_found() }),
    );
    let api = api.route_layer(middleware::from_fn_with_state(
        (shared.clone(), System::Salesforce),
        gate::gate,
    ));
    let open = Router::new()
        .route("/services/data", get(describe::versions))
        .route("/services/data/", get(describe::versions))
        .route("/services/oauth2/token", post(describe::token))
        .route_layer(middleware::from_fn_with_state(
            (shared.clone(), System::Salesforce),
            gate::count_only,
        ));
    // SOAP calls carry their session in the envelope, so they meter themselves.
    let soap = Router::new()
        .route("/services/Soap/u/{version}", post(soap::partner))
        .route("/services/Soap/c/{version}", post(soap::enterprise));
    api.merge(open)
        .merge(soap)
        .merge(control::router(System::Salesforce))
        .with_state(shared)
}
