//! Plausible form answers for demonstration data and tests: every field of a form answered
//! with a value of its type. The words are invented.

use carepanel_domain::policy::{FieldKind, Form};
use carepanel_domain::readiness::Answer;
use std::collections::BTreeMap;

pub fn sample_answers(form: &Form, on: chrono::NaiveDate) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for field in form.fields() {
        let value = match field.kind {
            FieldKind::Text => Answer::Text("Entered by the referrer".into()),
            FieldKind::Textarea => Answer::Text(
                "The family has tried the support available locally; the worker sets out what is needed and why.".into(),
            ),
            FieldKind::Date => Answer::Text(on.to_string()),
            FieldKind::YesNo => Answer::Text("yes".into()),
            FieldKind::Money => Answer::Text("250.00".into()),
            FieldKind::Integer => Answer::Text("12".into()),
            FieldKind::Select => Answer::Text(field.options.first().cloned().unwrap_or_default()),
            FieldKind::Scale => Answer::Text(field.max.unwrap_or(5).to_string()),
            FieldKind::Group => Answer::Rows(vec![
                field
                    .columns
                    .iter()
                    .map(|c| (c.id.clone(), "Entered".to_string()))
                    .collect(),
            ]),
            FieldKind::Derived => continue,
        };
        out.insert(field.id.clone(), value);
    }
    out
}
