//! The names stage on specs that are right: no false alarms for forward references, names
//! spread over files, keywords inside field paths, and every modifier used correctly.

use tandem::check::names::check_names;
use tandem::diagnostics::SourceMap;
use tandem::syntax::parse_spec;

fn name_codes(files: &[&str]) -> Vec<String> {
    let mut sources = SourceMap::new();
    for (index, text) in files.iter().enumerate() {
        sources.add(format!("file{index}.tandem"), *text);
    }
    let (spec, syntax) = parse_spec(&sources);
    assert!(syntax.is_empty(), "syntax errors: {syntax:?}");
    check_names(&spec).iter().map(|d| d.code()).collect()
}

#[test]
fn names_may_be_used_before_they_are_defined_and_in_other_files() {
    let codes = name_codes(&[
        "sync deals: hs.deals <-> sf.Opportunity {\n  hs.dealstage <-> sf.StageName via stages\n  hs.companies(associated) <-> sf.AccountId through accounts\n}\n",
        "map stages: hs.deals.dealstage <-> sf.Opportunity.StageName {\n  \"closedwon\" <=> \"Closed Won\"\n}\nsync accounts: hs.companies <-> sf.Account {\n  hs.name <-> sf.Name\n}\n",
        "connection hs: hubspot\nconnection sf: salesforce\n",
    ]);
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn keywords_are_fine_inside_field_paths() {
    let codes = name_codes(&[
        "connection hs: hubspot\nconnection sf: salesforce\nsync s: hs.companies <-> sf.Account {\n  hs.on <-> sf.Limit__c\n  hs.map -> sf.table\n}\n",
    ]);
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn every_modifier_used_correctly_is_clean() {
    let codes = name_codes(&[r#"connection hs: hubspot
connection sf: salesforce
table industries from "industries.csv"
map status: hs.contacts.lifecyclestage -> sf.Lead.Status {
  "lead" => "Open - Not Contacted"
  else error
}
sync leads: hs.contacts <-> sf.Lead {
  match lower(trim(hs.email)) = lower(trim(sf.Email))
  only hs.email is not blank and hs.country in ["US", "CA"]
  create in sf
  conflict prefer sf unless blank
  on delete archive
  limit creates 10, updates 20, deletes 0
  hs.email <-> sf.Email keep when blank prefer hs
  hs.lastname <-> sf.LastName default "Unknown" truncate 80 newest
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website) review
  hs.lifecyclestage -> sf.Status via status
  hs.industry -> sf.Industry transform lookup(industries, hs.industry) ?? "Other"
  hs.hs_lead_status <- sf.Status via { "Open - Not Contacted" => "OPEN" else => "NEW" }
  hs.source <-> sf.LeadSource via { "web" <=> "Web" }
}
on sf.Lead.Status becomes "Working - Contacted" when sf.Rating = "Hot" {
  set hs.contacts(associated).hs_lead_status = sf.Status via { "Working - Contacted" => "IN_PROGRESS" }
  create sf.Task { Subject = concat("Call ", sf.Name) }
  notify email "ops@example.com" "Lead {sf.Name} is working"
}
"#]);
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn a_broken_item_does_not_hide_the_name_errors_of_others() {
    // Names run only on syntax-clean specs in the pipeline; called directly, they still
    // report every problem they find in one pass.
    let codes = name_codes(&[
        "connection hs: hubspot\nsync a: hs.x <-> sfx.Y {\n  hs.a <-> sfx.b via nope\n}\nsync a: hs.x <-> sfx.Y {\n}\n",
    ]);
    assert_eq!(
        codes,
        [
            "tandem::names::duplicate_name",
            "tandem::names::undefined_connection",
            "tandem::names::undefined_connection",
            "tandem::names::undefined_map",
            "tandem::names::undefined_connection",
        ]
    );
}
