//! The stable diagnostic codes. Each has a file in `tests/data/invalid/` named after it.

macro_rules! codes {
    ($( $variant:ident = $name:literal, $severity:ident, $doc:literal; )*) => {
        /// A stable diagnostic code, `module::snake_name`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( #[doc = $doc] $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The code as written in output, e.g. `graph::unreachable_phase`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// What the code means, in one line.
            pub fn description(self) -> &'static str {
                match self { $( Code::$variant => $doc, )* }
            }

            /// Its severity.
            pub fn severity(self) -> super::Severity {
                match self { $( Code::$variant => super::Severity::$severity, )* }
            }
        }
    };
}

codes! {
    FileTooLarge = "syntax::file_too_large", Error, "the file is larger than the loader accepts";
    NotUtf8 = "syntax::not_utf8", Error, "the file is not UTF-8 text";
    Yaml = "syntax::yaml", Error, "the file is not well-formed YAML";
    Budget = "syntax::budget_exceeded", Error, "the YAML exceeds a parser budget (nesting, aliases, size)";
    MissingModeline = "syntax::missing_modeline", Warning, "the file does not start with the yaml-language-server schema modeline";
    UnknownKind = "syntax::unknown_kind", Error, "the `kind` field names no file kind";
    UnknownField = "syntax::unknown_field", Error, "a field that the file kind does not have";
    MissingField = "syntax::missing_field", Error, "a required field is missing";
    UnknownVariant = "syntax::unknown_variant", Error, "a value or key that is not one of the allowed ones";
    InvalidValue = "syntax::invalid_value", Error, "a value of the wrong type or out of range";
    InvalidDate = "syntax::invalid_date", Error, "a date that is not a valid `YYYY-MM-DD`";
    InvalidId = "syntax::invalid_id", Error, "an id that is not `[a-z][a-z0-9_]*` of at most 64 bytes, or is a reserved word";
    NoVisibleText = "syntax::no_visible_text", Error, "a written reason with no visible text";
    NotAFile = "source::not_a_file", Error, "a catalog path that is not a regular file (a pipe, a device, a socket)";
    SymlinkLoop = "source::symlink_loop", Error, "a symbolic link that leads back to itself or to a folder being read";
    DuplicateId = "catalog::duplicate_id", Error, "two items of the same kind share an id";
    UnknownWorkflow = "reference::unknown_workflow", Error, "a reference to a workflow that does not exist";
    UnknownPhase = "reference::unknown_phase", Error, "a reference to a phase the workflow lacks";
    UnknownFact = "reference::unknown_fact", Error, "a reference to a fact the workflow does not declare";
    UnknownInstrument = "reference::unknown_instrument", Error, "a reference to an instrument that does not exist";
    UnknownTrack = "reference::unknown_track", Error, "a reference to a track the workflow or phase does not have";
    NestedTracks = "workflow::nested_tracks", Error, "a track's phase with tracks of its own";
    LeavesTrack = "graph::leaves_track", Error, "a transition between a track's phases and phases outside the track";
    JoinNeverDone = "graph::join_never_done", Error, "a phase whose join waits for a track that can never reach a terminal phase";
    UnknownPeople = "reference::unknown_people", Error, "a reference to a person collection the workflow does not declare";
    PersonFactOutside = "condition::person_fact_outside", Error, "a person's fact named where no person is being read (outside `any_person`, `every_person`, `count_people` or a `for_each` rule)";
    NestedPeople = "condition::nested_people", Error, "a condition over people inside another one";
    UnknownBand = "reference::unknown_band", Error, "a reference to a band the instrument does not define";
    UnknownItem = "reference::unknown_item", Error, "a reference to an instrument item that does not exist";
    UnknownRule = "reference::unknown_rule", Error, "a reference to a rule that does not exist";
    UnknownUnit = "reference::unknown_unit", Error, "a reference to a unit that does not exist";
    UnknownParameter = "reference::unknown_parameter", Error, "a reference to a parameter no workflow declares";
    UnknownDeadline = "reference::unknown_deadline", Error, "a reference to a deadline the workflow does not declare";
    UnknownLegalConcept = "reference::unknown_legal_concept", Error, "a citation of a legal concept no LegalReference file defines";
    UnknownClosureReason = "reference::unknown_closure_reason", Error, "a closure reason the workflow does not declare";
    UnknownRole = "reference::unknown_role", Error, "a role the workflow does not declare";
    UnknownDecision = "reference::unknown_decision", Error, "a decision the workflow does not declare";
    UnknownTransition = "reference::unknown_transition", Error, "a transition between two phases that the workflow does not have";
    TypeMismatch = "condition::type_mismatch", Error, "a value compared with or written to a fact of another type";
    UnknownEnumValue = "condition::unknown_enum_value", Error, "an enum fact compared with a value not in its list";
    OrderedOnUnordered = "condition::not_ordered", Error, "an ordered comparison on a fact that has no order";
    EmptyGroup = "condition::empty_group", Error, "`all`, `any` or `in` with nothing in it";
    EnumWithoutValues = "workflow::enum_without_values", Error, "an enum fact without its list of values";
    ValuesOnNonEnum = "workflow::values_on_non_enum", Error, "a list of values on a fact that is not an enum";
    InvalidRange = "workflow::invalid_range", Error, "a range whose minimum is above its maximum";
    UnreachableClosureReason = "workflow::unreachable_closure_reason", Error, "a closure reason that no terminal phase records and that is not valid from any phase";
    InvalidLength = "workflow::invalid_length", Error, "a length without exactly one of days, working_days, weeks and months";
    FactSetOnYesNo = "workflow::fact_set_on_yes_no", Warning, "a deadline triggered by any value of a yes/no fact, `false` included";
    StopsAndCancels = "workflow::stops_and_cancels", Error, "a deadline both met and cancelled by the same event";
    TerminalWithExits = "workflow::terminal_with_exits", Error, "a terminal phase with transitions out of it";
    UnknownStartPhase = "graph::unknown_start_phase", Error, "the start phase is not one of the workflow's phases";
    UnknownTarget = "graph::unknown_target", Error, "a transition to or from a phase that does not exist";
    UnreachablePhase = "graph::unreachable_phase", Error, "a phase that cannot be reached from the start phase";
    DeadEnd = "graph::dead_end", Error, "a non-terminal phase with no way out";
    NoTerminalPath = "graph::no_terminal_path", Error, "a phase from which no terminal phase can be reached";
    BandOverlap = "instrument::band_overlap", Error, "two bands of an instrument cover the same score";
    BandGap = "instrument::band_gap", Error, "scores that no band of an instrument covers";
    MissingBands = "instrument::missing_bands", Error, "an instrument writes a band but defines none, or defines both bands and norms";
    IncompatibleWrite = "instrument::incompatible_write", Error, "an instrument writes a value the target fact cannot hold";
    DisablesMandatoryRule = "unit::disables_mandatory_rule", Error, "a unit switches off a rule that is a duty in law";
    AddsBaseRule = "unit::adds_base_rule", Warning, "a unit adds a rule that already runs for every unit";
    InvertedRange = "unit::inverted_range", Error, "a unit's parameter values give a phase's range a minimum above its maximum";
    ParameterOutOfRange = "unit::parameter_out_of_range", Error, "a parameter override outside the parameter's allowed range";
    AmbiguousParameter = "unit::ambiguous_parameter", Error, "a parameter declared by several of the unit's workflows, named without `workflow`";
    WorkflowNotRun = "unit::workflow_not_run", Error, "a rule or override for a workflow the unit does not run";
    VersionOverlap = "legal::version_overlap", Error, "two statute versions of a concept in force on the same day";
    VersionGap = "legal::version_gap", Error, "days between two statute versions of a concept when none is in force";
    InvalidPeriod = "legal::invalid_period", Error, "a statute version that ends before it starts";
    TargetOutOfRange = "indicator::target_out_of_range", Error, "a share target outside 0 to 1";
    MinCellTooSmall = "indicator::min_cell_too_small", Error, "a smallest cell size below 3, which could identify a person";
    NotNumeric = "indicator::not_numeric", Error, "a mean or median of a fact that is not a number";
    InvalidTimeBetween = "indicator::invalid_time_between", Error, "a time between two events that names a fact being set, which is not a milestone";
    InvalidFollowUp = "workflow::invalid_follow_up", Error, "a follow-up variable that is sensitive, free text, a person's fact, or named twice";
    InvalidResidents = "residents::invalid", Error, "a year of residents given twice, outside the calendar, or with a total below women and men together";
    UnknownMunicipality = "residents::unknown_municipality", Warning, "residents of a municipality no unit runs in";
    InvalidBreakdown = "indicator::invalid_breakdown", Error, "a breakdown by a fact that is not a category (an enum or yes/no fact), by a sensitive fact, or by more than three";
    ScriptCompile = "script::compile_error", Error, "a unit script or `script:` condition that does not compile";
    ReadsSensitiveFact = "script::reads_sensitive_fact", Error, "a script names a fact marked sensitive, which scripts may never read";
    MissingScriptFile = "script::missing_file", Error, "a hook names a script file that does not exist";
    MandatoryLocalRule = "duty::mandatory_local_rule", Error, "a rule that is both mandatory and local: a duty in law holds for every unit";
    MandatoryWithoutGround = "duty::mandatory_without_ground", Error, "a mandatory rule that cites no legal ground";
    HookWritesDutyInput = "duty::hook_writes_duty_input", Error, "a unit hook writes a fact that a legal duty depends on";
    RuleWritesDutyInput = "duty::rule_writes_duty_input", Error, "a rule that is not mandatory writes a fact that a legal duty depends on";
    RuleStopsLegalDeadline = "duty::rule_stops_legal_deadline", Error, "a rule that is not mandatory stops a legally grounded deadline";
    TooManyHooks = "unit::too_many_hooks", Error, "a unit with more hooks than one event may run";
    InvalidHook = "unit::invalid_hook", Error, "a hook without exactly one of guard, derive and after, or without exactly one of script and file";
    InvalidRoute = "rules::invalid_route", Error, "a route action without exactly one receiver: `to` (a unit), `target` (a named route target) or `track` (a track that names its owner)";
    MissingRouteTarget = "unit::missing_route_target", Error, "a unit runs a rule that routes to a named target and does not say which unit receives it";
    UnknownRouteTarget = "unit::unknown_route_target", Warning, "a unit names a receiver for a route target that no rule it runs uses";
    DelegatesReservedDecision = "unit::delegates_reserved_decision", Error, "a unit delegates a decision the law reserves for the committee to another role";
    InvalidDelegation = "unit::invalid_delegation", Error, "a delegation entry without exactly one of decision, transition and override, or to no role";
    RolesNotDeclared = "authority::roles_not_declared", Error, "roles named in a workflow that declares none";
    SeveralDefaults = "authority::several_defaults", Error, "two roles, or two decisions, marked as the default";
    ReservedWithoutGround = "authority::reserved_without_ground", Error, "a decision reserved for the committee without its legal ground or the committee's roles";
    UnsatisfiableApprovals = "authority::unsatisfiable_approvals", Error, "an approval that no role allowed to take part can give";
    WritesDecisionFact = "authority::writes_decision_fact", Error, "a rule, hook or instrument writes a fact that only a decision may record";
    ComputedTypeMismatch = "computed::type_mismatch", Error, "a computed fact's expression reads or gives a value of a type it cannot take (an enum in arithmetic, a decimal into a whole-number fact)";
    OperandCount = "computed::operand_count", Error, "an arithmetic or date expression with too few or too many operands";
    ComputedCycle = "computed::cycle", Error, "computed facts that depend on each other in a circle";
    ComputedScript = "computed::script_not_allowed", Error, "a `script:` leaf in a computed fact's condition";
    WritesComputedFact = "computed::writes_computed_fact", Error, "a rule, hook, instrument or decision writes a fact the engine computes";
    ComputedPersonFact = "computed::person_fact", Error, "a fact of each person in a collection declared as computed (only the case's facts are computed)";
}
