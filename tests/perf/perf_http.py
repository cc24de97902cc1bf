"""HTTP to Capstan's loopback plain-HTTP port for the benchmark scripts.

The API authenticates that port too, so every request carries a bearer token: the admin's, read
from the server's data directory (<data-dir>/auth/admin.token) once the server has started.
"""
import http.client
import os

TOKEN = None


def use_admin_token(data_dir):
    """Sends the admin token of the server whose data directory this is with every request."""
    global TOKEN
    with open(os.path.join(data_dir, "auth", "admin.token")) as f:
        TOKEN = f.read().strip()


def use_token(token):
    global TOKEN
    TOKEN = token or None


class Connection(http.client.HTTPConnection):
    """http.client.HTTPConnection that adds the Authorization header."""

    def request(self, method, url, body=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if TOKEN:
            headers.setdefault("Authorization", "Bearer " + TOKEN)
        super().request(method, url, body=body, headers=headers, **kwargs)
