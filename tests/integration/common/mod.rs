//! Fixtures shared by the planner, apply and end-to-end tests: Programs shaped like
//! `revops.tandem`'s syncs, and a read → plan → apply cycle over any two CRMs through the
//! driver's own steps (`tandem::session::steps`), so in-memory tests run the code users run.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tandem::compile::*;
use tandem::plan::Plan;
use tandem::runtime::{ApplySummary, Crm, Event, MemoryCrm};
use tandem::schema::{FieldType, System};
use tandem::session::{PlanOptions, ProgramRef, SessionEvent, steps};
use tandem::state::StateStore;

pub const SCHEMA_DIGEST: &str = "schema-digest-for-tests";

pub fn hs(name: &str) -> Expr {
    Expr::field(System::Hubspot, name)
}

pub fn sf(name: &str) -> Expr {
    Expr::field(System::Salesforce, name)
}

pub fn facts(pairs: &[(&str, FieldType)]) -> BTreeMap<String, FieldFacts> {
    pairs
        .iter()
        .map(|(name, ty)| (name.to_string(), FieldFacts::of_type(*ty)))
        .collect()
}

pub fn two_way(key: &str, hs_field: &str, sf_field: &str) -> FieldProgram {
    FieldProgram {
        key: key.to_string(),
        hs_field: hs_field.to_string(),
        sf_field: sf_field.to_string(),
        direction: Direction::Both,
        to_sf: Some(hs(hs_field)),
        to_hs: Some(sf(sf_field)),
        conflict: None,
        keep_when_blank: false,
        default: None,
        through: None,
    }
}

pub fn one_way_to_hs(key: &str, hs_field: &str, expr: Expr, sf_field: &str) -> FieldProgram {
    FieldProgram {
        key: key.to_string(),
        hs_field: hs_field.to_string(),
        sf_field: sf_field.to_string(),
        direction: Direction::SfToHs,
        to_sf: None,
        to_hs: Some(expr),
        conflict: None,
        keep_when_blank: false,
        default: None,
        through: None,
    }
}

/// `sync accounts: hs.companies <-> sf.Account` from revops.tandem.
pub fn accounts_sync() -> SyncProgram {
    let mut name = two_way("name", "name", "Name");
    name.conflict = Some(ConflictRule::Prefer {
        side: System::Salesforce,
    });
    let mut domain = two_way("domain", "domain", "Website");
    domain.to_hs = Some(Expr::call("domain", vec![sf("Website")]));
    let mut industry = two_way("industry", "industry", "Industry");
    industry.keep_when_blank = true;
    let mut employees = two_way(
        "numberofemployees",
        "numberofemployees",
        "NumberOfEmployees",
    );
    employees.keep_when_blank = true;
    let revenue = one_way_to_hs(
        "annualrevenue",
        "annualrevenue",
        sf("AnnualRevenue"),
        "AnnualRevenue",
    );
    let mut hs_fields = facts(&[
        ("name", FieldType::String),
        ("domain", FieldType::String),
        ("industry", FieldType::String),
        ("numberofemployees", FieldType::Int),
        ("annualrevenue", FieldType::Currency),
        ("salesforceaccountid", FieldType::String),
    ]);
    hs_fields.get_mut("name").unwrap().max_length = Some(255);
    let mut sf_fields = facts(&[
        ("Id", FieldType::Id),
        ("Name", FieldType::String),
        ("Website", FieldType::Url),
        ("Industry", FieldType::Picklist),
        ("NumberOfEmployees", FieldType::Int),
        ("AnnualRevenue", FieldType::Currency),
    ]);
    sf_fields.get_mut("Id").unwrap().createable = false;
    SyncProgram {
        name: "accounts".to_string(),
        hs: SideProgram {
            object: "companies".to_string(),
            read_fields: vec![
                "annualrevenue".into(),
                "domain".into(),
                "industry".into(),
                "name".into(),
                "numberofemployees".into(),
                "salesforceaccountid".into(),
            ],
            pushdown: None,
            scope: None,
            fields: hs_fields,
            required_on_create: vec![],
        },
        sf: SideProgram {
            object: "Account".to_string(),
            read_fields: vec![
                "AnnualRevenue".into(),
                "Id".into(),
                "Industry".into(),
                "Name".into(),
                "NumberOfEmployees".into(),
                "Website".into(),
            ],
            pushdown: None,
            scope: None,
            fields: sf_fields,
            required_on_create: vec!["Name".to_string()],
        },
        matches: vec![
            MatchRule {
                hs: hs("salesforceaccountid"),
                sf: sf("Id"),
            },
            MatchRule {
                hs: Expr::call("domain", vec![hs("domain")]),
                sf: Expr::call("domain", vec![sf("Website")]),
            },
        ],
        create_in_hs: true,
        create_in_sf: true,
        on_delete: DeletePolicy::Ignore,
        limits: Limits {
            creates: Some(500),
            updates: Some(5000),
            deletes: None,
        },
        default_conflict: ConflictRule::Newest,
        fields: vec![name, domain, industry, employees, revenue],
        depends_on: vec![],
        not_synced: vec![],
    }
}

/// `sync leads: hs.contacts <-> sf.Lead` from revops.tandem (the parts the planner sees).
pub fn leads_sync() -> SyncProgram {
    let email = two_way("email", "email", "Email");
    let firstname = two_way("firstname", "firstname", "FirstName");
    let mut lastname = two_way("lastname", "lastname", "LastName");
    lastname.default = Some(json!("Unknown"));
    let mut company = FieldProgram {
        direction: Direction::HsToSf,
        to_hs: None,
        ..two_way("company", "company", "Company")
    };
    company.default = Some(json!("Unknown"));
    let mut title = two_way("jobtitle", "jobtitle", "Title");
    title.to_sf = Some(Expr::call(
        "truncate",
        vec![hs("jobtitle"), Expr::literal(json!(128))],
    ));
    let phone = one_way_to_hs("phone", "phone", sf("Phone"), "Phone");
    let source = FieldProgram {
        direction: Direction::HsToSf,
        to_hs: None,
        to_sf: Some(Expr::ValueMap {
            operand: Box::new(hs("hs_analytics_source")),
            entries: [
                ("ORGANIC_SEARCH", "Web"),
                ("PAID_SEARCH", "Advertisement"),
                ("EMAIL_MARKETING", "Email"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
            otherwise: Some(json!("Other")),
            passthrough: false,
        }),
        ..two_way("hs_analytics_source", "hs_analytics_source", "LeadSource")
    };
    let status = FieldProgram {
        direction: Direction::HsToSf,
        to_hs: None,
        to_sf: Some(Expr::ValueMap {
            operand: Box::new(hs("lifecyclestage")),
            entries: [
                ("marketingqualifiedlead", "Open - Not Contacted"),
                ("salesqualifiedlead", "Working - Contacted"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
            otherwise: Some(json!("Open - Not Contacted")),
            passthrough: false,
        }),
        ..two_way("lifecyclestage", "lifecyclestage", "Status")
    };
    let scope = Expr::binary(
        "and",
        Expr::In {
            operand: Box::new(hs("lifecyclestage")),
            values: vec![json!("marketingqualifiedlead"), json!("salesqualifiedlead")],
        },
        Expr::binary(
            "and",
            Expr::binary(">", hs("hubspotscore"), Expr::literal(json!(65))),
            Expr::binary("=", hs("country"), Expr::literal(json!("US"))),
        ),
    );
    let mut sf_fields = facts(&[
        ("Email", FieldType::Email),
        ("FirstName", FieldType::String),
        ("LastName", FieldType::String),
        ("Company", FieldType::String),
        ("Title", FieldType::String),
        ("Phone", FieldType::Phone),
        ("LeadSource", FieldType::Picklist),
        ("Status", FieldType::Picklist),
    ]);
    sf_fields.get_mut("Title").unwrap().max_length = Some(128);
    sf_fields.get_mut("LastName").unwrap().max_length = Some(80);
    sf_fields.get_mut("Status").unwrap().allowed_values = Some(vec![
        "Open - Not Contacted".into(),
        "Working - Contacted".into(),
        "Closed - Converted".into(),
    ]);
    let hs_fields = facts(&[
        ("email", FieldType::Email),
        ("firstname", FieldType::String),
        ("lastname", FieldType::String),
        ("company", FieldType::String),
        ("jobtitle", FieldType::String),
        ("phone", FieldType::Phone),
        ("hs_analytics_source", FieldType::Picklist),
        ("lifecyclestage", FieldType::Picklist),
        ("hubspotscore", FieldType::Int),
        ("country", FieldType::String),
    ]);
    let pushdown = pushdown::pushdown_for(&scope, System::Hubspot, &hs_fields);
    SyncProgram {
        name: "leads".to_string(),
        hs: SideProgram {
            object: "contacts".to_string(),
            read_fields: hs_fields.keys().cloned().collect(),
            pushdown,
            scope: Some(scope),
            fields: hs_fields,
            required_on_create: vec![],
        },
        sf: SideProgram {
            object: "Lead".to_string(),
            read_fields: sf_fields.keys().cloned().collect(),
            pushdown: None,
            scope: None,
            fields: sf_fields,
            required_on_create: vec!["LastName".into(), "Company".into()],
        },
        matches: vec![MatchRule {
            hs: Expr::call("lower", vec![Expr::call("trim", vec![hs("email")])]),
            sf: Expr::call("lower", vec![Expr::call("trim", vec![sf("Email")])]),
        }],
        create_in_hs: false,
        create_in_sf: true,
        on_delete: DeletePolicy::Ignore,
        limits: Limits::default(),
        default_conflict: ConflictRule::PreferUnlessBlank {
            side: System::Salesforce,
        },
        fields: vec![
            email, firstname, lastname, company, title, phone, source, status,
        ],
        depends_on: vec![],
        not_synced: vec![],
    }
}

pub fn program(syncs: Vec<SyncProgram>) -> Program {
    Program::new(syncs)
}

/// A pair of in-memory CRMs.
pub fn crms() -> (MemoryCrm, MemoryCrm) {
    (
        MemoryCrm::new(System::Hubspot),
        MemoryCrm::new(System::Salesforce),
    )
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

/// The Program with the tests' schema digest, as a session step takes it.
fn program_ref(program: &Program) -> ProgramRef<'_> {
    ProgramRef {
        program,
        schema_digest: SCHEMA_DIGEST,
    }
}

/// Reads both sides (everything, as `tandem plan --full`) and plans, through the driver's
/// plan step.
pub fn plan_now<H: Crm, S: Crm>(
    program: &Program,
    store: &StateStore,
    hs: &mut H,
    sf: &mut S,
) -> Plan {
    let options = PlanOptions { full: true };
    block_on(steps::plan(program_ref(program), store, hs, sf, options))
        .expect("plan")
        .plan
}

/// Applies a plan through the driver's apply step, collecting the runtime's events.
pub fn apply_now<H: Crm, S: Crm>(
    plan: &Plan,
    program: &Program,
    store: &mut StateStore,
    hs: &mut H,
    sf: &mut S,
) -> (ApplySummary, Vec<Event>) {
    let mut events = Vec::new();
    let mut collect = |event: SessionEvent<'_>| {
        if let SessionEvent::Apply(event) = event {
            events.push(event.clone());
        }
    };
    let outcome = block_on(steps::apply(
        program_ref(program),
        store,
        None,
        hs,
        sf,
        plan,
        &mut collect,
    ))
    .expect("apply");
    (outcome.summary, events)
}

/// Plans and applies once; returns the plan and the summary.
pub fn cycle<H: Crm, S: Crm>(
    program: &Program,
    store: &mut StateStore,
    hs: &mut H,
    sf: &mut S,
) -> (Plan, ApplySummary) {
    let plan = plan_now(program, store, hs, sf);
    let (summary, _) = apply_now(&plan, program, store, hs, sf);
    (plan, summary)
}

pub fn value<'a>(crm: &'a MemoryCrm, object: &str, id: &str, field: &str) -> &'a Value {
    crm.get(object, id)
        .and_then(|r| r.fields.get(field))
        .unwrap_or(&Value::Null)
}
