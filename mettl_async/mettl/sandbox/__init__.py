"""Sandboxes of the Mettl APIs: the server-side signature check both share."""
