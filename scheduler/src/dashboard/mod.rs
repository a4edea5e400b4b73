//! The dashboard: a page of the network served by the scheduler at `/` — jobs (live list, each
//! job's timeline, committee and output), workers (stake, earnings, losses, eligibility) and the
//! network (jobs per stage, finalized per minute, treasury, RPC and gateway health).
//!
//! Plain HTML, CSS and JavaScript compiled into the binary: nothing is fetched from elsewhere
//! (a local or offline network has no CDN), nothing to build. The page reads the public API
//! (`/v1/jobs`, `/v1/workers`, `/v1/network`) and follows `/v1/events`; it puts data in the page
//! as text only, and its Content-Security-Policy allows scripts, styles and connections from
//! the scheduler's own origin only.

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");
const ICON_SVG: &str = include_str!("assets/icon.svg");

/// Only this origin: no inline script or style, no plugin, no framing, no form posting.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; \
                                           form-action 'none'; frame-ancestors 'none'";

/// `/` and the page's assets under `/dashboard/`.
pub fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { asset(INDEX_HTML, "text/html; charset=utf-8") }))
        .route("/dashboard/app.js", get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/dashboard/style.css", get(|| async { asset(STYLE_CSS, "text/css; charset=utf-8") }))
        .route("/dashboard/icon.svg", get(|| async { asset(ICON_SVG, "image/svg+xml") }))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            // A new scheduler binary may bring a new page: revalidate rather than serve a stale one.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data reaches the page as text only: the script never parses strings as HTML.
    #[test]
    fn the_page_never_parses_data_as_html() {
        for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            assert!(!APP_JS.contains(forbidden), "app.js uses {forbidden}");
        }
    }

    /// Every asset the page names is one the binary serves (nothing from another origin).
    #[test]
    fn the_page_loads_only_its_own_assets() {
        for text in [INDEX_HTML, APP_JS, STYLE_CSS] {
            assert!(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"));
        }
        for path in ["/dashboard/app.js", "/dashboard/style.css", "/dashboard/icon.svg"] {
            assert!(INDEX_HTML.contains(path), "{path} not named by the page");
        }
        assert!(!INDEX_HTML.contains("<script>"), "no inline script: the policy forbids it");
        assert!(!INDEX_HTML.contains("style="), "no inline style: the policy forbids it");
    }
}
