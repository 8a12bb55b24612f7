//! Why an event is rejected or a transition blocked, as data that renders in Swedish or
//! English in words a caseworker understands.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::action::Citation;

/// The language of rendered text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Swedish.
    #[default]
    Sv,
    /// English.
    En,
}

/// What an actor asked to do, for [`Reason::NotAuthorised`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// Take a decision.
    Decision,
    /// Request a transition (or close the case through one).
    Transition,
    /// Give one of the approvals of a decision or transition taken together.
    Approval,
}

/// Where the roles allowed to act come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Delegated {
    /// The workflow's own default.
    Workflow {
        /// The workflow.
        workflow: String,
    },
    /// A point of the unit's delegation.
    Unit {
        /// The unit.
        unit: String,
        /// The unit's reference, e.g. `Delegationsordning 2025, punkt 3.1.4`.
        reference: String,
    },
}

impl Delegated {
    fn describe(&self, sv: bool) -> String {
        match (self, sv) {
            (Delegated::Workflow { workflow }, true) => format!("enligt processen `{workflow}`"),
            (Delegated::Workflow { workflow }, false) => format!("as workflow `{workflow}` says"),
            (Delegated::Unit { unit, reference }, true) => {
                format!("enligt delegationen i `{unit}`: {reference}")
            }
            (Delegated::Unit { unit, reference }, false) => {
                format!("as delegated by unit `{unit}`: {reference}")
            }
        }
    }
}

/// Why an actor's role may not do what it asked: the role, what it asked, the roles that may
/// and where that comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotAuthorised {
    /// The actor's role.
    pub role: String,
    /// What was asked.
    pub act: Act,
    /// The decision's id, or the transition as `from -> to`.
    pub target: String,
    /// Its title.
    pub title: String,
    /// The roles that may.
    pub roles: Vec<String>,
    /// Where that comes from.
    pub delegation: Delegated,
    /// The decision's legal ground.
    pub legal: Option<Citation>,
}

/// One reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reason {
    /// The first event of a case must open it.
    NotOpened,
    /// The case is already open.
    AlreadyOpened,
    /// The case is closed: it accepts only acknowledgements, follow-up facts (declared
    /// `after_closing`) and time passing for a deadline its closing started.
    Closed {
        /// The facts that may still be recorded, if any.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        after_closing: Vec<String>,
    },
    /// The event's time lies outside the years the engine counts time in.
    TimeOutOfRange {
        /// The event's time.
        at: String,
        /// The first year accepted.
        first: i16,
        /// The last year accepted.
        last: i16,
    },
    /// The host's case id cannot be used as one.
    InvalidCaseId {
        /// What is wrong with it.
        problem: String,
    },
    /// The actor id or role cannot be used (the id is never repeated: it may be a personal
    /// identity number).
    InvalidActor {
        /// What is wrong with it.
        problem: String,
    },
    /// The event is older than the case's last event.
    TimeWentBack {
        /// The last event's time.
        last: String,
    },
    /// No such workflow in the catalog.
    UnknownWorkflow {
        /// The id.
        workflow: String,
    },
    /// No such unit.
    UnknownUnit {
        /// The id.
        unit: String,
    },
    /// The unit does not run the workflow.
    UnitDoesNotRun {
        /// The unit.
        unit: String,
        /// The workflow.
        workflow: String,
    },
    /// The catalog lacks the workflow version the case is pinned to.
    VersionMissing {
        /// The workflow.
        workflow: String,
        /// The version.
        version: u32,
    },
    /// The case cannot leave a phase before the tracks of its join are done.
    TracksNotDone {
        /// The phase being left.
        phase: String,
        /// Each track not yet done, with where it stands.
        waiting: Vec<TrackWaiting>,
    },
    /// No such person collection.
    UnknownPeople {
        /// The collection the host named.
        of: String,
        /// The workflow's collections.
        known: Vec<String>,
    },
    /// A person's key that is not a pseudonymous key (never repeated: it may be an identity).
    InvalidPersonKey {
        /// What is wrong with it.
        problem: String,
    },
    /// The collection already holds as many people as a case may.
    TooManyPeople {
        /// The collection.
        of: String,
        /// The most it may hold.
        max: usize,
    },
    /// The case already has this person.
    PersonExists {
        /// The person.
        person: super::PersonRef,
    },
    /// The case has no such person.
    UnknownPerson {
        /// The person.
        person: super::PersonRef,
    },
    /// A fact that is not a fact of the person's collection, sent for a person.
    NotPersonFact {
        /// The fact.
        fact: String,
        /// The collection.
        of: String,
    },
    /// A person's fact sent as the case's.
    PersonFactWithoutPerson {
        /// The fact.
        fact: String,
        /// Its collection.
        of: String,
    },
    /// An instrument required for each person of a collection has not been completed for some.
    MissingForEach {
        /// The phase being left.
        phase: String,
        /// The instrument.
        instrument: String,
        /// Its title.
        title: String,
        /// The collection.
        of: String,
        /// The keys of the people it is missing for.
        missing: Vec<String>,
    },
    /// No such fact.
    UnknownFact {
        /// The fact.
        fact: String,
    },
    /// A fact value of the wrong type.
    WrongType {
        /// The fact.
        fact: String,
        /// What the fact takes.
        expected: String,
    },
    /// No such instrument.
    UnknownInstrument {
        /// The id.
        instrument: String,
    },
    /// An answer to an item the instrument does not have, or of the wrong type.
    BadAnswer {
        /// The instrument.
        instrument: String,
        /// The item.
        item: String,
        /// What the item takes.
        expected: String,
    },
    /// A rating not among the instrument's values.
    BadRating {
        /// The instrument.
        instrument: String,
        /// The value given.
        value: String,
        /// The allowed values.
        allowed: Vec<String>,
    },
    /// No transition from the current phase to the requested one.
    NoTransition {
        /// Current phase.
        from: String,
        /// Requested phase.
        to: String,
        /// Where the case can go.
        possible: Vec<String>,
    },
    /// The transition's condition does not hold.
    ConditionNotMet {
        /// To which phase.
        to: String,
        /// The whole condition in words.
        condition: String,
        /// Its smallest false parts, each in words with the facts it reads.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        failing: Vec<FailingPart>,
    },
    /// A required instrument has not been completed.
    InstrumentMissing {
        /// The phase being left.
        phase: String,
        /// The instrument.
        instrument: String,
        /// Its title.
        title: String,
        /// The phase's legal grounds.
        legal: Vec<Citation>,
    },
    /// Too few sessions held in the phase.
    TooFewSessions {
        /// The phase.
        phase: String,
        /// Held.
        held: u32,
        /// Expected minimum.
        min: u32,
    },
    /// An override needs a written reason.
    EmptyReason,
    /// The override names a transition that does not exist.
    NothingToOverride {
        /// What was named.
        requirement: String,
    },
    /// No such action, or it is already acknowledged.
    UnknownAction {
        /// The id.
        action_id: String,
    },
    /// No such deadline running.
    DeadlineNotRunning {
        /// The deadline.
        deadline: String,
    },
    /// The ground does not allow extending this deadline.
    ExtensionNotAllowed {
        /// The deadline.
        deadline: String,
        /// The ground given.
        ground: String,
        /// The grounds allowed.
        allowed: Vec<String>,
    },
    /// The extension is longer than allowed.
    ExtensionTooLong {
        /// The deadline.
        deadline: String,
        /// The most days allowed in total.
        max_days: u32,
    },
    /// A unit's guard hook does not accept the event.
    UnitGuard {
        /// The unit.
        unit: String,
        /// The hook.
        hook: String,
        /// The unit's reason.
        reason: String,
        /// The script error, when the guard failed rather than said no.
        error: Option<String>,
    },
    /// Not a closure reason of the workflow.
    UnknownClosureReason {
        /// The reason given.
        reason: String,
        /// The reasons allowed.
        allowed: Vec<String>,
    },
    /// The actor's role is not one the workflow declares.
    UnknownRole {
        /// The role given.
        role: String,
        /// The roles declared.
        roles: Vec<String>,
    },
    /// No such decision (or the event names none and the workflow has no default one).
    UnknownDecision {
        /// The decision named, if any.
        decision: Option<String>,
        /// The decisions declared.
        decisions: Vec<String>,
    },
    /// The actor's role may not do this (boxed: the largest reason).
    NotAuthorised(Box<NotAuthorised>),
    /// The actor's role may not override what blocks leaving this phase.
    OverrideNotAllowed {
        /// The actor's role.
        role: String,
        /// The phase.
        phase: String,
        /// The roles that may.
        roles: Vec<String>,
        /// Where that comes from.
        delegation: Delegated,
    },
    /// The phase does not accept this type of event.
    EventNotAccepted {
        /// The event's type.
        event: String,
        /// The phase.
        phase: String,
        /// The phase's title.
        title: String,
        /// The types it accepts.
        accepted: Vec<String>,
    },
    /// The override names a requirement the workflow marks binding.
    BindingRequirement {
        /// The requirement, in words.
        requirement: String,
        /// The phase.
        phase: String,
    },
    /// The actor has already given an approval towards this.
    AlreadyApproved {
        /// The decision's id, or the transition as `from -> to`.
        what: String,
        /// The actor's id.
        actor: String,
    },
    /// Facts the phase requires have not been recorded.
    FactsMissing {
        /// The phase being left.
        phase: String,
        /// The facts missing.
        facts: Vec<String>,
        /// No override lifts it.
        binding: bool,
    },
    /// A document the phase requires has not been recorded.
    DocumentMissing {
        /// The phase being left.
        phase: String,
        /// The document.
        document: String,
        /// Its title.
        title: String,
        /// No override lifts it.
        binding: bool,
    },
    /// No phase of the workflow requires such a document.
    UnknownDocument {
        /// The id given.
        document: String,
        /// The documents declared.
        documents: Vec<String>,
    },
    /// A fact only a decision records, sent as a fact.
    DecisionFact {
        /// The fact.
        fact: String,
        /// The decision that records it.
        decision: String,
    },
    /// A fact the engine computes from others, sent as a fact.
    ComputedFact {
        /// The fact.
        fact: String,
    },
    /// An instrument that must be answered in full was completed with items unanswered.
    ItemsUnanswered {
        /// The instrument.
        instrument: String,
        /// Its title.
        title: String,
        /// The items without an answer.
        items: Vec<Unanswered>,
    },
}

/// An item left unanswered: its id and topic (never an answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unanswered {
    /// The item's id.
    pub item: String,
    /// Its topic, as the instrument file words it.
    pub topic: String,
}

impl Reason {
    /// The reason in words.
    pub fn describe(&self, lang: Lang) -> String {
        let sv = lang == Lang::Sv;
        let pick = |s: String, e: String| if sv { s } else { e };
        match self {
            Reason::NotOpened => pick(
                "ärendet är inte öppnat: första händelsen ska vara case_opened".into(),
                "the case is not open: its first event must be case_opened".into(),
            ),
            Reason::AlreadyOpened => pick(
                "ärendet är redan öppnat".into(),
                "the case is already open".into(),
            ),
            Reason::Closed { after_closing } if after_closing.is_empty() => {
                pick("ärendet är avslutat".into(), "the case is closed".into())
            }
            Reason::Closed { after_closing } => pick(
                format!(
                    "ärendet är avslutat; efter avslut kan bara {} registreras",
                    after_closing.join(", ")
                ),
                format!(
                    "the case is closed; after closing only {} may be recorded",
                    after_closing.join(", ")
                ),
            ),
            Reason::TimeOutOfRange { at, first, last } => pick(
                format!("tiden {at} ligger utanför åren {first}–{last} som tidsfrister räknas i"),
                format!(
                    "the time {at} lies outside the years {first}–{last} that deadlines are counted in"
                ),
            ),
            Reason::InvalidCaseId { problem } => pick(
                format!("ärendets id kan inte användas: {problem}"),
                format!("the case id cannot be used: {problem}"),
            ),
            Reason::InvalidActor { problem } => pick(
                format!("handläggarens id eller roll kan inte användas: {problem}"),
                format!("the actor id or role cannot be used: {problem}"),
            ),
            Reason::TimeWentBack { last } => pick(
                format!("händelsen är äldre än ärendets senaste händelse ({last})"),
                format!("the event is earlier than the case's last event ({last})"),
            ),
            Reason::UnknownWorkflow { workflow } => pick(
                format!("processen `{workflow}` finns inte"),
                format!("there is no workflow `{workflow}`"),
            ),
            Reason::UnknownUnit { unit } => pick(
                format!("enheten `{unit}` finns inte"),
                format!("there is no unit `{unit}`"),
            ),
            Reason::UnitDoesNotRun { unit, workflow } => pick(
                format!("enheten `{unit}` arbetar inte med processen `{workflow}`"),
                format!("unit `{unit}` does not run workflow `{workflow}`"),
            ),
            Reason::VersionMissing { workflow, version } => pick(
                format!(
                    "ärendet följer `{workflow}` version {version}, som inte längre finns i katalogen"
                ),
                format!(
                    "the case follows `{workflow}` version {version}, which the catalog no longer holds"
                ),
            ),
            Reason::TracksNotDone { phase, waiting } => {
                let list = |sv: bool| {
                    waiting
                        .iter()
                        .map(|w| {
                            format!(
                                "{} ({} `{}`)",
                                w.title,
                                if sv { "står i" } else { "at" },
                                w.phase
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                pick(
                    format!(
                        "ärendet kan inte lämna `{phase}` förrän alla spår är klara; väntar på {}",
                        list(true)
                    ),
                    format!(
                        "the case cannot leave `{phase}` before its tracks are done; waiting for {}",
                        list(false)
                    ),
                )
            }
            Reason::UnknownPeople { of, known } => pick(
                format!(
                    "processen har ingen personsamling `{of}` (den har: {})",
                    known.join(", ")
                ),
                format!(
                    "the workflow has no person collection `{of}` (it has: {})",
                    known.join(", ")
                ),
            ),
            Reason::InvalidPersonKey { problem } => pick(
                format!("personens nyckel går inte att använda: {problem}"),
                format!("the person's key cannot be used: {problem}"),
            ),
            Reason::TooManyPeople { of, max } => pick(
                format!("`{of}` har redan {max} personer, så många som ett ärende kan ha"),
                format!("`{of}` already holds {max} people, as many as a case may"),
            ),
            Reason::PersonExists { person } => pick(
                format!("`{}/{}` finns redan i ärendet", person.of, person.key),
                format!("the case already has `{}/{}`", person.of, person.key),
            ),
            Reason::UnknownPerson { person } => pick(
                format!(
                    "ärendet har ingen `{}/{}`; lägg till personen med person_added först",
                    person.of, person.key
                ),
                format!(
                    "the case has no `{}/{}`; add the person with person_added first",
                    person.of, person.key
                ),
            ),
            Reason::NotPersonFact { fact, of } => pick(
                format!("`{fact}` är inte en uppgift om var och en i `{of}`"),
                format!("`{fact}` is not a fact of each of `{of}`"),
            ),
            Reason::PersonFactWithoutPerson { fact, of } => pick(
                format!("`{fact}` gäller en person i `{of}`: ange `person`"),
                format!("`{fact}` is a fact of one of `{of}`: give `person`"),
            ),
            Reason::MissingForEach {
                phase,
                title,
                of,
                missing,
                ..
            } => pick(
                format!(
                    "{title} krävs för var och en i `{of}` innan ärendet lämnar `{phase}`; saknas för {}",
                    missing.join(", ")
                ),
                format!(
                    "{title} is required for each of `{of}` before leaving `{phase}`; missing for {}",
                    missing.join(", ")
                ),
            ),
            Reason::UnknownFact { fact } => pick(
                format!("uppgiften `{fact}` finns inte i processen"),
                format!("the workflow has no fact `{fact}`"),
            ),
            Reason::WrongType { fact, expected } => pick(
                format!("`{fact}` ska vara {expected}"),
                format!("`{fact}` takes {expected}"),
            ),
            Reason::UnknownInstrument { instrument } => pick(
                format!("bedömningsinstrumentet `{instrument}` finns inte"),
                format!("there is no instrument `{instrument}`"),
            ),
            Reason::BadAnswer {
                instrument,
                item,
                expected,
            } => pick(
                format!("svaret på `{item}` i `{instrument}` ska vara {expected}"),
                format!("the answer to `{item}` of `{instrument}` must be {expected}"),
            ),
            Reason::BadRating {
                instrument,
                value,
                allowed,
            } => pick(
                format!(
                    "`{value}` är inte en tillåten skattning i `{instrument}` ({})",
                    allowed.join(", ")
                ),
                format!(
                    "`{value}` is not a rating of `{instrument}` ({})",
                    allowed.join(", ")
                ),
            ),
            Reason::NoTransition { from, to, possible } => pick(
                format!(
                    "ärendet kan inte gå från `{from}` till `{to}`; möjliga nästa steg: {}",
                    possible.join(", ")
                ),
                format!(
                    "the case cannot move from `{from}` to `{to}`; possible next phases: {}",
                    possible.join(", ")
                ),
            ),
            Reason::ConditionNotMet {
                to,
                condition,
                failing,
            } => {
                let what = if failing.is_empty() {
                    condition.clone()
                } else {
                    failing
                        .iter()
                        .map(|f| f.describe(lang))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                pick(
                    format!("villkoret för att gå till `{to}` är inte uppfyllt: {what}"),
                    format!("the condition for moving to `{to}` does not hold: {what}"),
                )
            }
            Reason::InstrumentMissing {
                phase,
                title,
                legal,
                ..
            } => {
                let mut s = pick(
                    format!("{title} är inte genomförd; den krävs innan ärendet lämnar `{phase}`"),
                    format!(
                        "{title} has not been completed; it is required before leaving `{phase}`"
                    ),
                );
                cite(&mut s, legal, sv);
                s
            }
            Reason::TooFewSessions { phase, held, min } => pick(
                format!(
                    "{held} av minst {min} samtal har hållits i `{phase}` (kan åsidosättas med skriftlig motivering)"
                ),
                format!(
                    "{held} of at least {min} sessions held in `{phase}` (can be overridden with a written reason)"
                ),
            ),
            Reason::EmptyReason => pick(
                "ett åsidosättande kräver en skriftlig motivering".into(),
                "an override needs a written reason".into(),
            ),
            Reason::NothingToOverride { requirement } => pick(
                format!("det finns inget krav `{requirement}` att åsidosätta här"),
                format!("there is no requirement `{requirement}` to override here"),
            ),
            Reason::UnknownAction { action_id } => pick(
                format!("det finns ingen obekräftad åtgärd `{action_id}`"),
                format!("there is no unacknowledged action `{action_id}`"),
            ),
            Reason::DeadlineNotRunning { deadline } => pick(
                format!("tidsfristen `{deadline}` löper inte"),
                format!("deadline `{deadline}` is not running"),
            ),
            Reason::ExtensionNotAllowed {
                deadline,
                ground,
                allowed,
            } => pick(
                if allowed.is_empty() {
                    format!("tidsfristen `{deadline}` får inte förlängas")
                } else {
                    format!(
                        "`{ground}` är inte skäl för att förlänga `{deadline}`; tillåtna skäl: {}",
                        allowed.join(", ")
                    )
                },
                if allowed.is_empty() {
                    format!("deadline `{deadline}` may not be extended")
                } else {
                    format!(
                        "`{ground}` is not a ground for extending `{deadline}`; allowed: {}",
                        allowed.join(", ")
                    )
                },
            ),
            Reason::ExtensionTooLong { deadline, max_days } => pick(
                format!(
                    "`{deadline}` får förlängas med minst en dag åt gången och högst {max_days} dagar totalt"
                ),
                format!(
                    "`{deadline}` may be extended by at least a day at a time and at most {max_days} days in total"
                ),
            ),
            Reason::UnitGuard {
                unit,
                reason,
                error,
                ..
            } => {
                let mut s = pick(format!("{unit}: {reason}"), format!("{unit}: {reason}"));
                if let Some(e) = error {
                    let _ = write!(
                        s,
                        " ({}: {e})",
                        if sv { "skriptfel" } else { "script error" }
                    );
                }
                s
            }
            Reason::UnknownRole { role, roles } => pick(
                format!(
                    "rollen `{role}` finns inte i processen; roller: {}",
                    roles.join(", ")
                ),
                format!(
                    "the workflow has no role `{role}`; roles: {}",
                    roles.join(", ")
                ),
            ),
            Reason::UnknownDecision {
                decision,
                decisions,
            } => match decision {
                Some(d) => pick(
                    format!(
                        "beslutet `{d}` finns inte i processen; beslut: {}",
                        decisions.join(", ")
                    ),
                    format!(
                        "the workflow has no decision `{d}`; decisions: {}",
                        decisions.join(", ")
                    ),
                ),
                None => pick(
                    format!(
                        "ange vilket beslut som fattas (`decision`): {}",
                        decisions.join(", ")
                    ),
                    format!(
                        "name the decision taken (`decision`): {}",
                        decisions.join(", ")
                    ),
                ),
            },
            Reason::NotAuthorised(n) => {
                let NotAuthorised {
                    role,
                    act,
                    target,
                    title,
                    roles,
                    delegation,
                    legal,
                } = n.as_ref();
                let who = if roles.is_empty() {
                    pick("ingen roll".into(), "no role".into())
                } else {
                    roles.join(", ")
                };
                let mut s = match act {
                    Act::Decision => pick(
                        format!(
                            "rollen `{role}` får inte fatta beslutet {title} (`{target}`); det får: {who}"
                        ),
                        format!(
                            "role `{role}` may not take the decision {title} (`{target}`); roles that may: {who}"
                        ),
                    ),
                    Act::Transition => pick(
                        format!(
                            "rollen `{role}` får inte begära {title} (`{target}`); det får: {who}"
                        ),
                        format!(
                            "role `{role}` may not request {title} (`{target}`); roles that may: {who}"
                        ),
                    ),
                    Act::Approval => pick(
                        format!(
                            "rollen `{role}` kan inte godkänna {title} (`{target}`) nu; godkännande återstår av: {who}"
                        ),
                        format!(
                            "role `{role}` cannot approve {title} (`{target}`) now; approvals still needed: {who}"
                        ),
                    ),
                };
                let _ = write!(s, " – {}", delegation.describe(sv));
                cite(&mut s, legal.as_slice(), sv);
                s
            }
            Reason::OverrideNotAllowed {
                role,
                phase,
                roles,
                delegation,
            } => {
                let who = if roles.is_empty() {
                    pick("ingen roll".into(), "no role".into())
                } else {
                    roles.join(", ")
                };
                pick(
                    format!(
                        "rollen `{role}` får inte åsidosätta det som hindrar ärendet att lämna `{phase}`; det får: {who} – {}",
                        delegation.describe(true)
                    ),
                    format!(
                        "role `{role}` may not override what keeps the case in `{phase}`; roles that may: {who} – {}",
                        delegation.describe(false)
                    ),
                )
            }
            Reason::EventNotAccepted {
                event,
                phase,
                title,
                accepted,
            } => pick(
                format!(
                    "`{event}` tas inte emot i {title} (`{phase}`); här tas emot: {}",
                    accepted.join(", ")
                ),
                format!(
                    "`{event}` is not accepted in {title} (`{phase}`); accepted here: {}",
                    accepted.join(", ")
                ),
            ),
            Reason::BindingRequirement { requirement, phase } => pick(
                format!("kravet {requirement} i `{phase}` är bindande och kan inte åsidosättas"),
                format!(
                    "the requirement {requirement} in `{phase}` is binding and cannot be overridden"
                ),
            ),
            Reason::AlreadyApproved { what, actor } => pick(
                format!(
                    "`{actor}` har redan godkänt `{what}`; ett godkännande till behövs av någon annan"
                ),
                format!(
                    "`{actor}` has already approved `{what}`; the next approval must be someone else's"
                ),
            ),
            Reason::FactsMissing {
                phase,
                facts,
                binding,
            } => pick(
                format!(
                    "uppgifterna {} krävs innan ärendet lämnar `{phase}`{}",
                    facts.join(", "),
                    if *binding {
                        " (bindande)"
                    } else {
                        " (kan åsidosättas med skriftlig motivering)"
                    }
                ),
                format!(
                    "the facts {} are required before leaving `{phase}`{}",
                    facts.join(", "),
                    if *binding {
                        " (binding)"
                    } else {
                        " (can be overridden with a written reason)"
                    }
                ),
            ),
            Reason::DocumentMissing {
                phase,
                title,
                binding,
                ..
            } => pick(
                format!(
                    "dokumentet {title} krävs innan ärendet lämnar `{phase}`{}",
                    if *binding {
                        " (bindande)"
                    } else {
                        " (kan åsidosättas med skriftlig motivering)"
                    }
                ),
                format!(
                    "the document {title} is required before leaving `{phase}`{}",
                    if *binding {
                        " (binding)"
                    } else {
                        " (can be overridden with a written reason)"
                    }
                ),
            ),
            Reason::UnknownDocument {
                document,
                documents,
            } => pick(
                format!(
                    "dokumentet `{document}` finns inte i processen; dokument: {}",
                    documents.join(", ")
                ),
                format!(
                    "the workflow has no document `{document}`; documents: {}",
                    documents.join(", ")
                ),
            ),
            Reason::DecisionFact { fact, decision } => pick(
                format!(
                    "`{fact}` registreras av beslutet `{decision}`: skicka `decision_made` med `decision: {decision}`"
                ),
                format!(
                    "`{fact}` is recorded by decision `{decision}`: send `decision_made` with `decision: {decision}`"
                ),
            ),
            Reason::ComputedFact { fact } => pick(
                format!(
                    "`{fact}` beräknas av Lots ur andra uppgifter och kan inte registreras; registrera det den beräknas från"
                ),
                format!(
                    "`{fact}` is computed by the engine from other facts and cannot be recorded; record what it is computed from"
                ),
            ),
            Reason::ItemsUnanswered { title, items, .. } => {
                let missing: Vec<String> = items
                    .iter()
                    .map(|i| format!("`{}` ({})", i.item, i.topic))
                    .collect();
                pick(
                    format!(
                        "{title} ska besvaras i sin helhet; svar saknas på {}",
                        missing.join(", ")
                    ),
                    format!(
                        "{title} must be answered in full; no answer to {}",
                        missing.join(", ")
                    ),
                )
            }
            Reason::UnknownClosureReason { reason, allowed } => pick(
                format!(
                    "`{reason}` är inte en avslutsorsak; tillåtna: {}",
                    allowed.join(", ")
                ),
                format!(
                    "`{reason}` is not a closure reason; allowed: {}",
                    allowed.join(", ")
                ),
            ),
        }
    }
}

fn cite(s: &mut String, legal: &[Citation], sv: bool) {
    let texts: Vec<String> = legal
        .iter()
        .map(|c| c.text.clone().unwrap_or_else(|| c.concept.clone()))
        .collect();
    if !texts.is_empty() {
        let _ = write!(
            s,
            " ({}: {})",
            if sv { "grund" } else { "ground" },
            texts.join("; ")
        );
    }
}

/// Why an event was rejected: every reason found. A rejected event changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The event's type.
    pub event: String,
    /// Every reason.
    pub reasons: Vec<Reason>,
}

impl Rejection {
    /// The rejection in words, one reason per line.
    pub fn describe(&self, lang: Lang) -> String {
        self.reasons
            .iter()
            .map(|r| r.describe(lang))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` rejected: {}",
            self.event,
            self.describe(Lang::En).replace('\n', "; ")
        )
    }
}

impl std::error::Error for Rejection {}

/// A smallest false part of a condition: what does not hold, and the facts it reads as they
/// are (sensitive ones redacted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailingPart {
    /// The part's stable path, e.g. `transitions/3/when/all/1`.
    pub path: String,
    /// The part in words.
    pub condition: String,
    /// The facts it reads, with their values (absent: not recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<super::FactRead>,
}

impl FailingPart {
    /// The part in words, with the facts it reads.
    pub fn describe(&self, lang: Lang) -> String {
        if self.facts.is_empty() {
            return self.condition.clone();
        }
        let (is, unset) = match lang {
            Lang::Sv => ("är", "inte registrerad"),
            Lang::En => ("is", "not recorded"),
        };
        let read: Vec<String> = self
            .facts
            .iter()
            .map(|f| match &f.value {
                Some(v) => format!("{} {is} {v}", f.fact),
                None => format!("{}: {unset}", f.fact),
            })
            .collect();
        format!("{} ({})", self.condition, read.join(", "))
    }
}

/// A track a join waits for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackWaiting {
    /// The track.
    pub track: String,
    /// Its title.
    pub title: String,
    /// Who runs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The phase it stands in.
    pub phase: String,
}
