"""Why a page could not be scraped: each failure says whether another attempt can help."""

from __future__ import annotations

from backend_fastapi.errors import PermanentJobError, TransientJobError


class NetworkError(TransientJobError):
    """The connection to the site failed."""

    code = "network_error"


class FetchTimeout(TransientJobError):
    """The site did not answer in time."""

    code = "fetch_timeout"


class ServerBusy(TransientJobError):
    """The site answered 429 or 5xx; it is asked again later (honouring Retry-After)."""

    code = "http_status"


class ClientStatusError(PermanentJobError):
    """The site refused the request (a 4xx other than 429)."""

    code = "http_status"


class PageNotFound(ClientStatusError):
    """The page does not exist (404 or 410)."""

    code = "not_found"


class RobotsDisallowed(PermanentJobError):
    """robots.txt of the site disallows this URL for DataOps (set options.respect_robots to override)."""

    code = "robots_disallowed"


class RobotsUnavailable(TransientJobError):
    """robots.txt of the site could not be read (5xx or network error); the site is not crawled meanwhile."""

    code = "robots_unavailable"


class UnsupportedContent(PermanentJobError):
    """The response is neither HTML nor JSON."""

    code = "unsupported_content_type"


class ResponseTooLarge(PermanentJobError):
    """The response is larger than options.max_bytes."""

    code = "response_too_large"


class TooManyRedirects(PermanentJobError):
    """The page redirects more often than options.max_redirects allows."""

    code = "too_many_redirects"


class RequiredFieldMissing(PermanentJobError):
    """A field marked `required` was not found on the page."""

    code = "required_field_missing"


class BrowserError(TransientJobError):
    """The headless browser failed to load the page."""

    code = "browser_error"


class BrowserUnavailable(PermanentJobError):
    """The headless browser cannot start on this worker (its /health entry says why)."""

    code = "browser_unavailable"
