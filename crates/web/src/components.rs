//! GOV.UK Frontend components as minijinja macros, one file per component under
//! `templates/govuk/`, and, for the five that every page or every table row renders (skip link,
//! generic header, service navigation, table, tag), as Rust functions (`components/native.rs`). Each takes
//! the same parameters as the component's Nunjucks macro and renders the same markup;
//! `tests/govuk_fixtures.rs` checks them against the `fixtures.json` that the pinned
//! `govuk-frontend` package ships.
//!
//! Use a macro from a page with, for example:
//!
//! ```jinja
//! {% from "govuk/button.html" import govukButton %}
//! {{ govukButton({"text": "Save and continue"}) }}
//! ```
//!
//! and a function without the import: `{{ govukTag({"text": "Listed"}) }}`.

mod native;

use minijinja::value::ValueKind;
use minijinja::{AutoEscape, Environment, Error, Output, State, Value};

/// Every component template: its name in the environment and its text.
pub const COMPONENTS: &[(&str, &str)] = &[
    (
        "govuk/back-link.html",
        include_str!("../templates/govuk/back-link.html"),
    ),
    (
        "govuk/button.html",
        include_str!("../templates/govuk/button.html"),
    ),
    (
        "govuk/checkboxes.html",
        include_str!("../templates/govuk/checkboxes.html"),
    ),
    (
        "govuk/date-input.html",
        include_str!("../templates/govuk/date-input.html"),
    ),
    (
        "govuk/details.html",
        include_str!("../templates/govuk/details.html"),
    ),
    (
        "govuk/error-message.html",
        include_str!("../templates/govuk/error-message.html"),
    ),
    (
        "govuk/error-summary.html",
        include_str!("../templates/govuk/error-summary.html"),
    ),
    (
        "govuk/fieldset.html",
        include_str!("../templates/govuk/fieldset.html"),
    ),
    (
        "govuk/file-upload.html",
        include_str!("../templates/govuk/file-upload.html"),
    ),
    (
        "govuk/hint.html",
        include_str!("../templates/govuk/hint.html"),
    ),
    (
        "govuk/input.html",
        include_str!("../templates/govuk/input.html"),
    ),
    (
        "govuk/inset-text.html",
        include_str!("../templates/govuk/inset-text.html"),
    ),
    (
        "govuk/label.html",
        include_str!("../templates/govuk/label.html"),
    ),
    (
        "govuk/notification-banner.html",
        include_str!("../templates/govuk/notification-banner.html"),
    ),
    (
        "govuk/panel.html",
        include_str!("../templates/govuk/panel.html"),
    ),
    (
        "govuk/radios.html",
        include_str!("../templates/govuk/radios.html"),
    ),
    (
        "govuk/select.html",
        include_str!("../templates/govuk/select.html"),
    ),
    (
        "govuk/summary-list.html",
        include_str!("../templates/govuk/summary-list.html"),
    ),
    (
        "govuk/textarea.html",
        include_str!("../templates/govuk/textarea.html"),
    ),
    (
        "govuk/warning-text.html",
        include_str!("../templates/govuk/warning-text.html"),
    ),
];

/// Adds the component templates, and the formatter, filters and functions they use, to an
/// environment.
pub fn register(env: &mut Environment<'static>) {
    add_functions(env);
    native::register(env);
    for (name, text) in COMPONENTS {
        // Part of the binary; a broken one fails the fixture tests.
        let _ = env.add_template(name, text);
    }
}

/// What the component templates need from the environment:
///
/// * a formatter that prints values as GOV.UK Frontend's Nunjucks templates do (see
///   [`format_value`]); it applies to every template in the environment;
/// * the `escape` filter (and its alias `e`), escaping the same way;
/// * `govuk_attributes(attributes)`, which renders a component's `attributes` parameter;
/// * `govuk_equal(a, b)`, the loose equality (JavaScript's `==`) that the Nunjucks templates
///   use to find the selected option or checked radio from the field's value, so that `1`
///   and `"1"` are equal.
pub fn add_functions(env: &mut Environment<'static>) {
    env.set_formatter(format_value);
    env.add_filter("escape", escape);
    env.add_filter("e", escape);
    env.add_function("govuk_attributes", attributes);
    env.add_function("govuk_equal", |a: Value, b: Value| loosely_equal(&a, &b));
}

/// Escapes text for HTML as Nunjucks does: `&`, `<`, `>`, `"` and `'` become `&amp;`,
/// `&lt;`, `&gt;`, `&quot;` and `&#39;`; nothing else changes. That is safe both in element
/// content and in quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The environment's formatter, which prints values as GOV.UK Frontend's Nunjucks templates do.
/// In HTML templates:
///
/// * strings not marked safe, and anything else printed as text, are escaped with
///   [`escape_html`];
/// * none prints nothing (minijinja's default prints `none`), as undefined already does;
/// * booleans print as `true` and `false` (minijinja's default prints `True` and `False`).
///
/// Safe strings and numbers print as minijinja prints them, and templates that are not HTML
/// are formatted by minijinja's default formatter.
fn format_value(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() && !value.is_undefined()
    {
        Ok(out.write_str(&html_text(value))?)
    } else {
        minijinja::escape_formatter(out, state, value)
    }
}

/// A value that is not marked safe as text in HTML, as the formatter prints it.
fn html_text(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number => value.to_string(),
        _ => escape_html(&value.to_string()),
    }
}

/// The `escape` filter: as minijinja's, but escaping HTML as the formatter does.
fn escape(state: &State, value: &Value) -> Result<Value, Error> {
    if value.is_safe() || !matches!(state.auto_escape(), AutoEscape::Html | AutoEscape::None) {
        minijinja::filters::escape(state, value)
    } else {
        Ok(Value::from_safe_string(html_text(value)))
    }
}

/// A value as text for an attribute, the way the Nunjucks templates turn it into text:
/// `true`/`false`, integers without a fraction, lists joined with commas.
fn js_string(value: &Value) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number => match f64::try_from(value.clone()) {
            Ok(f) if !value.is_integer() && f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", f as i64)
            }
            _ => value.to_string(),
        },
        ValueKind::Seq => value
            .try_iter()
            .map(|items| items.map(|v| js_string(&v)).collect::<Vec<_>>().join(","))
            .unwrap_or_default(),
        ValueKind::Map => "[object Object]".to_string(),
        _ => value.to_string(),
    }
}

/// Renders a component's `attributes` parameter as GOV.UK Frontend's `govukAttributes` macro
/// does, each attribute preceded by a space:
///
/// * a string is output as it is: it is taken to be markup, so it must not carry untrusted
///   text;
/// * a map gives one attribute per entry, in order. An entry's value is either the attribute's
///   value, or a map `{"value": ..., "optional": true}`. Values are escaped unless marked safe;
///   none or undefined gives an empty value. An optional attribute whose value is `true` is
///   output by name alone, and one whose value is none, undefined or `false` is left out.
fn attributes(value: Value) -> Result<Value, Error> {
    attributes_text(&value).map(Value::from_safe_string)
}

/// [`attributes`] as text.
fn attributes_text(value: &Value) -> Result<String, Error> {
    if let Some(text) = value.as_str() {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    if value.kind() == ValueKind::Map {
        for name in value.try_iter()? {
            let item = value.get_item(&name)?;
            let (value, optional) = if item.kind() == ValueKind::Map {
                (
                    item.get_attr("value")?,
                    is_bool(&item.get_attr("optional")?, true),
                )
            } else {
                (item, false)
            };
            let empty = value.is_undefined() || value.is_none();
            let name = escape_html(&js_string(&name));
            if optional && is_bool(&value, true) {
                out.push(' ');
                out.push_str(&name);
            } else if !optional || !(empty || is_bool(&value, false)) {
                let text = if empty {
                    String::new()
                } else if value.is_safe() {
                    value.to_string()
                } else {
                    escape_html(&js_string(&value))
                };
                out.push_str(&format!(" {name}=\"{text}\""));
            }
        }
    }
    Ok(out)
}

/// Whether a value is the boolean `expected` (not merely truthy or falsy).
fn is_bool(value: &Value, expected: bool) -> bool {
    value.kind() == ValueKind::Bool && value.is_true() == expected
}

/// JavaScript's `==` between template values: none and undefined equal each other and nothing
/// else; a boolean compares as the number 1 or 0; a number and a string compare as numbers;
/// values of the same kind compare as minijinja compares them.
fn loosely_equal(a: &Value, b: &Value) -> bool {
    let nullish = |v: &Value| v.is_undefined() || v.is_none();
    if nullish(a) || nullish(b) {
        return nullish(a) && nullish(b);
    }
    if a.kind() == b.kind() {
        return a == b;
    }
    match (js_number(a), js_number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// A boolean, number or string as JavaScript's `Number()` would make it, if it is one of those
/// and is a number.
fn js_number(value: &Value) -> Option<f64> {
    match value.kind() {
        ValueKind::Bool => Some(if value.is_true() { 1.0 } else { 0.0 }),
        ValueKind::Number => f64::try_from(value.clone()).ok(),
        ValueKind::String => {
            let text = value.as_str()?.trim();
            if text.is_empty() {
                Some(0.0)
            } else {
                text.parse().ok().filter(|n: &f64| n.is_finite())
            }
        }
        _ => None,
    }
}
