//! An app's webhook subscriptions (`/webhooks/v3/{appId}/subscriptions`) and which events each
//! one receives.
//!
//! Facts (webhooks v3 spec PublicApiSpecs/Webhooks/Webhooks/Rollouts/147891/v3/webhooks.json,
//! the official clients' `SubscriptionCreateRequest` / `SubscriptionResponse`, and the webhooks
//! guide as quoted in continuous-lifecycle-scale.md §1.1.1): `eventType` is one of the listed
//! types (`contact.propertyChange`, `contact.creation`, ..., `object.*` with an
//! `objectTypeId`); a property change subscription names one `propertyName`;
//! `hs_lastmodifieddate` and `num_unique_conversion_events` cannot be subscribed; new
//! subscriptions are paused unless created `active`; an app has at most 1,000 subscriptions
//! ("Couldn't create another subscription..."); ids are strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The event types `SubscriptionCreateRequest.eventType` accepts.
pub const EVENT_TYPES: &[&str] = &[
    "contact.propertyChange",
    "company.propertyChange",
    "deal.propertyChange",
    "ticket.propertyChange",
    "product.propertyChange",
    "line_item.propertyChange",
    "contact.creation",
    "contact.deletion",
    "contact.privacyDeletion",
    "company.creation",
    "company.deletion",
    "deal.creation",
    "deal.deletion",
    "ticket.creation",
    "ticket.deletion",
    "product.creation",
    "product.deletion",
    "line_item.creation",
    "line_item.deletion",
    "conversation.creation",
    "conversation.deletion",
    "conversation.newMessage",
    "conversation.privacyDeletion",
    "conversation.propertyChange",
    "contact.merge",
    "company.merge",
    "deal.merge",
    "ticket.merge",
    "product.merge",
    "line_item.merge",
    "contact.restore",
    "company.restore",
    "deal.restore",
    "ticket.restore",
    "product.restore",
    "line_item.restore",
    "contact.associationChange",
    "company.associationChange",
    "deal.associationChange",
    "ticket.associationChange",
    "line_item.associationChange",
    "object.propertyChange",
    "object.creation",
    "object.deletion",
    "object.merge",
    "object.restore",
    "object.associationChange",
];

/// "Max 1,000 subscriptions per app".
pub const MAX_SUBSCRIPTIONS: usize = 1_000;

/// Properties HubSpot does not let a property change subscription name.
const UNSUBSCRIBABLE: &[&str] = &["hs_lastmodifieddate", "num_unique_conversion_events"];

/// The object type id behind a legacy event prefix.
pub fn legacy_object_type_id(prefix: &str) -> Option<&'static str> {
    Some(match prefix {
        "contact" => "0-1",
        "company" => "0-2",
        "deal" => "0-3",
        "ticket" => "0-5",
        "product" => "0-7",
        "line_item" => "0-8",
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: u64,
    pub event_type: String,
    pub property_name: Option<String>,
    pub object_type_id: Option<String>,
    pub active: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSubscription {
    pub event_type: String,
    #[serde(default)]
    pub property_name: Option<String>,
    #[serde(default)]
    pub object_type_id: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error("eventType {0} is not a valid subscription type; valid types: {types}", types = EVENT_TYPES.join(", "))]
    UnknownEventType(String),
    #[error("A {0} subscription needs a propertyName")]
    PropertyNameRequired(String),
    #[error("{0} cannot be subscribed to")]
    PropertyNotSubscribable(String),
    #[error("propertyName applies only to propertyChange subscriptions, not {0}")]
    PropertyNameNotAllowed(String),
    #[error("An object.* subscription needs an objectTypeId (for example 0-1 for contacts)")]
    ObjectTypeRequired,
    #[error(
        "Couldn't create another subscription: an app can have at most {MAX_SUBSCRIPTIONS} subscriptions"
    )]
    TooMany,
    #[error("Subscription {0} not found")]
    NotFound(String),
}

#[derive(Debug, Clone, Default)]
pub struct Subscriptions {
    by_id: BTreeMap<u64, Subscription>,
    next_id: u64,
}

impl Subscriptions {
    pub fn list(&self) -> impl Iterator<Item = &Subscription> {
        self.by_id.values()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn get(&self, id: &str) -> Result<&Subscription, SubscriptionError> {
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.by_id.get(&n))
            .ok_or_else(|| SubscriptionError::NotFound(id.to_string()))
    }

    pub fn create(
        &mut self,
        new: NewSubscription,
        now_ms: i64,
    ) -> Result<&Subscription, SubscriptionError> {
        if !EVENT_TYPES.contains(&new.event_type.as_str()) {
            return Err(SubscriptionError::UnknownEventType(new.event_type));
        }
        let property_change = new.event_type.ends_with(".propertyChange");
        match (&new.property_name, property_change) {
            (None, true) => {
                return Err(SubscriptionError::PropertyNameRequired(new.event_type));
            }
            (Some(name), true) if UNSUBSCRIBABLE.contains(&name.as_str()) => {
                return Err(SubscriptionError::PropertyNotSubscribable(name.clone()));
            }
            (Some(_), false) => {
                return Err(SubscriptionError::PropertyNameNotAllowed(new.event_type));
            }
            _ => {}
        }
        if new.event_type.starts_with("object.") && new.object_type_id.is_none() {
            return Err(SubscriptionError::ObjectTypeRequired);
        }
        if self.by_id.len() >= MAX_SUBSCRIPTIONS {
            return Err(SubscriptionError::TooMany);
        }
        self.next_id = self.next_id.max(3_300_000) + 1;
        let id = self.next_id;
        self.by_id.insert(
            id,
            Subscription {
                id,
                event_type: new.event_type,
                property_name: new.property_name,
                object_type_id: new.object_type_id,
                active: new.active.unwrap_or(false),
                created_ms: now_ms,
                updated_ms: now_ms,
            },
        );
        Ok(&self.by_id[&id])
    }

    pub fn set_active(
        &mut self,
        id: &str,
        active: bool,
        now_ms: i64,
    ) -> Result<&Subscription, SubscriptionError> {
        let key = self.get(id)?.id;
        let subscription = self
            .by_id
            .get_mut(&key)
            .ok_or_else(|| SubscriptionError::NotFound(id.to_string()))?;
        subscription.active = active;
        subscription.updated_ms = now_ms;
        Ok(subscription)
    }

    pub fn delete(&mut self, id: &str) -> Result<(), SubscriptionError> {
        let key = self.get(id)?.id;
        self.by_id.remove(&key);
        Ok(())
    }

    /// The active subscriptions an event reaches, each with the `subscriptionType` (and, for
    /// `object.*`, the `objectTypeId`) the delivered copy carries.
    pub fn matching(&self, event: &Value) -> Vec<(u64, String, Option<String>)> {
        let Some(kind) = event.get("subscriptionType").and_then(Value::as_str) else {
            return Vec::new();
        };
        let Some((prefix, verb)) = kind.split_once('.') else {
            return Vec::new();
        };
        let type_id = event
            .get("objectTypeId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| legacy_object_type_id(prefix).map(str::to_string));
        let property = event.get("propertyName").and_then(Value::as_str);
        self.by_id
            .values()
            .filter(|s| s.active)
            .filter(|s| s.property_name.is_none() || s.property_name.as_deref() == property)
            .filter_map(|s| {
                let (sub_prefix, sub_verb) = s.event_type.split_once('.')?;
                if sub_verb != verb {
                    return None;
                }
                if sub_prefix == "object" {
                    let wanted = s.object_type_id.as_deref()?;
                    (type_id.as_deref() == Some(wanted))
                        .then(|| (s.id, s.event_type.clone(), Some(wanted.to_string())))
                } else {
                    (sub_prefix == prefix).then(|| (s.id, s.event_type.clone(), None))
                }
            })
            .collect()
    }
}

/// A subscription as `SubscriptionResponse`.
pub fn subscription_json(subscription: &Subscription) -> Value {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        id: String,
        event_type: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        property_name: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        object_type_id: Option<&'a str>,
        active: bool,
        created_at: String,
        updated_at: String,
    }
    serde_json::to_value(Body {
        id: subscription.id.to_string(),
        event_type: &subscription.event_type,
        property_name: subscription.property_name.as_deref(),
        object_type_id: subscription.object_type_id.as_deref(),
        active: subscription.active,
        created_at: crate::clock::hubspot_datetime(subscription.created_ms),
        updated_at: crate::clock::hubspot_datetime(subscription.updated_ms),
    })
    .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new(event_type: &str, property: Option<&str>, object: Option<&str>) -> NewSubscription {
        NewSubscription {
            event_type: event_type.into(),
            property_name: property.map(str::to_string),
            object_type_id: object.map(str::to_string),
            active: Some(true),
        }
    }

    #[test]
    fn events_reach_active_subscriptions_of_their_type_and_property() {
        let mut subs = Subscriptions::default();
        let email = subs
            .create(new("contact.propertyChange", Some("email"), None), 0)
            .expect("created")
            .id;
        let generic = subs
            .create(new("object.creation", None, Some("0-1")), 0)
            .expect("created")
            .id;
        subs.create(new("company.creation", None, None), 0)
            .expect("created");
        let change = json!({"subscriptionType": "contact.propertyChange", "propertyName": "email"});
        assert_eq!(
            subs.matching(&change),
            vec![(email, "contact.propertyChange".to_string(), None)]
        );
        let other = json!({"subscriptionType": "contact.propertyChange", "propertyName": "phone"});
        assert!(subs.matching(&other).is_empty());
        let created = json!({"subscriptionType": "contact.creation"});
        assert_eq!(
            subs.matching(&created),
            vec![(
                generic,
                "object.creation".to_string(),
                Some("0-1".to_string())
            )]
        );
        subs.set_active(&generic.to_string(), false, 1)
            .expect("paused");
        assert!(subs.matching(&created).is_empty());
    }

    #[test]
    fn invalid_subscriptions_are_refused() {
        let mut subs = Subscriptions::default();
        assert!(matches!(
            subs.create(new("contact.updated", None, None), 0),
            Err(SubscriptionError::UnknownEventType(_))
        ));
        assert!(matches!(
            subs.create(new("contact.propertyChange", None, None), 0),
            Err(SubscriptionError::PropertyNameRequired(_))
        ));
        assert!(matches!(
            subs.create(
                new("contact.propertyChange", Some("hs_lastmodifieddate"), None),
                0
            ),
            Err(SubscriptionError::PropertyNotSubscribable(_))
        ));
        assert!(matches!(
            subs.create(new("object.creation", None, None), 0),
            Err(SubscriptionError::ObjectTypeRequired)
        ));
        let paused = subs
            .create(
                NewSubscription {
                    active: None,
                    ..new("deal.creation", None, None)
                },
                0,
            )
            .expect("created");
        assert!(!paused.active, "new subscriptions start paused");
    }
}
