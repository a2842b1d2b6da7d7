"""Mettl: what both Mettl APIs share (query signing, error codes) and the REST API v1/v2/v3."""
