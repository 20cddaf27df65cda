//! HubSpot account tiers and the API limits they give a privately distributed app (a private
//! app or static token), so a test can run a first sync at the limits of the portal it targets.
//!
//! Figures, per account (the ten-second window is per app, the daily allowance is shared by
//! the account's private apps): Free and Starter 100 calls per 10 s and 250,000 a day;
//! Professional 190 per 10 s and 625,000 a day; Enterprise 190 per 10 s and 1,000,000 a day.
//! The API limit increase pack (at most two) adds 1,000,000 a day each and raises the window to
//! 250 per 10 s, which does not stack. CRM search keeps its own 5 requests per second per
//! account on every tier. Sources: developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
//! and the changelog "Increasing our API limits" (which gave Professional 650,000; the current
//! usage page says 625,000, which is used here), as summarised in
//! /work/shared/reference/hubspot-api.md §4.

use serde::{Deserialize, Serialize};

use crate::limits::LimitSettings;

/// A HubSpot subscription tier, as far as API limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HubspotTier {
    Free,
    Starter,
    Professional,
    Enterprise,
}

impl HubspotTier {
    pub fn name(self) -> &'static str {
        match self {
            HubspotTier::Free => "free",
            HubspotTier::Starter => "starter",
            HubspotTier::Professional => "professional",
            HubspotTier::Enterprise => "enterprise",
        }
    }
}

/// The most API limit increase packs an account can buy.
pub const MAX_LIMIT_INCREASE_PACKS: u8 = 2;

/// CRM search allows 5 requests per second per account on every tier.
const SEARCH_PER_SECOND: u32 = 5;

/// An account: its tier and how many API limit increase packs it bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HubspotAccount {
    pub tier: HubspotTier,
    #[serde(default)]
    pub api_limit_increase_packs: u8,
}

/// Why an account cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "an account can buy at most {MAX_LIMIT_INCREASE_PACKS} API limit increase packs, not {packs}"
)]
pub struct TooManyPacks {
    pub packs: u8,
}

impl HubspotAccount {
    pub fn new(tier: HubspotTier) -> Self {
        HubspotAccount {
            tier,
            api_limit_increase_packs: 0,
        }
    }

    /// The limits the account's private apps run under.
    pub fn limits(&self) -> Result<LimitSettings, TooManyPacks> {
        let packs = self.api_limit_increase_packs;
        if packs > MAX_LIMIT_INCREASE_PACKS {
            return Err(TooManyPacks { packs });
        }
        let (burst, daily) = match self.tier {
            HubspotTier::Free | HubspotTier::Starter => (100, 250_000),
            HubspotTier::Professional => (190, 625_000),
            HubspotTier::Enterprise => (190, 1_000_000),
        };
        Ok(LimitSettings {
            burst_max: if packs > 0 { 250 } else { burst },
            search_per_second: SEARCH_PER_SECOND,
            daily_max: daily + 1_000_000 * u64::from(packs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_give_the_documented_limits() {
        let limits = |tier, packs| {
            HubspotAccount {
                tier,
                api_limit_increase_packs: packs,
            }
            .limits()
            .map(|l| (l.burst_max, l.search_per_second, l.daily_max))
        };
        assert_eq!(limits(HubspotTier::Free, 0), Ok((100, 5, 250_000)));
        assert_eq!(limits(HubspotTier::Starter, 0), Ok((100, 5, 250_000)));
        assert_eq!(limits(HubspotTier::Professional, 0), Ok((190, 5, 625_000)));
        assert_eq!(limits(HubspotTier::Enterprise, 0), Ok((190, 5, 1_000_000)));
        assert_eq!(limits(HubspotTier::Enterprise, 2), Ok((250, 5, 3_000_000)));
        assert_eq!(limits(HubspotTier::Starter, 1), Ok((250, 5, 1_250_000)));
        assert_eq!(
            limits(HubspotTier::Professional, 3),
            Err(TooManyPacks { packs: 3 })
        );
    }
}
