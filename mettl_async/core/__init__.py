"""The pipeline every platform shares, knowing no platform: requests (sans-I/O), auth schemes,
the session (limit, stamp, sign, send, decode, retry), paging, errors, redaction and JSON."""
