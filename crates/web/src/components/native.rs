//! The GOV.UK Frontend components that every page, or every row of a table, renders, written as
//! Rust functions rather than minijinja macros: the skip link, the generic header, the service
//! navigation, the table and the tag.
//!
//! A macro is interpreted afresh at every call, with the import of its template before that; the
//! service navigation alone is a dozen captured blocks per page, and a table calls a block per
//! cell and a tag macro per status. These functions give the same markup (the fixture test checks
//! them against GOV.UK Frontend's own examples, as it does the macros) for a fraction of the work.
//! They are global functions of the environment, so a page calls them without importing them:
//!
//! ```jinja
//! {{ govukTag({"text": "Listed"}) }}
//! ```
//!
//! Each reads its parameters as the macro did, with minijinja's truthiness (`if params.classes`)
//! and printing: text is escaped as the environment's formatter escapes it, `html` is output as
//! it is.

use super::{attributes_text, html_text};
use minijinja::value::ValueKind;
use minijinja::{Environment, Error, Value};
use std::fmt::Write;

/// Registers the components with the environment.
pub(super) fn register(env: &mut Environment<'static>) {
    env.add_function("govukSkipLink", |p: Value| safe(skip_link(&p)));
    env.add_function("govukGenericHeader", |p: Value| safe(generic_header(&p)));
    env.add_function("govukServiceNavigation", |p: Value| {
        safe(service_navigation(&p))
    });
    env.add_function("govukTable", |p: Value| safe(table(&p)));
    env.add_function("govukTag", |p: Value| safe(tag(&p)));
}

fn safe(html: Result<String, Error>) -> Result<Value, Error> {
    html.map(Value::from_safe_string)
}

/// `value.name`, undefined where there is no such attribute (as in a template).
fn get(value: &Value, name: &str) -> Value {
    value.get_attr(name).unwrap_or(Value::UNDEFINED)
}

/// `{{ value }}`: text escaped, safe strings as they are, undefined as nothing.
fn print(out: &mut String, value: &Value) {
    if value.is_undefined() {
    } else if value.is_safe() {
        let _ = write!(out, "{value}");
    } else {
        out.push_str(&html_text(value));
    }
}

/// `{{ value | safe }}`.
fn print_raw(out: &mut String, value: &Value) {
    if !value.is_undefined() {
        let _ = write!(out, "{value}");
    }
}

/// `a or b`.
fn or(a: Value, b: Value) -> Value {
    if a.is_true() { a } else { b }
}

/// `{{ item.html | safe if item.html else item.text }}`.
fn html_or_text(out: &mut String, item: &Value) {
    let html = get(item, "html");
    if html.is_true() {
        print_raw(out, &html);
    } else {
        print(out, &get(item, "text"));
    }
}

/// `{%- if item.name %} prefix{{ item.name }}{% endif %}`.
fn optional(out: &mut String, item: &Value, name: &str, prefix: &str) {
    let value = get(item, name);
    if value.is_true() {
        out.push_str(prefix);
        print(out, &value);
    }
}

/// `{%- if item.name %} name="{{ item.name }}"{% endif %}`.
fn optional_attribute(out: &mut String, item: &Value, name: &str) {
    let value = get(item, name);
    if value.is_true() {
        let _ = write!(out, " {name}=\"");
        print(out, &value);
        out.push('"');
    }
}

fn skip_link(p: &Value) -> Result<String, Error> {
    let mut out = String::with_capacity(160);
    out.push_str("<a href=\"");
    print(&mut out, &or(get(p, "href"), Value::from("#content")));
    out.push_str("\" class=\"govuk-skip-link");
    optional(&mut out, p, "classes", " ");
    out.push('"');
    out.push_str(&attributes_text(&get(p, "attributes"))?);
    out.push_str(" data-module=\"govuk-skip-link\">");
    html_or_text(&mut out, p);
    out.push_str("</a>");
    Ok(out)
}

fn generic_header(p: &Value) -> Result<String, Error> {
    let namespace = get(p, "_namespace");
    let ns = if namespace.is_undefined() {
        "govuk-generic".to_string()
    } else {
        html_text(&namespace)
    };
    let mut out = String::with_capacity(400);
    let _ = write!(out, "<div class=\"{ns}-header");
    optional(&mut out, p, "classes", " ");
    out.push('"');
    out.push_str(&attributes_text(&get(p, "attributes"))?);
    let _ = write!(out, ">\n  <div class=\"{ns}-header__container ");
    print(
        &mut out,
        &or(
            get(p, "containerClasses"),
            Value::from("govuk-width-container"),
        ),
    );
    let _ = write!(
        out,
        "\">\n    <div class=\"{ns}-header__logo\">\n      <a href=\""
    );
    print(&mut out, &or(get(p, "url"), Value::from("/")));
    let _ = write!(out, "\" class=\"{ns}-header__homepage-link\">\n        ");
    let logo = get(p, "logoHtml");
    if logo.is_true() {
        print_raw(&mut out, &logo);
    } else {
        print(&mut out, &get(p, "logoText"));
    }
    out.push_str("\n      </a>\n    </div>\n  </div>\n</div>");
    Ok(out)
}

fn service_navigation(p: &Value) -> Result<String, Error> {
    let slots = or(get(p, "slots"), Value::from(()));
    let menu_button_text = or(get(p, "menuButtonText"), Value::from("Menu"));
    let navigation_id = or(get(p, "navigationId"), Value::from("navigation"));
    let end = get(&slots, "end");
    let end_html = if end.kind() == ValueKind::String {
        end.clone()
    } else if end.is_true() {
        get(&end, "html")
    } else {
        Value::from(())
    };
    let end_inline = end.kind() == ValueKind::Map && get(&end, "align").as_str() == Some("inline");
    let navigation = get(p, "navigation");
    let items: Vec<Value> = if navigation.is_true() {
        navigation.try_iter()?.filter(Value::is_true).collect()
    } else {
        Vec::new()
    };
    let collapse = get(p, "collapseNavigationOnMobile");
    let collapse = if collapse.is_undefined() {
        items.len() > 1
    } else {
        collapse.is_true()
    };

    let mut out = String::with_capacity(2048);
    let section =
        get(p, "serviceName").is_true() || get(&slots, "start").is_true() || end_html.is_true();
    if section {
        out.push_str("<section aria-label=\"");
        let label = get(p, "ariaLabel");
        if label.is_undefined() {
            out.push_str("Service information");
        } else {
            print(&mut out, &label);
        }
        out.push_str("\" ");
    } else {
        out.push_str("<div ");
    }
    out.push_str("class=\"govuk-service-navigation");
    optional(&mut out, p, "classes", " ");
    out.push_str("\"\ndata-module=\"govuk-service-navigation\"");
    out.push_str(&attributes_text(&get(p, "attributes"))?);
    out.push_str("\n>\n  <div class=\"govuk-width-container");
    if end_inline {
        out.push_str(" govuk-service-navigation__inlining-container");
    }
    out.push_str("\">");
    let start = get(&slots, "start");
    if start.is_true() {
        print_raw(&mut out, &start);
    }
    out.push_str("<div class=\"govuk-service-navigation__container\">\n");
    let service_name = get(p, "serviceName");
    if service_name.is_true() {
        out.push_str("<span class=\"govuk-service-navigation__service-name\">\n");
        let url = get(p, "serviceUrl");
        if url.is_true() {
            out.push_str("<a href=\"");
            print(&mut out, &url);
            out.push_str("\" class=\"govuk-service-navigation__link\">\n");
            print(&mut out, &service_name);
            out.push_str("\n</a>\n");
        } else {
            out.push_str("<span class=\"govuk-service-navigation__text\">");
            print(&mut out, &service_name);
            out.push_str("</span>\n");
        }
        out.push_str("</span>\n");
    }
    let navigation_start = get(&slots, "navigationStart");
    let navigation_end = get(&slots, "navigationEnd");
    if !items.is_empty() || navigation_start.is_true() || navigation_end.is_true() {
        out.push_str("<nav aria-label=\"");
        print(
            &mut out,
            &or(get(p, "navigationLabel"), menu_button_text.clone()),
        );
        out.push_str("\" class=\"govuk-service-navigation__wrapper");
        optional(&mut out, p, "navigationClasses", " ");
        out.push_str("\">\n");
        if collapse {
            out.push_str("<button type=\"button\" class=\"govuk-service-navigation__toggle govuk-js-service-navigation-toggle\" aria-controls=\"");
            print(&mut out, &navigation_id);
            out.push('"');
            let label = get(p, "menuButtonLabel");
            if label.is_true() && label != menu_button_text {
                out.push_str(" aria-label=\"");
                print(&mut out, &label);
                out.push('"');
            }
            out.push_str(" hidden aria-hidden=\"true\">\n");
            print(&mut out, &menu_button_text);
            out.push_str("\n</button>\n");
        }
        out.push_str("<ul class=\"govuk-service-navigation__list\" id=\"");
        print(&mut out, &navigation_id);
        out.push_str("\" >");
        if navigation_start.is_true() {
            print_raw(&mut out, &navigation_start);
        }
        for item in &items {
            let active = get(item, "active").is_true() || get(item, "current").is_true();
            let current = if get(item, "current").is_true() {
                "page"
            } else {
                "true"
            };
            let mut inner = String::new();
            if active {
                inner.push_str("<strong class=\"govuk-service-navigation__active-fallback\">");
                html_or_text(&mut inner, item);
                inner.push_str("</strong>");
            } else {
                html_or_text(&mut inner, item);
            }
            out.push_str("\n<li class=\"govuk-service-navigation__item");
            if active {
                out.push_str(" govuk-service-navigation__item--active");
            }
            out.push_str("\">\n");
            let href = get(item, "href");
            if href.is_true() {
                out.push_str("<a class=\"govuk-service-navigation__link\" href=\"");
                print(&mut out, &href);
                out.push('"');
                if active {
                    let _ = write!(out, " aria-current=\"{current}\"");
                }
                out.push_str(&attributes_text(&get(item, "attributes"))?);
                out.push_str(">\n");
                out.push_str(&inner);
                out.push_str("\n</a>\n");
            } else if get(item, "html").is_true() || get(item, "text").is_true() {
                out.push_str("<span class=\"govuk-service-navigation__text\"");
                if active {
                    let _ = write!(out, " aria-current=\"{current}\"");
                }
                out.push_str(">\n");
                out.push_str(&inner);
                out.push_str("\n</span>\n");
            }
            out.push_str("</li>");
        }
        if navigation_end.is_true() {
            print_raw(&mut out, &navigation_end);
        }
        out.push_str("</ul>\n</nav>\n");
    }
    out.push_str("</div>");
    if end_html.is_true() {
        print_raw(&mut out, &end_html);
    }
    out.push_str("</div>\n");
    out.push_str(if section { "</section>" } else { "</div>" });
    Ok(out)
}

fn table(p: &Value) -> Result<String, Error> {
    let mut out = String::with_capacity(4096);
    out.push_str("<table class=\"govuk-table");
    optional(&mut out, p, "classes", " ");
    out.push('"');
    out.push_str(&attributes_text(&get(p, "attributes"))?);
    out.push_str(">\n");
    let caption = get(p, "caption");
    if caption.is_true() {
        out.push_str("<caption class=\"govuk-table__caption");
        optional(&mut out, p, "captionClasses", " ");
        out.push_str("\">");
        print(&mut out, &caption);
        out.push_str("</caption>\n");
    }
    let head = get(p, "head");
    if head.is_true() {
        out.push_str("<thead class=\"govuk-table__head\">\n<tr class=\"govuk-table__row\">\n");
        for item in head.try_iter()? {
            cell(
                &mut out,
                &item,
                "<th scope=\"col\" class=\"govuk-table__header",
                Some(" govuk-table__header--"),
                "</th>\n",
            )?;
        }
        out.push_str("</tr>\n</thead>\n");
    }
    out.push_str("<tbody class=\"govuk-table__body\">\n");
    let first_cell_is_header = get(p, "firstCellIsHeader").is_true();
    let rows = get(p, "rows");
    if !rows.is_undefined() && !rows.is_none() {
        for row in rows.try_iter()?.filter(Value::is_true) {
            out.push_str("<tr class=\"govuk-table__row\">\n");
            for (index, item) in row.try_iter()?.enumerate() {
                if index == 0 && first_cell_is_header {
                    let open = "<th scope=\"row\" class=\"govuk-table__header";
                    cell(&mut out, &item, open, None, "</th>\n")?;
                } else {
                    let open = "<td class=\"govuk-table__cell";
                    cell(
                        &mut out,
                        &item,
                        open,
                        Some(" govuk-table__cell--"),
                        "</td>\n",
                    )?;
                }
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody>\n</table>");
    Ok(out)
}

/// A header or data cell: `open` up to the end of its class, the `format` class after
/// `format_prefix` where the cell has one, the classes, span and attributes, the content and
/// `close`.
fn cell(
    out: &mut String,
    item: &Value,
    open: &str,
    format_prefix: Option<&str>,
    close: &str,
) -> Result<(), Error> {
    out.push_str(open);
    if let Some(prefix) = format_prefix {
        optional(out, item, "format", prefix);
    }
    optional(out, item, "classes", " ");
    out.push('"');
    optional_attribute(out, item, "colspan");
    optional_attribute(out, item, "rowspan");
    out.push_str(&attributes_text(&get(item, "attributes"))?);
    out.push('>');
    html_or_text(out, item);
    out.push_str(close);
    Ok(())
}

fn tag(p: &Value) -> Result<String, Error> {
    let mut out = String::with_capacity(96);
    out.push_str("<strong class=\"govuk-tag");
    optional(&mut out, p, "classes", " ");
    out.push('"');
    out.push_str(&attributes_text(&get(p, "attributes"))?);
    out.push_str(">\n  ");
    let html = get(p, "html");
    if html.is_true() {
        out.push_str(html.to_string().trim());
    } else {
        print(&mut out, &get(p, "text"));
    }
    out.push_str("\n</strong>");
    Ok(out)
}
