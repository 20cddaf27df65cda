//! Did-you-mean: the closest known name to an unknown one.

/// The candidate closest to `name`, if any is close enough to be a plausible typo. A
/// case-insensitive exact match always wins (`email` for `Email`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lowered = name.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let candidate_lowered = candidate.to_lowercase();
        if candidate_lowered == lowered {
            return Some(candidate.to_string());
        }
        let distance = strsim::damerau_levenshtein(&lowered, &candidate_lowered);
        let allowed = (lowered.chars().count() / 3).clamp(1, 3);
        let similarity = strsim::jaro_winkler(&lowered, &candidate_lowered);
        let plausible = distance <= allowed || similarity >= 0.9;
        if !plausible {
            continue;
        }
        // Higher similarity wins; ties go to the alphabetically first name for stable output.
        let better = match best {
            None => true,
            Some((score, current)) => {
                similarity > score || (similarity == score && candidate < current)
            }
        };
        if better {
            best = Some((similarity, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_string())
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn case_insensitive_exact_match_wins() {
        assert_eq!(
            closest("email", ["Email", "emails"]).as_deref(),
            Some("Email")
        );
    }

    #[test]
    fn one_letter_typo_is_suggested() {
        assert_eq!(
            closest("lifecylestage", ["lifecyclestage", "lastname"]).as_deref(),
            Some("lifecyclestage")
        );
    }

    #[test]
    fn unrelated_names_get_no_suggestion() {
        assert_eq!(closest("zzz", ["Email", "Phone"]), None);
    }
}
