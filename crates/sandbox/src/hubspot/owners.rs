//! HubSpot owners: the portal's owner directory (`GET /crm/v3/owners`, `/crm/v3/owners/{id}`)
//! with every field the real API returns, and the changes a portal admin makes (a user added,
//! a user deactivated), which the control API drives.
//!
//! Wire shape (`PublicOwner` in the official clients' `crm.owners` models, and the owners guide
//! developers.hubspot.com/docs/api-reference/crm-crm-owners-v3/guide): `id` (string, what
//! `hubspot_owner_id` holds), `email`, `type` (`PERSON` or `QUEUE`), `firstName`, `lastName`,
//! `userId` (the user id, which cannot be used to assign records), `userIdIncludingInactive`,
//! `createdAt`, `updatedAt`, `archived`, `teams[]{id,name,primary}`. Deactivated owners are
//! listed only with `archived=true`, with `userId` null (continuous-lifecycle-scale.md §4.4).
//! The API is read-only: owners change when users are added or removed in the portal.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::errors::HsError;
use super::render::QueryParams;
use crate::Shared;
use crate::clock;
use crate::crm::CrmData;
use tandem_ground::schema::Owner;

/// `PERSON` for users, `QUEUE` for task queues that own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OwnerType {
    #[default]
    Person,
    Queue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub primary: bool,
}

/// One owner as the portal knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalOwner {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub owner_type: OwnerType,
    pub user_id: u64,
    pub teams: Vec<Team>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub archived: bool,
}

/// What a portal admin gives when adding a user (the control API's body).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewOwner {
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default, rename = "type")]
    pub owner_type: OwnerType,
    #[serde(default)]
    pub teams: Vec<Team>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnerError {
    #[error("`{0}` is not an email address")]
    BadEmail(String),
    #[error("an active owner already has the email `{0}`")]
    DuplicateEmail(String),
    #[error("no owner with id `{0}`")]
    NotFound(String),
    #[error("owner `{0}` is already archived")]
    AlreadyArchived(String),
}

/// The seeded owners were created with the portal; their stamps are fixed so reads are
/// deterministic.
const PORTAL_CREATED_MS: i64 = 1_565_059_312_000;

/// The portal's owners, active and archived, in creation order.
#[derive(Debug, Clone, Default)]
pub struct Owners {
    pub list: Vec<PortalOwner>,
}

/// The teams the seeded owners belong to, round-robin, so `teams` is populated as in a
/// portal with Sales Hub teams.
const SEED_TEAMS: &[(&str, &str)] = &[
    ("4412001", "Sales"),
    ("4412002", "Marketing"),
    ("4412003", "Customer Success"),
];

impl Owners {
    /// The owners of the catalog (`schemas/hubspot.yaml` plus `--config`), all active people.
    pub fn from_catalog(owners: &[Owner]) -> Self {
        let list = owners
            .iter()
            .enumerate()
            .map(|(index, owner)| {
                let (team_id, team_name) = SEED_TEAMS[index % SEED_TEAMS.len()];
                PortalOwner {
                    id: owner.id.clone(),
                    email: owner.email.clone(),
                    first_name: owner.first_name.clone(),
                    last_name: owner.last_name.clone(),
                    owner_type: OwnerType::Person,
                    user_id: 9_000_000 + index as u64,
                    teams: vec![Team {
                        id: team_id.to_string(),
                        name: team_name.to_string(),
                        primary: true,
                    }],
                    created_ms: PORTAL_CREATED_MS,
                    updated_ms: PORTAL_CREATED_MS,
                    archived: false,
                }
            })
            .collect();
        Owners { list }
    }

    pub fn get(&self, id: &str) -> Option<&PortalOwner> {
        self.list.iter().find(|owner| owner.id == id)
    }

    /// The user id HubSpot names in `sourceId: "userId:…"` when a user edits in the UI: the
    /// first active person.
    pub fn acting_user_id(&self) -> Option<u64> {
        self.list
            .iter()
            .find(|o| !o.archived && o.owner_type == OwnerType::Person)
            .map(|o| o.user_id)
    }

    /// Adds an owner (a user or queue added to the portal); ids continue after the largest.
    pub fn add(&mut self, new: NewOwner, now_ms: i64) -> Result<PortalOwner, OwnerError> {
        let email = new.email.trim().to_lowercase();
        if !crate::validate::is_valid_email(&email) {
            return Err(OwnerError::BadEmail(new.email));
        }
        if self.list.iter().any(|o| !o.archived && o.email == email) {
            return Err(OwnerError::DuplicateEmail(email));
        }
        let next_id = self
            .list
            .iter()
            .filter_map(|o| o.id.parse::<u64>().ok())
            .max()
            .unwrap_or(70_331_454)
            + 1;
        let next_user = self
            .list
            .iter()
            .map(|o| o.user_id)
            .max()
            .unwrap_or(8_999_999)
            + 1;
        let owner = PortalOwner {
            id: next_id.to_string(),
            email,
            first_name: new.first_name,
            last_name: new.last_name,
            owner_type: new.owner_type,
            user_id: next_user,
            teams: new.teams,
            created_ms: now_ms,
            updated_ms: now_ms,
            archived: false,
        };
        self.list.push(owner.clone());
        Ok(owner)
    }

    /// Deactivates an owner: it leaves the active list and can no longer be assigned.
    pub fn archive(&mut self, id: &str, now_ms: i64) -> Result<PortalOwner, OwnerError> {
        let owner = self
            .list
            .iter_mut()
            .find(|o| o.id == id)
            .ok_or_else(|| OwnerError::NotFound(id.to_string()))?;
        if owner.archived {
            return Err(OwnerError::AlreadyArchived(id.to_string()));
        }
        owner.archived = true;
        owner.updated_ms = now_ms;
        Ok(owner.clone())
    }
}

/// Keeps the catalog's owner list (what `hubspot_owner_id` accepts and the generator assigns)
/// equal to the active owners.
pub fn sync_catalog(crm: &mut CrmData, owners: &Owners) {
    crm.schema.owners = owners
        .list
        .iter()
        .filter(|o| !o.archived)
        .map(|o| Owner {
            id: o.id.clone(),
            email: o.email.clone(),
            first_name: o.first_name.clone(),
            last_name: o.last_name.clone(),
        })
        .collect();
}

/// One owner as `PublicOwner`.
pub fn owner_json(owner: &PortalOwner) -> Value {
    let mut body = json!({
        "id": owner.id,
        "email": owner.email,
        "type": owner.owner_type,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": if owner.archived { Value::Null } else { json!(owner.user_id) },
        "userIdIncludingInactive": owner.user_id,
        "createdAt": clock::hubspot_datetime(owner.created_ms),
        "updatedAt": clock::hubspot_datetime(owner.updated_ms),
        "archived": owner.archived,
    });
    if !owner.teams.is_empty() {
        body["teams"] = json!(owner.teams);
    }
    body
}

/// `GET /crm/v3/owners`: `email`, `after`, `limit` (default 100, at most 500) and `archived`
/// (only archived owners when true).
pub async fn list(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = QueryParams::parse(raw.as_deref());
    let portal = shared.hubspot_portal();
    let limit: usize = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100)
        .clamp(1, 500);
    let after: usize = params
        .get("after")
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let archived = params.flag("archived");
    let email = params.get("email");
    let owners: Vec<&PortalOwner> = portal
        .owners
        .list
        .iter()
        .filter(|o| o.archived == archived)
        .filter(|o| email.is_none_or(|e| o.email.eq_ignore_ascii_case(e)))
        .collect();
    let results: Vec<Value> = owners
        .iter()
        .skip(after)
        .take(limit)
        .map(|o| owner_json(o))
        .collect();
    let mut body = json!({"results": results});
    if after + limit < owners.len() {
        let next = (after + limit).to_string();
        let link = format!(
            "{}/crm/v3/owners/?after={next}",
            shared.base_url(tandem_ground::schema::System::Hubspot)
        );
        body["paging"] = json!({"next": {"after": next, "link": link}});
    }
    Json(body)
}

/// `GET /crm/v3/owners/{ownerId}` with `idProperty` (`id` or `userId`) and `archived`.
pub async fn one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, HsError> {
    let params = QueryParams::parse(raw.as_deref());
    let archived = params.flag("archived");
    let by_user = params.get("idProperty") == Some("userId");
    let portal = shared.hubspot_portal();
    let found = portal
        .owners
        .list
        .iter()
        .filter(|o| o.archived == archived)
        .find(|o| {
            if by_user {
                o.user_id.to_string() == id
            } else {
                o.id == id
            }
        })
        .ok_or_else(HsError::not_found)?;
    Ok(Json(owner_json(found)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_owners_get_the_next_ids_and_archiving_hides_their_user_id() {
        let mut owners = Owners::from_catalog(&[Owner {
            id: "70331455".into(),
            email: "ava@x.io".into(),
            first_name: "Ava".into(),
            last_name: "Ross".into(),
        }]);
        let queue = owners
            .add(
                NewOwner {
                    email: "Queue@X.io".into(),
                    owner_type: OwnerType::Queue,
                    ..NewOwner::default()
                },
                5,
            )
            .expect("added");
        assert_eq!(queue.id, "70331456");
        assert_eq!(queue.email, "queue@x.io");
        assert_eq!(
            owners.add(
                NewOwner {
                    email: "queue@x.io".into(),
                    ..NewOwner::default()
                },
                6
            ),
            Err(OwnerError::DuplicateEmail("queue@x.io".into()))
        );
        let archived = owners.archive("70331455", 7).expect("archived");
        let body = owner_json(&archived);
        assert_eq!(body["userId"], Value::Null);
        assert_eq!(body["userIdIncludingInactive"], json!(9_000_000));
        assert_eq!(body["type"], json!("PERSON"));
        assert_eq!(owner_json(&queue)["type"], json!("QUEUE"));
        assert_eq!(owners.acting_user_id(), None);
    }
}
