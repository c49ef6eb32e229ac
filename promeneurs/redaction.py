"""The follow-up token never reaches a log (design §3b.4): whoever holds it can read a request's
status and withdraw it.

- `redact_path`: "/suivi/<token>/" → "/suivi/[lien-de-suivi]/" (and the acknowledgment page's);
- `RedactTokenFilter`: a logging filter for Django's loggers (`django.request` logs the path of a
  404, `django.server` the request line);
- `GunicornLogger`: gunicorn's access log with the path and the request line redacted
  (`gunicorn.conf.py` at the root, read by gunicorn from its working directory).
"""

import logging
import re

from gunicorn.glogging import Logger

TOKEN_PATH = re.compile(r"(/(?:suivi|contact/confirmation)/)[^/\s?\"]+")
REPLACEMENT = r"\1[lien-de-suivi]"


def redact_path(text):
    return TOKEN_PATH.sub(REPLACEMENT, text) if isinstance(text, str) else text


class RedactTokenFilter(logging.Filter):
    def filter(self, record):
        record.msg = redact_path(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact_path(value) for key, value in record.args.items()}
        return True


class GunicornLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "{raw_uri}e", "{path_info}e", "{request_uri}e"):
            if key in atoms:
                atoms[key] = redact_path(atoms[key])
        # The referrer may be a follow-up page too.
        if "f" in atoms:
            atoms["f"] = redact_path(atoms["f"])
        return atoms
