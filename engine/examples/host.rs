//! A minimal Rust host: opens the shipped catalog (hot-reloaded) and a SQLite store, opens a
//! case, records what the caseworker learnt, and delivers the actions the engine asked for
//! from the outbox, acknowledging each once it is delivered. A host that crashes between the
//! append and the delivery loses nothing: the action is still in the outbox, and its stable id
//! lets the receiver drop a second delivery.
//!
//! Run from the repository root: `cargo run -p lots --example host -- /tmp/lots-demo.db`

use std::time::Duration;

use lots::runtime::{Actor, Event, FactValue};
use lots::store::{SqlStore, StoreOptions};
use lots::{Engine, EngineError};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "lots-demo.db".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = SqlStore::open(&db, &StoreOptions::default()).await?;
        let engine = Engine::open(vec!["workflows".into(), "rules".into()], store)?;
        let caseworker = Actor::new("hl-7", "socialsekreterare");
        let case_id = format!("demo-{}", jiff::Timestamp::now().as_second());
        let opened = engine
            .open_case(
                Event::CaseOpened {
                    case_id: case_id.clone(),
                    workflow: "vuxna_utsatta".to_owned(),
                    unit: "skarholmen".to_owned(),
                    referral_source: Some("self".to_owned()),
                    facts: [
                        ("gender".to_owned(), FactValue::Text("kvinna".to_owned())),
                        ("has_children".to_owned(), FactValue::Bool(true)),
                    ]
                    .into(),
                },
                caseworker.clone(),
                "2025-09-01T09:00".parse()?,
            )
            .await?;
        println!("opened {} in phase {}", opened.case.id, opened.case.phase);
        let applied = engine
            .apply(
                &case_id,
                Event::FactsRecorded {
                    facts: [("children_witnessed".to_owned(), FactValue::Bool(true))].into(),
                    person: None,
                },
                caseworker.clone(),
                "2025-09-01T09:30".parse()?,
            )
            .await?;
        println!(
            "event {} accepted, {} action(s)",
            applied.seq,
            applied.actions.len()
        );
        // A rejected event changes nothing and says why.
        match engine
            .apply(
                &case_id,
                Event::NoShow,
                caseworker.clone(),
                "2025-08-01T09:00".parse()?,
            )
            .await
        {
            Err(EngineError::Rejected(r)) => {
                println!("rejected: {}", r.describe(lots::runtime::Lang::En));
            }
            other => println!("unexpected: {other:?}"),
        }
        // The delivery loop: claim, deliver, acknowledge.
        let courier = Actor::new("utskick-1", "socialsekreterare");
        for entry in engine
            .claim_actions(&courier, Duration::from_secs(60), 10)
            .await?
        {
            println!(
                "deliver {} ({})",
                lots::runtime::describe_action(&entry.action, lots::runtime::Lang::Sv),
                entry.action.id
            );
            engine.acknowledge(&entry.action.id, &courier).await?;
        }
        let explanation = engine
            .explain(&case_id, "2025-09-02T09:00".parse()?, &caseworker)
            .await?;
        println!("{}", explanation.render(lots::runtime::Lang::Sv));
        Ok(())
    })
}
