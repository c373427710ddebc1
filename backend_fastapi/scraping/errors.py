"""Why a page could not be scraped: each failure says whether another attempt can help.

Failures of the request itself (network, timeout, status, size, redirects) are `outbound`'s.
"""

from __future__ import annotations

from backend_fastapi.errors import PermanentJobError, TransientJobError


class RobotsDisallowed(PermanentJobError):
    """robots.txt of the site disallows this URL for DataOps (set options.respect_robots to override)."""

    code = "robots_disallowed"


class RobotsUnavailable(TransientJobError):
    """robots.txt of the site could not be read (5xx or network error); the site is not crawled meanwhile."""

    code = "robots_unavailable"


class UnsupportedContent(PermanentJobError):
    """The response is neither HTML nor JSON."""

    code = "unsupported_content_type"


class RequiredFieldMissing(PermanentJobError):
    """A field marked `required` was not found on the page."""

    code = "required_field_missing"


class BrowserError(TransientJobError):
    """The headless browser failed to load the page."""

    code = "browser_error"


class BrowserUnavailable(PermanentJobError):
    """The headless browser cannot start on this worker (its /health entry says why)."""

    code = "browser_unavailable"
