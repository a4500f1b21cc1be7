//! Dispatch of one Action API request: parameters, module selection, the `continue` parameter's
//! list of completed modules, warnings, MediaWiki's error envelope, and the assembly of the
//! response body in JSON format version 2.
//!
//! `action=query` runs the page set (`pageids` or `titles`, with `prop=info`), then the list
//! modules in request order, then `meta=siteinfo`, as MediaWiki 1.39 orders them. Other values of
//! `prop`, `list` and `meta` get MediaWiki's "Unrecognized value" warning, even where MediaWiki
//! has such a module. Another `action` gets the `badvalue` error, and a request without one gets
//! a short HTML help page, as MediaWiki returns for `action=help`. Every response is JSON format
//! version 2, whatever the values of `format` and `formatversion`, and `maxlag` is ignored.

use std::borrow::Cow;
use std::sync::Arc;

use super::generate::PageTable;
use super::json::{push_string, push_u64};
use super::siteinfo::SiteInfo;
use super::{MAX_CONTRIBUTIONS_PER_PAGE, MAX_VALUES_PER_PARAMETER, Workload, info, usercontribs, users};

/// `highlimit` of MediaWiki's `toomanyvalues` error: the limit with the `apihighlimits` right.
const HIGH_VALUE_LIMIT: u64 = 500;

/// The wiki a server serves: its workload and number, page table, siteinfo and endpoint.
pub(crate) struct Wiki {
    pub(crate) workload: Workload,
    pub(crate) wiki: u32,
    pub(crate) pages: Arc<PageTable>,
    pub(crate) siteinfo: SiteInfo,
    pub(crate) api_url: String,
}

/// Request parameters from the query string and, for POST, the form body, decoded as
/// `application/x-www-form-urlencoded`. A name given twice takes its last value, as PHP does.
pub(crate) struct Params<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Params<'a> {
    pub(crate) fn parse(query: &'a [u8], body: &'a [u8]) -> Params<'a> {
        let pairs = url::form_urlencoded::parse(query).chain(url::form_urlencoded::parse(body)).collect();
        Params { pairs }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_ref())
    }
}

/// Splits a multi-value parameter: values separated by `|`, or by U+001F when the value starts
/// with U+001F. An empty parameter has no values.
pub(crate) fn split_values(value: &str) -> Vec<&str> {
    if value.is_empty() {
        return Vec::new();
    }
    match value.strip_prefix('\u{1f}') {
        Some(rest) => rest.split('\u{1f}').collect(),
        None => value.split('|').collect(),
    }
}

/// Splits a multi-value parameter and rejects more than 50 values with `toomanyvalues`.
pub(crate) fn split_limited<'v>(parameter: &str, value: &'v str) -> Result<Vec<&'v str>, ApiError> {
    let values = split_values(value);
    if values.len() > MAX_VALUES_PER_PARAMETER {
        return Err(ApiError::too_many_values(parameter));
    }
    Ok(values)
}

/// An error that MediaWiki reports in its `{"error": …}` envelope.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) code: &'static str,
    pub(crate) info: String,
    /// `limit`, `lowlimit` and `highlimit`, which `toomanyvalues` carries.
    pub(crate) limits: Option<[u64; 3]>,
}

impl ApiError {
    fn new(code: &'static str, info: String) -> ApiError {
        ApiError { code, info, limits: None }
    }

    pub(crate) fn too_many_values(parameter: &str) -> ApiError {
        let limit = MAX_VALUES_PER_PARAMETER as u64;
        ApiError {
            code: "toomanyvalues",
            info: format!("Too many values supplied for parameter \"{parameter}\". The limit is {limit}."),
            limits: Some([limit, limit, HIGH_VALUE_LIMIT]),
        }
    }

    pub(crate) fn bad_integer(parameter: &str, value: &str) -> ApiError {
        ApiError::new("badinteger", format!("Invalid value \"{value}\" for integer parameter \"{parameter}\"."))
    }

    pub(crate) fn bad_value(parameter: &str, value: &str) -> ApiError {
        ApiError::new("badvalue", format!("Unrecognized value for parameter \"{parameter}\": {value}."))
    }

    pub(crate) fn bad_user(parameter: &str, value: &str) -> ApiError {
        ApiError::new("baduser", format!("Invalid value \"{value}\" for user parameter \"{parameter}\"."))
    }

    pub(crate) fn bad_timestamp(parameter: &str, value: &str) -> ApiError {
        ApiError::new("badtimestamp", format!("Invalid value \"{value}\" for timestamp parameter \"{parameter}\"."))
    }

    pub(crate) fn bad_continue() -> ApiError {
        ApiError::new(
            "badcontinue",
            "Invalid continue param. You should pass the original value returned by the previous query.".into(),
        )
    }

    pub(crate) fn missing_param(info: &str) -> ApiError {
        ApiError::new("missingparam", info.into())
    }

    pub(crate) fn multisource(first: &str, second: &str) -> ApiError {
        ApiError::new("multisource", format!("The \"{first}\" parameter cannot be used with \"{second}\"."))
    }
}

/// Warnings per module, in the order first raised. A module's warnings join with newlines, as
/// MediaWiki joins them.
#[derive(Default)]
pub(crate) struct Warnings {
    entries: Vec<(&'static str, String)>,
}

impl Warnings {
    pub(crate) fn push(&mut self, module: &'static str, text: String) {
        match self.entries.iter_mut().find(|(name, _)| *name == module) {
            Some((_, existing)) => {
                existing.push('\n');
                existing.push_str(&text);
            }
            None => self.entries.push((module, text)),
        }
    }

    /// Adds MediaWiki's warning for values of a multi-value parameter that it does not know.
    pub(crate) fn push_unrecognized(&mut self, module: &'static str, parameter: &str, values: &[&str]) {
        match values {
            [] => {}
            [value] => self.push(module, format!("Unrecognized value for parameter \"{parameter}\": {value}")),
            _ => self.push(module, format!("Unrecognized values for parameter \"{parameter}\": {}", values.join(", "))),
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes `"warnings":{…}`.
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\"warnings\":{");
        for (index, (module, text)) in self.entries.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            push_string(out, module);
            out.extend_from_slice(b":{\"warnings\":");
            push_string(out, text);
            out.push(b'}');
        }
        out.push(b'}');
    }
}

/// Modules that a request names, whether or not it fails, less those that its `continue`
/// parameter lists as completed. The server counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Modules {
    pub(crate) siteinfo: bool,
    pub(crate) users: bool,
    pub(crate) usercontribs: bool,
    pub(crate) info: bool,
}

impl Modules {
    pub(crate) fn any(&self) -> bool {
        self.siteinfo || self.users || self.usercontribs || self.info
    }
}

/// One response: HTTP status 200 with a body, and for errors the code that MediaWiki also sends
/// in the `MediaWiki-API-Error` header.
pub(crate) struct ApiResponse {
    pub(crate) content_type: &'static str,
    pub(crate) error_code: Option<&'static str>,
    pub(crate) body: Vec<u8>,
}

pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// Handles one request to `api.php`, returning the response and the modules to count.
pub(crate) fn handle(wiki: &Wiki, params: &Params) -> (ApiResponse, Modules) {
    let mut modules = Modules::default();
    let mut warnings = Warnings::default();
    let result = match params.get("action") {
        None | Some("help") => return (help_page(wiki), modules),
        Some("query") => query(wiki, params, &mut modules, &mut warnings),
        Some(other) => Err(ApiError::bad_value("action", other)),
    };
    let response = match result {
        Ok(body) => ApiResponse { content_type: JSON_CONTENT_TYPE, error_code: None, body },
        Err(error) => ApiResponse {
            content_type: JSON_CONTENT_TYPE,
            error_code: Some(error.code),
            body: error_body(wiki, &error, &warnings),
        },
    };
    (response, modules)
}

fn help_page(wiki: &Wiki) -> ApiResponse {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><title>MediaWiki API help - {}</title></head>\
         <body><p>This is the synthetic wiki's Action API. It serves action=query with meta=siteinfo, \
         list=users, list=usercontribs and prop=info.</p></body></html>\n",
        wiki.siteinfo.sitename
    );
    ApiResponse { content_type: HTML_CONTENT_TYPE, error_code: None, body: body.into_bytes() }
}

fn error_body(wiki: &Wiki, error: &ApiError, warnings: &Warnings) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"{\"error\":{\"code\":");
    push_string(&mut out, error.code);
    out.extend_from_slice(b",\"info\":");
    push_string(&mut out, &error.info);
    if let Some([limit, low, high]) = error.limits {
        for (name, value) in [("limit", limit), ("lowlimit", low), ("highlimit", high)] {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            push_u64(&mut out, value);
        }
    }
    out.extend_from_slice(b",\"docref\":");
    let docref = format!(
        "See {} for API usage. Subscribe to the mediawiki-api-announce mailing list at \
         &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; \
         for notice of API deprecations and breaking changes.",
        wiki.api_url
    );
    push_string(&mut out, &docref);
    out.push(b'}');
    if !warnings.is_empty() {
        out.push(b',');
        warnings.write(&mut out);
    }
    out.push(b'}');
    out
}

/// Returns the distinct values of a multi-value module parameter that this server implements,
/// in request order, and warns about the rest.
fn select_modules(
    params: &Params,
    parameter: &str,
    known: &[&'static str],
    warnings: &mut Warnings,
) -> Vec<&'static str> {
    let mut selected = Vec::new();
    let mut unknown = Vec::new();
    for value in split_values(params.get(parameter).unwrap_or("")) {
        match known.iter().find(|name| **name == value) {
            Some(name) if !selected.contains(name) => selected.push(*name),
            Some(_) => {}
            None => unknown.push(value),
        }
    }
    warnings.push_unrecognized("query", parameter, &unknown);
    selected
}

/// Returns the modules that the `continue` parameter lists as completed: its value is
/// `<generator continuation>||<module>|<module>…`, e.g. `-||users|siteinfo`.
fn completed_modules<'v>(params: &'v Params) -> Result<Vec<&'v str>, ApiError> {
    match params.get("continue") {
        None | Some("") => Ok(Vec::new()),
        Some(value) => match value.split_once("||") {
            Some((_, modules)) => Ok(modules.split('|').filter(|name| !name.is_empty()).collect()),
            None => Err(ApiError::bad_continue()),
        },
    }
}

fn query(wiki: &Wiki, params: &Params, modules: &mut Modules, warnings: &mut Warnings) -> Result<Vec<u8>, ApiError> {
    let props = select_modules(params, "prop", &["info"], warnings);
    let lists = select_modules(params, "list", &["users", "usercontribs"], warnings);
    let metas = select_modules(params, "meta", &["siteinfo"], warnings);
    modules.info = props.contains(&"info");
    modules.users = lists.contains(&"users");
    modules.usercontribs = lists.contains(&"usercontribs");
    modules.siteinfo = metas.contains(&"siteinfo");

    let previously_completed = completed_modules(params)?;
    // A continued request skips the modules it lists as completed, so they do not count.
    modules.info &= !previously_completed.contains(&"info");
    modules.users &= !previously_completed.contains(&"users");
    modules.usercontribs &= !previously_completed.contains(&"usercontribs");
    modules.siteinfo &= !previously_completed.contains(&"siteinfo");
    let mut completed: Vec<&str> = previously_completed.clone();
    let mut fragments: Vec<Vec<u8>> = Vec::new();
    let mut continuation = None;
    let mut max_limit = false;

    if params.get("pageids").is_some() || params.get("titles").is_some() {
        fragments.push(info::pages(wiki, params, modules.info)?);
    }
    if modules.info {
        completed.push("info");
    }
    for list in lists {
        if previously_completed.contains(&list) {
            continue;
        }
        match list {
            "users" => fragments.push(users::users(wiki, params, warnings)?),
            "usercontribs" => {
                let page = usercontribs::usercontribs(wiki, params, warnings)?;
                max_limit = page.max_limit;
                fragments.push(page.fragment);
                continuation = page.continuation;
            }
            _ => unreachable!("select_modules returns only known list modules"),
        }
        if list != "usercontribs" || continuation.is_none() {
            completed.push(list);
        }
    }
    if modules.siteinfo {
        fragments.push(wiki.siteinfo.fragment(params, warnings));
        completed.push("siteinfo");
    }

    let finished: Vec<&str> = completed.into_iter().filter(|name| *name != "usercontribs").collect();
    let continuation = continuation.map(|token| (token, format!("-||{}", finished.join("|"))));
    Ok(write_query_body(fragments, continuation, max_limit, warnings))
}

/// Writes the body of a successful query: `batchcomplete`, then `continue` (the `uccontinue`
/// token and the `continue` value), `warnings`, `limits` and `query`, in MediaWiki's order.
fn write_query_body(
    mut fragments: Vec<Vec<u8>>,
    continuation: Option<(String, String)>,
    max_limit: bool,
    warnings: &Warnings,
) -> Vec<u8> {
    fragments.retain(|fragment| !fragment.is_empty());
    let size = fragments.iter().map(Vec::len).sum::<usize>() + 256;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"{\"batchcomplete\":true");
    if let Some((token, completed)) = continuation {
        out.extend_from_slice(b",\"continue\":{\"uccontinue\":");
        push_string(&mut out, &token);
        out.extend_from_slice(b",\"continue\":");
        push_string(&mut out, &completed);
        out.push(b'}');
    }
    if !warnings.is_empty() {
        out.push(b',');
        warnings.write(&mut out);
    }
    if max_limit {
        out.extend_from_slice(b",\"limits\":{\"usercontribs\":");
        push_u64(&mut out, MAX_CONTRIBUTIONS_PER_PAGE);
        out.push(b'}');
    }
    if !fragments.is_empty() {
        out.extend_from_slice(b",\"query\":{");
        for (index, fragment) in fragments.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            out.extend_from_slice(fragment);
        }
        out.push(b'}');
    }
    out.push(b'}');
    out
}
