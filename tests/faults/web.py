"""gunicorn serving the portal, started by a fault test, and a small HTTP client for it.

The site runs as in production (promeneurs.wsgi, settings from the environment, debug off),
with DATABASE_URL and REDIS_URL given by the test: pytest-django's test database (directly or
through a TcpProxy) and a redis-server of the test's own.
"""

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from tests.notifications.workers import ROOT, Worker, free_port, stop_process, wait_until


class Gunicorn:
    def __init__(self, directory, *, redis_url, mailbox, database_url=None, env=None, workers=2):
        # The workers' environment (tests/notifications/workers.py), for a web process.
        base = Worker(directory, "web", redis_url, mailbox, env=env, database_url=database_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "gunicorn.log"
        self.environment = {
            **base.environment,
            "DJANGO_SETTINGS_MODULE": "tests.faults.web_settings",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SESSION_COOKIE_SECURE": "false",
            "DJANGO_CSRF_COOKIE_SECURE": "false",
            "DJANGO_MFA_REQUIRED": "false",
            "CONTACT_FORM_MIN_SECONDS": "0",
            "FORM_RATE_LIMIT_PER_HOUR": "1000",
            "MAP_TILE_URL": "",
            **(env or {}),
        }
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "promeneurs.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
        ]
        self.process = None
        self.log = None

    def start(self):
        self.log = open(self.log_path, "a")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        wait_until(self.answers, 60, "gunicorn to answer", describe=self.read_log)
        return self

    def answers(self):
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.read_log()}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def read_log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None


class Response:
    def __init__(self, status, body, headers, url, seconds):
        self.status = status
        self.text = body.decode("utf-8", "replace")
        self.headers = headers
        self.url = url
        self.seconds = seconds  # reported by the tests (README figures), never asserted


class Browser:
    """Cookies, CSRF token and redirects, like a visitor's browser; every request has a timeout."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, path, *, data=None, timeout):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        if data is not None:
            request.add_header("Referer", self.base_url + path)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Response(
                    response.status,
                    response.read(),
                    response.headers,
                    response.url,
                    time.monotonic() - started,
                )
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read(), error.headers, error.url, time.monotonic() - started)

    def get(self, path, *, timeout):
        return self.request(path, timeout=timeout)

    def post(self, path, data, *, timeout):
        return self.request(path, data=data, timeout=timeout)

    def csrf_token(self):
        return next(cookie.value for cookie in self.cookies if cookie.name.endswith("csrftoken"))


def contact_form_data(page, captcha_answer, **fields):
    """The fields of the contact form of `page`, filled in as a young person would."""
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return {
        "csrfmiddlewaretoken": csrf,
        "captcha_0": key,
        "captcha_1": captcha_answer(key),
        "jeton": token,
        "site_web": "",
        **fields,
    }
