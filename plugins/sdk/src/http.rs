//! Thin wrappers over the host's `fetch` import and the mapping of its errors to
//! [`ImportError`]s, so every plugin reports failures the same way.

use crate::bindings::wikidash::importer::http::fetch;
use crate::{Header, HttpError, ImportError, Method, Request, Response};

/// Send a GET request through the host.
pub fn get(url: &str) -> Result<Response, ImportError> {
    send(Request { method: Method::Get, url: url.to_string(), headers: Vec::new(), body: None })
}

/// Send a POST request with `body` of type `content_type` through the host.
pub fn post(url: &str, content_type: &str, body: Vec<u8>) -> Result<Response, ImportError> {
    send(Request {
        method: Method::Post,
        url: url.to_string(),
        headers: vec![Header { name: "content-type".into(), value: content_type.into() }],
        body: Some(body),
    })
}

/// Send `request` through the host, mapping a transport failure to an [`ImportError`].
pub fn send(request: Request) -> Result<Response, ImportError> {
    fetch(&request).map_err(|error| import_error(&request.url, error))
}

/// Map a host HTTP error for `url` to the importer error a plugin should return.
pub fn import_error(url: &str, error: HttpError) -> ImportError {
    match error {
        HttpError::Denied(message) => ImportError::Denied(message),
        // The host's messages already name the server.
        HttpError::TimedOut(message) | HttpError::Unreachable(message) | HttpError::Unavailable(message) => {
            ImportError::Unavailable(message)
        }
        HttpError::Malformed(message) => ImportError::Unavailable(message),
        HttpError::TooLarge(limit) => {
            ImportError::BadResponse(format!("{url}: the response is larger than the host's limit of {limit} bytes"))
        }
        HttpError::InvalidRequest(message) => ImportError::InvalidJob(format!("{url}: {message}")),
    }
}

/// Return the first value of header `name` (case-insensitive) in `response`.
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|header| header.name.eq_ignore_ascii_case(name)).map(|header| header.value.as_str())
}
