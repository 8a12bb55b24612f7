//! JSON Schemas of the file kinds, generated from the `syntax` types.

use schemars::{JsonSchema, Schema, generate::SchemaSettings};

use crate::quality::scenario::ScenarioFile;
use crate::syntax::{
    AllowanceFile, IndicatorFile, InstrumentFile, Kind, LegalFile, ResidentsFile, RulesFile,
    UnitFile, WorkflowFile,
};

/// One schema per file kind: `(file name in schemas/, pretty JSON text ending in a newline)`.
pub fn json_schemas() -> Vec<(&'static str, String)> {
    Kind::ALL
        .iter()
        .map(|&kind| (kind.schema_file(), render(kind)))
        .collect()
}

fn render(kind: Kind) -> String {
    let mut schema = match kind {
        Kind::Workflow => generate::<WorkflowFile>(),
        Kind::Instrument => generate::<InstrumentFile>(),
        Kind::Rules => generate::<RulesFile>(),
        Kind::Indicator => generate::<IndicatorFile>(),
        Kind::Unit => generate::<UnitFile>(),
        Kind::LegalReference => generate::<LegalFile>(),
        Kind::Residents => generate::<ResidentsFile>(),
        Kind::Scenario => generate::<ScenarioFile>(),
        Kind::CoverageAllowance => generate::<AllowanceFile>(),
    };
    // `kind` must be exactly this file's kind: editors then offer it and flag a wrong one.
    if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
        properties.insert(
            "kind".to_owned(),
            serde_json::json!({ "const": kind.as_str(), "description": "The file kind." }),
        );
    }
    schema.insert(
        "$id".to_owned(),
        serde_json::Value::String(format!(
            "https://lots.invalid/schemas/{}",
            kind.schema_file()
        )),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

fn generate<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
}
