"""Secrets never reach a log line: an API key given on a URL (``?api_key=``) and the credentials of a
camera URL (``rtsp://user:password@host``) are redacted in every record the service's log handlers
write, uvicorn's connection lines included.

Example:
    >>> redact('"WebSocket /v1/stream?actions=false&api_key=s3cret" [accepted]')
    '"WebSocket /v1/stream?actions=false&api_key=***" [accepted]'
    >>> redact("cannot read rtsp://admin:hunter2@10.0.0.5/live")
    'cannot read rtsp://***:***@10.0.0.5/live'
"""

from __future__ import annotations

import logging
import re

_SECRETS = (
    (re.compile(r"(api_key=)[^&\s\"']+", re.IGNORECASE), r"\1***"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE), r"\1***:***@"),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """A handler filter: the record's message, formatted, with its secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def redact_log_handlers() -> None:
    """Put :class:`RedactSecrets` on every handler of the root and uvicorn loggers (once each):
    a filter on a handler sees the records of every logger below it."""
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(RedactSecrets())
