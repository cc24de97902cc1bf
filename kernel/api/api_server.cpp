#include "api/api_server.hpp"

#include <nlohmann/json.hpp>

#include "api/api_error.hpp"
#include "api/meta_protobuf.hpp"
#include "api/negotiation.hpp"
#include "api/responses.hpp"
#include "api/subresources.hpp"
#include "api/discovery.hpp"
#include "api/object_service.hpp"
#include "api/openapi.hpp"
#include "api/scale_subresource.hpp"
#include "api/watch_stream.hpp"
#include "capstan/machinery/codec/protobuf_envelope.hpp"
#include "capstan/machinery/patch/json_patch.hpp"
#include "capstan/machinery/patch/merge_patch.hpp"
#include "capstan/machinery/patch/patch_error.hpp"
#include "api/go_bool.hpp"
#include "api/yaml_json.hpp"
#include "store/event_bus.hpp"

namespace capstan::api {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr const char* kJson = "application/json";

Headers headers_for(const std::string& content_type, const std::vector<std::string>& warnings) {
  Headers h{{"Content-Type", content_type}, {"Cache-Control", "no-cache, private"}};
  for (const auto& w : warnings) {
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    h.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
  return h;
}

void reply_json(const std::shared_ptr<http::Responder>& res, int code, const std::string& body,
                const std::vector<std::string>& warnings = {}, const char* content_type = kJson) {
  res->respond(code, headers_for(content_type, warnings), body);
}

void reply(const std::shared_ptr<http::Responder>& res, Reply r, const std::vector<std::string>& warnings = {}) {
  res->respond(r.code, headers_for(r.content_type, warnings), std::move(r.body));
}

// A Status error, in protobuf when the request prefers it and the resource has a protobuf form
// (kube-apiserver's ErrorNegotiated).
void reply_error(const std::shared_ptr<http::Responder>& res, const ApiError& e, const std::string* accept = nullptr,
                 bool protobuf = false) {
  reply(res, error_reply(e, accept, protobuf));
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

bool flag(const http::Request& req, const char* name) {
  const std::string* v = req.query_param(name);
  if (!v) return false;
  auto b = parse_go_bool(*v);
  if (!b) throw bad_request(std::string("invalid boolean value for ") + name + ": " + *v);
  return *b;
}

std::string param(const http::Request& req, const char* name) {
  const std::string* v = req.query_param(name);
  return v ? *v : std::string();
}

WriteOptions write_options(const http::Request& req) {
  WriteOptions o;
  for (const auto& d : req.query_params("dryRun")) {
    if (d == "All") o.dry_run = true;
    else if (!d.empty()) throw bad_request("Invalid dryRun value: " + d + " (only All is supported)");
  }
  std::string v = param(req, "fieldValidation");
  if (v.empty() || v == "Warn") o.validation = schema::UnknownFieldPolicy::kWarn;
  else if (v == "Strict") o.validation = schema::UnknownFieldPolicy::kStrict;
  else if (v == "Ignore") o.validation = schema::UnknownFieldPolicy::kIgnore;
  else throw bad_request("fieldValidation must be one of Strict, Warn or Ignore, not \"" + v + "\"");
  o.field_manager = param(req, "fieldManager");
  if (o.field_manager.size() > 128) throw bad_request("fieldManager must be no more than 128 characters");
  o.force = flag(req, "force");
  o.requester = {req.user.name, req.user.uid, req.user.groups, req.user.extra};
  return o;
}

std::string content_type(const http::Request& req) {
  std::string t = media_type_of(req.header("content-type"));
  return t.empty() ? kJson : t;
}

bool is_protobuf(const http::Request& req) { return media_type_of(req.header("content-type")) == schema::kProtobufContentType; }

// A JSON or YAML body (protobuf bodies are decoded by their own decoders); `protobuf` says
// whether the endpoint also takes protobuf, for the 415 message.
json decode_body(const http::Request& req, bool protobuf = false) {
  std::string ct = content_type(req);
  if (ct == schema::kProtobufContentType) throw ApiError(415, "UnsupportedMediaType", unsupported_media_type_message(false));
  try {
    return api::decode_body(ct, req.body);
  } catch (const UnsupportedMediaType&) {
    throw ApiError(415, "UnsupportedMediaType", unsupported_media_type_message(protobuf));
  } catch (const BodyError& e) {
    throw bad_request(e.what());
  }
}

// An object of the kind from a create or update body: protobuf straight into the Cap'n Proto
// form, JSON and YAML through the JSON codec.
DecodedObject decode_object(const ObjectService& objects, const schema::Kind& kind, const http::Request& req,
                            schema::UnknownFieldPolicy policy) {
  if (is_protobuf(req)) return objects.decode_protobuf(kind, req.body, policy);
  return objects.decode(kind, decode_body(req, objects.kinds().protobuf().supports(kind.schema)), policy);
}

// /version as kube-apiserver 1.33 writes it (version.Info in its declaration order): the release
// whose API is served, and Capstan's own version as the semver build metadata of gitVersion, so
// semver comparisons (Helm's kubeVersion, client-go) see exactly v1.<minor>.0. The Go build
// facts (commit, tree state, build date, Go version) do not apply and are empty.
std::string version_json(const std::string& minor) {
  int previous = 0;
  try {
    previous = std::stoi(minor) - 1;
  } catch (...) {
  }
  return "{\"major\":\"1\",\"minor\":\"" + minor + "\",\"emulationMajor\":\"1\",\"emulationMinor\":\"" + minor +
         "\",\"minCompatibilityMajor\":\"1\",\"minCompatibilityMinor\":\"" + std::to_string(previous) +
         "\",\"gitVersion\":\"v1." + minor + ".0+capstan." CAPSTAN_VERSION
         "\",\"gitCommit\":\"\",\"gitTreeState\":\"\",\"buildDate\":\"\",\"goVersion\":\"\",\"compiler\":\"g++\","
         "\"platform\":\"linux/amd64\"}\n";
}

// limit/continue over a key-ordered list: the token is the last key served.
std::vector<store::ObjectPtr> paginate(std::vector<store::ObjectPtr> all, const http::Request& req, std::string& next) {
  std::string cont = param(req, "continue");
  std::string limit_text = param(req, "limit");
  size_t start = 0;
  if (!cont.empty()) {
    std::string after;
    if (!schema::base64_decode(cont, after, start) || after.empty())
      throw ApiError(400, "BadRequest", "invalid continue token");
    start = 0;
    while (start < all.size() && all[start]->key <= after) ++start;
  }
  size_t limit = 0;
  if (!limit_text.empty()) {
    try {
      long long l = std::stoll(limit_text);
      if (l > 0) limit = static_cast<size_t>(l);
    } catch (...) {
      throw bad_request("invalid limit: " + limit_text);
    }
  }
  if (start == 0 && (limit == 0 || limit >= all.size())) return all;
  size_t end = limit == 0 ? all.size() : std::min(all.size(), start + limit);
  std::vector<store::ObjectPtr> page(all.begin() + static_cast<long>(start), all.begin() + static_cast<long>(end));
  if (end < all.size() && !page.empty()) next = schema::base64_encode(page.back()->key.data(), page.back()->key.size());
  return page;
}

}  // namespace

ApiServer::ApiServer(ObjectService& objects, store::EventBus& bus, ApiServerOptions options)
    : objects_(objects), bus_(bus), options_(std::move(options)) {
  reaper_ = std::thread([this] { reaper_loop(); });
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::stop() {
  {
    std::lock_guard lock(watches_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  reaper_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  std::lock_guard lock(watches_mutex_);
  for (auto& w : watches_) w->close();
  watches_.clear();
}

void ApiServer::reaper_loop() {
  std::unique_lock lock(watches_mutex_);
  while (!stopping_) {
    reaper_cv_.wait_for(lock, std::chrono::milliseconds(250));
    auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<WatchStream>> live = watches_;
    lock.unlock();
    std::vector<std::shared_ptr<WatchStream>> keep;
    for (auto& s : live)
      if (s->tick(now)) keep.push_back(s);
    lock.lock();
    // Streams added while unlocked are at the end of watches_; keep them too.
    for (size_t i = live.size(); i < watches_.size(); ++i) keep.push_back(watches_[i]);
    watches_.swap(keep);
  }
}

void ApiServer::handle(http::Request&& req, std::shared_ptr<http::Responder> res) {
  // Errors are negotiated like kube-apiserver's: protobuf when preferred, except for resources
  // whose kind has no protobuf form (handle_resource says).
  bool error_protobuf = true;
  try {
    const auto parts = split_path(req.path);
    if (parts.empty()) {
      json paths = {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/openapi/v3", "/version"};
      return reply_json(res, 200, json{{"paths", paths}}.dump());
    }
    const std::string& top = parts[0];
    if (top == "version" && parts.size() == 1) return reply_json(res, 200, version_json(options_.version_minor));
    if ((top == "healthz" || top == "livez" || top == "readyz") && parts.size() == 1) {
      bool ok = top != "readyz" || ready_;
      return res->respond(ok ? 200 : 503, {{"Content-Type", "text/plain; charset=utf-8"}}, ok ? "ok" : "not ready");
    }
    if (top == "openapi") {
      if (parts.size() >= 2 && parts[1] == "v3") {
        if (parts.size() == 2) return reply_json(res, 200, openapi_v3_index(objects_.kinds()).dump());
        std::optional<json> doc;
        if (parts.size() == 4 && parts[2] == "api") doc = openapi_v3_document(objects_.kinds(), "", parts[3]);
        if (parts.size() == 5 && parts[2] == "apis") doc = openapi_v3_document(objects_.kinds(), parts[3], parts[4]);
        if (doc) return reply_json(res, 200, doc->dump());
      }
      throw ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    if (top == "api") {
      if (parts.size() == 1) {
        if (wants_aggregated_discovery(req.header("accept"))) return reply_aggregated(req, res, true);
        return reply_json(res, 200, api_versions(options_.server_address).dump());
      }
      if (parts.size() == 2) {
        auto list = api_resource_list(objects_.kinds(), "", parts[1]);
        if (!list) throw ApiError(404, "NotFound", "the server could not find the requested resource");
        return reply_json(res, 200, list->dump());
      }
      return handle_resource(req, res, parts, 2, error_protobuf);
    }
    if (top == "apis") {
      if (parts.size() == 1) {
        if (wants_aggregated_discovery(req.header("accept"))) return reply_aggregated(req, res, false);
        return reply_json(res, 200, api_group_list(objects_.kinds()).dump());
      }
      if (parts.size() == 2) {
        auto g = api_group(objects_.kinds(), parts[1]);
        if (!g) throw ApiError(404, "NotFound", "the server could not find the requested resource");
        return reply_json(res, 200, g->dump());
      }
      if (parts.size() == 3) {
        auto list = api_resource_list(objects_.kinds(), parts[1], parts[2]);
        if (!list) throw ApiError(404, "NotFound", "the server could not find the requested resource");
        return reply_json(res, 200, list->dump());
      }
      return handle_resource(req, res, parts, 3, error_protobuf);
    }
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  } catch (const ApiError& e) {
    reply_error(res, e, req.header("accept"), error_protobuf);
  } catch (const std::exception& e) {
    reply_error(res, ApiError(500, "InternalError", std::string("an error on the server: ") + e.what()),
                req.header("accept"), error_protobuf);
  }
}

// Aggregated discovery with its ETag: a client that has the document (If-None-Match) gets 304.
void ApiServer::reply_aggregated(const http::Request& req, const std::shared_ptr<http::Responder>& res, bool core) {
  const AggregatedDocument doc = aggregated_discovery(objects_.kinds(), core);
  Headers h{{"ETag", doc.etag}, {"Vary", "Accept"}, {"Cache-Control", "public"}};
  if (const std::string* cached = req.header("if-none-match"); cached && *cached == doc.etag)
    return res->respond(304, std::move(h), "");
  h.emplace_back("Content-Type", kAggregatedDiscoveryContentType);
  res->respond(200, std::move(h), doc.body);
}

// DeleteOptions from a DELETE body and the query.
static DeleteOptions delete_options(const http::Request& req, const json& body) {
  return delete_options_of(body, [&req](const char* name) { return param(req, name); });
}

void ApiServer::handle_resource(http::Request& req, const std::shared_ptr<http::Responder>& res,
                                const std::vector<std::string>& parts, size_t first, bool& error_protobuf) {
  const std::string group = first == 2 ? "" : parts[1];
  const std::string version = first == 2 ? parts[1] : parts[2];
  std::vector<std::string> rest(parts.begin() + static_cast<long>(first), parts.end());
  std::string ns;
  // /namespaces/<ns>/<resource>/... except the subresources of the namespace itself
  // (/namespaces/<name>/status): those the kind holding namespaces declares.
  const schema::Kind* scope = objects_.kinds().namespace_kind();
  const bool namespace_subresource = rest.size() == 3 && rest[0] == "namespaces" && scope && scope->plural == rest[0] &&
                                     scope->group == group && scope->has_subresource(rest[2]);
  if (rest.size() >= 3 && rest[0] == "namespaces" && !namespace_subresource) {
    ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3) throw ApiError(404, "NotFound", "the server could not find the requested resource");
  const schema::Kind* kind = objects_.kinds().by_resource(group, version, rest[0]);
  if (!kind) throw ApiError(404, "NotFound", "the server could not find the requested resource");
  if (!kind->namespaced && !ns.empty()) throw ApiError(404, "NotFound", "the server could not find the requested resource");
  const std::string name = rest.size() >= 2 ? rest[1] : "";
  const std::string sub = rest.size() == 3 ? rest[2] : "";
  if (!sub.empty() && !kind->has_subresource(sub))
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  // A transient kind (an access review) is only ever created, as its own collection.
  if (kind->transient && (req.method != "POST" || !name.empty()))
    throw method_not_allowed("the server does not allow this method on the requested resource");
  const std::string& method = req.method;
  const bool protobuf = objects_.kinds().protobuf().supports(kind->schema);
  error_protobuf = protobuf;
  const std::string* accept_header = req.header("accept");
  const std::string accept = accept_header ? *accept_header : "";
  const bool include_object = param(req, "includeObject") == "Object";
  Endpoint endpoint;
  endpoint.protobuf = protobuf;
  const bool watch_request = method == "GET" && name.empty() && flag(req, "watch");
  auto negotiated = watch_request ? negotiate_stream(accept_header, endpoint) : negotiate_output(accept_header, endpoint);
  if (!negotiated) throw ApiError(406, "NotAcceptable", not_acceptable_message(protobuf, watch_request));
  const ResponseEncoder encoder(objects_.kinds(), *kind, *negotiated, include_object);

  // Writes answer asynchronously (once the store has committed): the encoder and what error
  // negotiation needs travel with the callback.
  auto finish_write = [res, encoder, accept, protobuf](int default_code) {
    return [res, default_code, encoder, accept, protobuf](WriteOutcome o) {
      try {
        if (o.error) return reply_error(res, *o.error, &accept, protobuf);
        reply(res, encoder.object(o.code ? o.code : default_code, o.object), o.warnings);
      } catch (const ApiError& e) {
        reply_error(res, e, &accept, protobuf);
      }
    };
  };

  if (name.empty()) {
    // Collection.
    if (method == "GET") {
      const bool watch = flag(req, "watch");
      std::string label = param(req, "labelSelector"), field = param(req, "fieldSelector");
      if (kind->namespaced == false) ns.clear();
      const Selection selection = Selection::parse(*kind, ns, label, field);
      if (watch) {
        long timeout = 1800;
        if (auto t = param(req, "timeoutSeconds"); !t.empty()) {
          try {
            timeout = std::stol(t);
          } catch (...) {
            throw bad_request("invalid timeoutSeconds: " + t);
          }
        }
        std::string rv_text = param(req, "resourceVersion");
        uint64_t rv = 0;
        if (!rv_text.empty()) {
          try {
            rv = std::stoull(rv_text);
          } catch (...) {
            throw bad_request("invalid resourceVersion: " + rv_text);
          }
        }
        auto stream = std::make_shared<WatchStream>(*kind, selection, encoder, flag(req, "allowWatchBookmarks"), res,
                                                    std::chrono::steady_clock::now() + std::chrono::seconds(timeout));
        std::weak_ptr<WatchStream> weak = stream;
        auto post = post_;
        auto start = objects_.watch(*kind, selection, rv, /*send_initial=*/true, [weak, post] {
          auto run = [weak] {
            if (auto s = weak.lock()) s->drain();
          };
          if (post) post(run);
          else run();
        });
        if (start.expired) {
          res->begin_stream(200, {{"Content-Type", encoder.stream_content_type()}});
          res->write(encoder.watch_error(ApiError(410, "Expired", "too old resource version: " + rv_text + " (" +
                                                                    std::to_string(start.oldest_resumable) + ")")));
          res->finish();
          return;
        }
        res->begin_stream(200, {{"Content-Type", encoder.stream_content_type()}});
        stream->send_initial(start.initial);
        stream->attach(start.subscription, &objects_);
        res->on_close([weak] {
          if (auto s = weak.lock()) s->close();
        });
        {
          std::lock_guard lock(watches_mutex_);
          watches_.push_back(stream);
        }
        stream->drain();
        return;
      }
      uint64_t revision = 0;
      auto items = objects_.list(*kind, selection, &revision);
      std::string next;
      items = paginate(std::move(items), req, next);
      return reply(res, encoder.list(items, revision, next));
    }
    if (method == "POST") {
      auto opts = write_options(req);
      return objects_.create(*kind, ns, decode_object(objects_, *kind, req, opts.validation), opts, finish_write(201));
    }
    if (method == "DELETE") {
      // deletecollection: delete every match, answer with the list of what was deleted.
      auto items = objects_.list(*kind, Selection::parse(*kind, ns, param(req, "labelSelector"), param(req, "fieldSelector")),
                                 nullptr);
      auto opts = write_options(req);
      for (const auto& o : items) objects_.remove(*kind, o->namespace_, o->name, {}, opts, [](WriteOutcome) {});
      return reply(res, encoder.list(items, 0, ""));
    }
    throw method_not_allowed("the server does not allow this method on the requested resource");
  }

  // A single object (or its subresource).
  if (!sub.empty()) {
    for (const auto& s : kind->subresources)
      if (s.name == sub && s.connect) return serve_connect(req, res, *kind, objects_.get(*kind, ns, name), sub, connect_);
  }
  if (sub == "scale" && kind->scale) return handle_scale(req, res, *kind, ns, name);
  if (const auto* action = kind->subresource(sub); action && (action->deletes || !action->assigns.empty())) {
    if (method != "POST") throw method_not_allowed("the " + sub + " subresource only supports create");
    json body = is_protobuf(req) ? decode_action_protobuf(action->deletes, action->kind, req.body) : decode_body(req, true);
    return post_subresource(objects_, *kind, ns, name, sub, body, write_options(req),
                            [res, accept, protobuf](WriteOutcome o) {
                              if (o.error) return reply_error(res, *o.error, &accept, protobuf);
                              reply_json(res, 201, success_status_text(), o.warnings);
                            });
  }
  if (method == "GET") {
    auto obj = objects_.get(*kind, ns, name);
    if (sub.empty() || sub == kind->status_field) return reply(res, encoder.object(200, obj));
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  if (method == "PUT") {
    auto opts = write_options(req);
    return objects_.update(*kind, ns, name, decode_object(objects_, *kind, req, opts.validation), sub, opts,
                           finish_write(200));
  }
  if (method == "PATCH") {
    std::string ct = content_type(req);
    PatchType type;
    if (ct == "application/merge-patch+json") type = PatchType::kMerge;
    else if (ct == "application/json-patch+json") type = PatchType::kJson;
    else if (ct == "application/strategic-merge-patch+json") type = PatchType::kStrategic;
    else if (ct == "application/apply-patch+yaml") type = PatchType::kApply;
    else
      throw ApiError(415, "UnsupportedMediaType",
                     "the body of the request was in an unknown format - accepted media types include: "
                     "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                     "application/strategic-merge-patch+json");
    json doc;
    try {
      doc = type == PatchType::kApply ? decode_yaml(req.body) : decode_json(req.body);
    } catch (const BodyError& e) {
      throw bad_request(e.what());
    }
    auto opts = write_options(req);
    return objects_.patch(*kind, ns, name, type, doc, sub, opts, finish_write(200));
  }
  if (method == "DELETE") {
    json body = req.body.empty() ? json::object()
                : is_protobuf(req) ? decode_delete_options_protobuf(req.body)
                                   : decode_body(req, true);
    if (!body.is_object()) throw bad_request("DeleteOptions must be an object");
    DeleteOptions del = delete_options(req, body);
    WriteOptions opts = write_options(req);
    if (auto dr = body.find("dryRun"); dr != body.end() && dr->is_array() && !dr->empty()) opts.dry_run = true;
    return objects_.remove(*kind, ns, name, del, opts, finish_write(200));
  }
  throw method_not_allowed("the server does not allow this method on the requested resource");
}

void ApiServer::handle_scale(http::Request& req, const std::shared_ptr<http::Responder>& res, const schema::Kind& kind,
                             const std::string& ns, const std::string& name) {
  auto reply_scale = [res, &kind](WriteOutcome o) {
    if (o.error) return reply_error(res, *o.error);
    reply_json(res, 200, scale_of(kind, json::parse(o.object->json)).dump(), o.warnings);
  };
  if (req.method == "GET") {
    auto obj = objects_.get(kind, ns, name);
    return reply_json(res, 200, scale_of(kind, json::parse(obj->json)).dump());
  }
  if (req.method == "PUT") {
    json body = decode_body(req);
    if (!body.is_object()) throw bad_request("the request body must be a Scale object");
    uint64_t expected = 0;
    if (body.contains("metadata") && body["metadata"].is_object()) {
      std::string rv = body["metadata"].value("resourceVersion", "");
      if (!rv.empty()) {
        try {
          expected = std::stoull(rv);
        } catch (...) {
          throw bad_request("invalid resourceVersion: " + rv);
        }
      }
    }
    return update_scale(objects_, kind, ns, name, [body](const json&) { return body; }, expected, write_options(req),
                        reply_scale);
  }
  if (req.method == "PATCH") {
    std::string ct = content_type(req);
    json doc;
    try {
      doc = decode_json(req.body);
    } catch (const BodyError& e) {
      throw bad_request(e.what());
    }
    std::function<json(const json&)> change;
    if (ct == "application/json-patch+json") change = [doc](const json& s) { return patch::apply_json_patch(s, doc); };
    else if (ct == "application/merge-patch+json" || ct == "application/strategic-merge-patch+json")
      // A Scale has no lists, so a strategic merge patch is a merge patch.
      change = [doc](const json& s) { return patch::apply_merge_patch(s, doc); };
    else
      throw ApiError(415, "UnsupportedMediaType", "the scale subresource accepts json, merge and strategic merge patches");
    auto guarded = [change](const json& s) {
      try {
        return change(s);
      } catch (const patch::PatchError& e) {
        throw ApiError(e.code, e.reason, e.what());
      }
    };
    return update_scale(objects_, kind, ns, name, guarded, 0, write_options(req), reply_scale);
  }
  throw method_not_allowed("the scale subresource supports get, update and patch");
}

}  // namespace capstan::api
