#!/usr/bin/env python3
"""A stand-in API server on a free loopback port, for driving the real kubectl in tests.

It answers legacy discovery for the built-in kinds (core, apps, batch, metrics.k8s.io), serves the
responses listed in a routes file, answers any other POST with the body it received (201, same
content type), and records what kubectl sent: one line per request in OUT_DIR/requests.log and
the body of the latest POST in OUT_DIR/last.pb. The port is written to OUT_DIR/port. Nothing
leaves loopback.

usage: stub_apiserver.py OUT_DIR ROUTES.json
ROUTES.json: [{"method": "GET", "path": "/api/v1/nodes", "watch": false, "code": 200,
               "type": "application/vnd.kubernetes.protobuf", "file": "/tmp/x/nodes.pb"}, ...]
A route with "watch": true matches requests with watch=true in the query; its file is a stream
of framed events, sent as they are, after which the stream stays open for a second and ends.
"""
import http.server
import json
import os
import sys
import time

OUT = sys.argv[1]
ROUTES = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else []
V1 = [("configmaps", "ConfigMap", True), ("secrets", "Secret", True), ("services", "Service", True),
      ("pods", "Pod", True), ("namespaces", "Namespace", False), ("serviceaccounts", "ServiceAccount", True),
      ("nodes", "Node", False), ("events", "Event", True), ("endpoints", "Endpoints", True)]
APPS = [("deployments", "Deployment", True), ("replicasets", "ReplicaSet", True)]
BATCH = [("jobs", "Job", True), ("cronjobs", "CronJob", True)]
METRICS = [("pods", "PodMetrics", True), ("nodes", "NodeMetrics", False)]


def resources(gv, res):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": [{"name": p, "singularName": k.lower(), "namespaced": ns, "kind": k,
                           "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]} for p, k, ns in res]}


def group(name, version):
    gv = {"groupVersion": f"{name}/{version}", "version": version}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [group("apps", "v1"), group("batch", "v1"),
                                                              group("metrics.k8s.io", "v1beta1")]},
    "/api/v1": resources("v1", V1),
    "/apis/apps/v1": resources("apps/v1", APPS),
    "/apis/batch/v1": resources("batch/v1", BATCH),
    "/apis/metrics.k8s.io/v1beta1": resources("metrics.k8s.io/v1beta1", METRICS),
    "/version": {"major": "1", "minor": "33", "gitVersion": "v1.33.1"},
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        with open(os.path.join(OUT, "requests.log"), "a") as f:
            f.write("%s %s ct=%s accept=%s\n" % (self.command, self.path, self.headers.get("Content-Type"),
                                                 self.headers.get("Accept")))

    def reply(self, code, content_type, body):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        path, _, query = self.path.partition("?")
        watch = "watch=true" in query.split("&") or "watch=1" in query.split("&")
        for r in ROUTES:
            if r["method"] == self.command and r["path"] == path and bool(r.get("watch")) == watch:
                return r
        return None

    def serve(self, r):
        body = open(r["file"], "rb").read()
        if not r.get("watch"):
            return self.reply(r.get("code", 200), r.get("type", "application/vnd.kubernetes.protobuf"), body)
        self.send_response(200)
        self.send_header("Content-Type", r.get("type", "application/vnd.kubernetes.protobuf;stream=watch"))
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
        self.wfile.flush()
        time.sleep(1)
        self.wfile.write(b"0\r\n\r\n")

    def do_GET(self):
        self.record()
        path = self.path.split("?")[0]
        if path in DISCOVERY:
            return self.reply(200, "application/json", json.dumps(DISCOVERY[path]).encode())
        r = self.route()
        if r:
            return self.serve(r)
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404}
        return self.reply(404, "application/json", json.dumps(status).encode())

    def do_POST(self):
        self.record()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(OUT, "last.pb"), "wb") as f:
            f.write(body)
        r = self.route()
        if r:
            return self.serve(r)
        self.reply(201, self.headers.get("Content-Type", "application/json"), body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(OUT, "port"), "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
