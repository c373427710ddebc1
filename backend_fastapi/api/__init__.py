"""The HTTP API: validates requests, writes jobs, reads them back; never runs them."""
