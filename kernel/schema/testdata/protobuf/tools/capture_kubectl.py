#!/usr/bin/env python3
"""A stand-in API server on a free loopback port that records the request bodies kubectl sends.

It answers legacy discovery for the kinds the commands below touch, serves GETs from .pb files
(`<serve-dir>/<namespace>/<plural>/<name>.pb`, protobuf with envelope), answers every POST with
the body it received (201, same content type) and writes that body to `<out-dir>/last.pb`.
The port is written to `<out-dir>/port`. Used by make_fixtures.sh; nothing leaves loopback.

usage: capture_kubectl.py OUT_DIR SERVE_DIR
"""
import http.server
import json
import os
import sys

OUT, SERVE = sys.argv[1], sys.argv[2]
V1 = [("configmaps", "ConfigMap", True), ("secrets", "Secret", True), ("services", "Service", True),
      ("pods", "Pod", True), ("namespaces", "Namespace", False), ("serviceaccounts", "ServiceAccount", True),
      ("nodes", "Node", False), ("events", "Event", True)]
APPS = [("deployments", "Deployment", True), ("replicasets", "ReplicaSet", True)]


def resources(gv, res):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": [{"name": p, "singularName": k.lower(), "namespaced": ns, "kind": k,
                           "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]} for p, k, ns in res]}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        with open(os.path.join(OUT, "requests.log"), "a") as f:
            f.write("%s %s ct=%s accept=%s\n" % (self.command, self.path, self.headers.get("Content-Type"),
                                                 self.headers.get("Accept")))

    def reply(self, code, content_type, body):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        docs = {"/api": {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
                "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                    {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                     "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]},
                "/api/v1": resources("v1", V1), "/apis/apps/v1": resources("apps/v1", APPS),
                "/version": {"major": "1", "minor": "33", "gitVersion": "v1.33.1"}}
        if path in docs:
            return self.reply(200, "application/json", json.dumps(docs[path]).encode())
        parts = [p for p in path.split("/") if p]
        # /api/v1/namespaces/<ns>/<plural>/<name>
        if len(parts) == 6 and parts[:2] == ["api", "v1"] and parts[2] == "namespaces":
            file = os.path.join(SERVE, parts[3], parts[4], parts[5] + ".pb")
            if os.path.exists(file):
                return self.reply(200, "application/vnd.kubernetes.protobuf", open(file, "rb").read())
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": "not found", "reason": "NotFound", "code": 404}
        return self.reply(404, "application/json", json.dumps(status).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(OUT, "last.pb"), "wb") as f:
            f.write(body)
        self.reply(201, self.headers.get("Content-Type", "application/json"), body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(OUT, "port"), "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
