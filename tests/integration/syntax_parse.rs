//! The parser over whole specs: the shipped examples parse cleanly into the expected shape,
//! every construct lands in the AST, and errors are collected per item.

use tandem::diagnostics::SourceMap;
use tandem::syntax::ast::*;
use tandem::syntax::parse_spec;

fn parse(text: &str) -> (Spec, Vec<String>) {
    let mut sources = SourceMap::new();
    sources.add("test.tandem", text);
    let (spec, diags) = parse_spec(&sources);
    (spec, diags.iter().map(|d| d.code()).collect())
}

fn parse_clean(text: &str) -> Spec {
    let (spec, codes) = parse(text);
    assert!(codes.is_empty(), "unexpected diagnostics: {codes:?}");
    spec
}

fn only_sync(spec: &Spec) -> &SyncDef {
    spec.syncs().next().expect("a sync")
}

#[test]
fn example_revops_folder_parses_cleanly() {
    let mut sources = SourceMap::new();
    let mut paths: Vec<_> = std::fs::read_dir("specs/revops")
        .expect("specs/revops exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tandem"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable spec");
        sources.add(path.display().to_string(), text);
    }
    let (spec, diags) = parse_spec(&sources);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(spec.connections().count(), 2);
    assert_eq!(spec.maps().count(), 4);
    assert_eq!(spec.tables().count(), 2);
    let syncs: Vec<&str> = spec.syncs().map(|s| s.name.as_str()).collect();
    assert_eq!(syncs, ["accounts", "deals", "leads"]);
    assert_eq!(spec.triggers().count(), 3);
}

#[test]
fn connection_records_its_system() {
    let spec = parse_clean("connection hs: hubspot\nconnection sf: salesforce\n");
    let systems: Vec<System> = spec.connections().map(|c| c.system).collect();
    assert_eq!(systems, [System::Hubspot, System::Salesforce]);
}

#[test]
fn sync_settings_are_all_kept_in_order() {
    let spec = parse_clean(
        r#"sync accounts: hs.companies <-> sf.Account {
  match hs.salesforceaccountid = sf.Id
  match domain(hs.domain) = domain(sf.Website)
  only hs.country in ["US", "CA"] and not hs.name is blank
  create in hs, sf
  conflict prefer sf unless blank
  on delete archive
  limit creates 500, updates 5000, deletes 0
}"#,
    );
    let sync = only_sync(&spec);
    assert_eq!(sync.left.object.name, "companies");
    assert_eq!(sync.right.object.name, "Account");
    assert_eq!(sync.direction, Direction::Both);
    assert_eq!(sync.match_rules().count(), 2);
    assert!(matches!(&sync.body[3], SyncItem::Create(c) if c.sides.len() == 2));
    let SyncItem::Conflict(conflict) = &sync.body[4] else {
        panic!("conflict setting expected")
    };
    assert!(matches!(
        &conflict.rule.kind,
        ConflictRuleKind::Prefer { side, unless_blank: true } if side.name == "sf"
    ));
    assert!(matches!(
        &sync.body[5],
        SyncItem::Delete(DeletePolicy {
            action: DeleteAction::Archive,
            ..
        })
    ));
    let SyncItem::Limits(limits) = &sync.body[6] else {
        panic!("limits expected")
    };
    let limits: Vec<(LimitKind, u64)> = limits.limits.iter().map(|l| (l.kind, l.max)).collect();
    assert_eq!(
        limits,
        [
            (LimitKind::Creates, 500),
            (LimitKind::Updates, 5000),
            (LimitKind::Deletes, 0)
        ]
    );
}

#[test]
fn mapping_modifiers_are_parsed() {
    let spec = parse_clean(
        r#"sync s: hs.contacts <-> sf.Lead {
  hs.lastname <-> sf.LastName default "Unknown" keep when blank prefer hs
  hs.domain <-> sf.Website transform "https://" + hs.domain reverse domain(sf.Website)
  hs.jobtitle -> sf.Title truncate 128 newest
  hs.source -> sf.LeadSource via { "A" => "B" else error }
  hs.companies(associated) <-> sf.AccountId through accounts review
  hs.mrr <- round(sf.Amount / 12, 2)
}"#,
    );
    let mappings: Vec<&Mapping> = only_sync(&spec).mappings().collect();
    assert_eq!(mappings.len(), 6);
    assert!(mappings[0].keeps_when_blank());
    assert!(mappings[0].default_value().is_some());
    assert!(mappings[1].transform().is_some() && mappings[1].reverse().is_some());
    assert_eq!(mappings[2].truncate(), Some(128));
    assert!(matches!(
        mappings[2].conflict_rule().map(|r| &r.kind),
        Some(ConflictRuleKind::Newest)
    ));
    let Some(ValueMapRef::Inline(body)) = mappings[3].value_map() else {
        panic!("inline map expected")
    };
    assert!(matches!(
        body.fallback().map(|a| &a.kind),
        Some(MapArmKind::ElseError)
    ));
    assert_eq!(mappings[4].through().map(Ident::as_str), Some("accounts"));
    let association = mappings[4].left.as_field().expect("field");
    assert_eq!(association.display(), "hs.companies(associated)");
    assert_eq!(mappings[5].direction, Direction::RightToLeft);
    assert!(matches!(mappings[5].right.kind, ExprKind::Call { .. }));
}

#[test]
fn expression_precedence_follows_the_reference() {
    let spec = parse_clean(
        "sync s: hs.a <-> sf.B {\n  only hs.a = 1 or hs.b = 2 and not hs.c ?? 0 > 1 + 2 * 3\n}",
    );
    let filter = only_sync(&spec).scope_filters().next().expect("filter");
    let ExprKind::Binary {
        op: BinaryOp::Or,
        right,
        ..
    } = &filter.condition.kind
    else {
        panic!("or at the top: {:?}", filter.condition.kind)
    };
    let ExprKind::Binary {
        op: BinaryOp::And,
        right,
        ..
    } = &right.kind
    else {
        panic!("and under or")
    };
    let ExprKind::Unary {
        op: UnaryOp::Not,
        operand,
    } = &right.kind
    else {
        panic!("not under and")
    };
    let ExprKind::Binary {
        op: BinaryOp::Gt,
        left,
        right,
    } = &operand.kind
    else {
        panic!("comparison under not")
    };
    assert!(matches!(
        left.kind,
        ExprKind::Binary {
            op: BinaryOp::Coalesce,
            ..
        }
    ));
    let ExprKind::Binary {
        op: BinaryOp::Add,
        right,
        ..
    } = &right.kind
    else {
        panic!("sum on the right")
    };
    assert!(matches!(
        right.kind,
        ExprKind::Binary {
            op: BinaryOp::Mul,
            ..
        }
    ));
}

#[test]
fn literals_of_every_kind() {
    let spec = parse_clean(
        "sync s: hs.a <-> sf.B {\n  only hs.d > @2024-01-31 and hs.t < @2024-01-31T09:30:00Z and hs.b = true and hs.s = \"a\\\"b\" and hs.n = 1.5\n}",
    );
    let text = format!("{:?}", only_sync(&spec).scope_filters().next());
    assert!(text.contains("Date(2024-01-31)"), "{text}");
    assert!(
        text.contains("DateTime(2024-01-31T09:30:00+00:00)"),
        "{text}"
    );
    assert!(text.contains("Bool(true)"));
    assert!(text.contains(r#"String("a\"b")"#));
    assert!(text.contains(r#"Number("1.5")"#));
}

#[test]
fn custom_objects_and_quoted_names() {
    let spec = parse_clean(
        "sync subs: hs.\"2-1234567\" <-> sf.Subscription__c {\n  hs.plan <-> sf.Plan__c\n}",
    );
    let sync = only_sync(&spec);
    assert_eq!(sync.left.object.name, "2-1234567");
    assert_eq!(sync.right.object.name, "Subscription__c");
}

#[test]
fn value_maps_with_header_and_fallbacks() {
    let spec = parse_clean(
        "map stages: hs.deals.dealstage <-> sf.Opportunity.StageName {\n  \"a\" <=> \"A\"\n  \"b\" <=> \"B\"\n}\nmap status {\n  \"x\" => \"X\"\n  else => \"Other\"\n}\n",
    );
    let maps: Vec<&MapDef> = spec.maps().collect();
    assert!(maps[0].is_two_way());
    assert!(!maps[1].is_two_way());
    assert!(maps[1].header.is_none());
}

#[test]
fn triggers_with_every_action() {
    let spec = parse_clean(
        r##"on sf.Opportunity.StageName becomes "Closed Won" when sf.Amount > 0 {
  set hs.contacts(associated).lifecyclestage = "customer"
  set hs.contacts(associated).hs_lead_status = sf.StageName via { "Closed Won" => "CONNECTED" }
  create sf.Task {
    Subject = "Onboard " + sf.Account.Name
    OwnerId = sf.Account.OwnerId
  }
  notify slack "#revenue" "Closed won: {sf.Name} for {sf.Amount}"
}
on hs.contacts.email changes { }"##,
    );
    let triggers: Vec<&Trigger> = spec.triggers().collect();
    assert_eq!(triggers.len(), 2);
    assert!(triggers[0].condition.is_some());
    assert_eq!(triggers[0].actions.len(), 4);
    let ActionKind::Notify { message, .. } = &triggers[0].actions[3].kind else {
        panic!("notify expected")
    };
    assert_eq!(message.parts.len(), 4);
    assert!(matches!(triggers[1].event.kind, TriggerEventKind::Changes));
}

#[test]
fn spans_point_at_the_source_text() {
    let text =
        "connection hs: hubspot\nsync s: hs.contacts <-> sf.Lead {\n  hs.email <-> sf.Email\n}\n";
    let mut sources = SourceMap::new();
    sources.add("test.tandem", text);
    let (spec, _) = parse_spec(&sources);
    let mapping = spec
        .syncs()
        .next()
        .and_then(|s| s.mappings().next())
        .expect("mapping");
    assert_eq!(sources.slice(mapping.span), "hs.email <-> sf.Email");
    assert_eq!(sources.slice(mapping.right.span), "sf.Email");
    let sync = spec.syncs().next().expect("sync");
    assert_eq!(sources.slice(sync.name.span), "s");
}

#[test]
fn recovery_reports_an_error_per_broken_item_and_keeps_the_rest() {
    let (spec, codes) = parse(
        "connection hs: hubspot\nsync a: hs.x <-> sf.Y {\n  hs.email sf.Email\n}\nsync b: hs.x <-> sf.Y {\n  hs.a <-> sf.b\n}\nmap m {\n  \"a\" => \n}\ntable t from \"t.csv\"\n",
    );
    assert_eq!(
        codes,
        [
            "tandem::syntax::expected_arrow",
            "tandem::syntax::expected_expression"
        ]
    );
    let names: Vec<String> = spec
        .items
        .iter()
        .map(|item| match item {
            Item::Connection(c) => c.name.name.clone(),
            Item::Sync(s) => s.name.name.clone(),
            Item::Table(t) => t.name.name.clone(),
            Item::Map(m) => m.name.name.clone(),
            Item::Trigger(_) => "trigger".into(),
        })
        .collect();
    assert_eq!(names, ["hs", "b", "t"]);
}

#[test]
fn a_computed_target_is_refused() {
    let (_, codes) = parse("sync s: hs.a <-> sf.B {\n  hs.a -> lower(sf.B)\n}\n");
    assert_eq!(codes, ["tandem::syntax::mapping_target_not_a_field"]);
}

#[test]
fn hostile_nesting_is_refused_without_overflow() {
    let deep = format!(
        "sync s: hs.a <-> sf.B {{\n  only {}1{}\n}}\n",
        "(".repeat(500),
        ")".repeat(500)
    );
    let (_, codes) = parse(&deep);
    assert!(!codes.is_empty());
    let long_not = format!(
        "sync s: hs.a <-> sf.B {{\n  only {}true\n}}\n",
        "not ".repeat(5000)
    );
    let (_, codes) = parse(&long_not);
    assert_eq!(codes, ["tandem::syntax::nesting_too_deep"]);
}
