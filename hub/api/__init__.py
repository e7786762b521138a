"""The REST API ``/api/v1``: bearer tokens, the same capability table, visibility and
services as the pages, RFC 9457 problem details, an OpenAPI document and its docs page."""
