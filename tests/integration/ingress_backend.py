#!/usr/bin/env python3
"""A test backend for the ingress tests: answers every request with who it is and what it got.

    ingress_backend.py NAME PORT [CERT KEY]

The body lists `backend=NAME`, `method=`, `path=` (the request target as received), `host=`, one
`h:<header>=<value>` line per request header, and `body=<length>`. `?sleep=S` delays the answer
(timeouts), and `?status=N` changes its code. With CERT and KEY it serves HTTPS.
"""
import http.server
import socketserver
import ssl
import sys
import time
import urllib.parse

NAME = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "sleep" in query:
            time.sleep(float(query["sleep"][0]))
        status = int(query.get("status", ["200"])[0])
        out = "backend=%s\nmethod=%s\npath=%s\nhost=%s\n" % (NAME, self.command, self.path, self.headers.get("Host"))
        for k, v in self.headers.items():
            out += "h:%s=%s\n" % (k.lower(), v)
        out += "body=%d\n" % len(body)
        data = out.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Backend", NAME)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = answer

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("0.0.0.0", int(sys.argv[2])), Handler)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
