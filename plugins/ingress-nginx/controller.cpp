#include "controller.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "capstan/core_v1.capnp.h"
#include "capstan/gateway_v1.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/networking_v1.capnp.h"
#include "certificates.hpp"
#include "ingress_builder.hpp"
#include "nginx_config.hpp"

namespace capstan::ingress {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using machinery::kGatewayClasses;
using machinery::kGateways;
using machinery::kHTTPRoutes;
using machinery::kIngressClasses;
using machinery::kIngresses;
using machinery::kNamespaces;
using machinery::kNodes;
using machinery::kSecrets;
using machinery::kServices;
using machinery::kEndpointSlices;

const char* const kComponent = "nginx-ingress-controller";

std::string short_hash(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 6; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string data_of(core::v1::Secret::Reader s, const char* key) {
  for (auto e : s.getData())
    if (e.getKey() == key) return std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size());
  return "";
}

bool has_data(core::v1::Secret::Reader s, const char* key) {
  for (auto e : s.getData())
    if (e.getKey() == key) return true;
  return false;
}

sdk::ObjectRef ref_of(const Source& s) {
  sdk::ObjectRef r;
  r.kind = s.kind;
  r.api_version = s.kind == "Ingress" ? "networking.k8s.io/v1" : "gateway.networking.k8s.io/v1";
  r.ns = s.ns;
  r.name = s.name;
  return r;
}

Snapshot without(const Snapshot& in, const std::set<std::string>& excluded) {
  if (excluded.empty()) return in;
  Snapshot out = in;
  auto drop = [&](std::vector<sdk::ObjectPtr>& list, const char* kind) {
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const sdk::ObjectPtr& o) {
                                return excluded.count(std::string(kind) + "/" + o->ns() + "/" + o->name()) > 0;
                              }),
               list.end());
  };
  drop(out.ingresses, "Ingress");
  drop(out.http_routes, "HTTPRoute");
  drop(out.gateways, "Gateway");
  return out;
}

json conditions_json(const std::vector<ConditionState>& now, capnp::List<gateway::v1::Condition>::Reader old,
                     int64_t generation, const std::string& at) {
  json out = json::array();
  for (const auto& c : now) {
    std::string since = at;
    for (auto o : old)
      if (o.getType() == c.type.c_str() && o.getStatus() == c.status.c_str()) since = o.getLastTransitionTime();
    out.push_back({{"type", c.type},
                   {"status", c.status},
                   {"reason", c.reason},
                   {"message", c.message},
                   {"observedGeneration", generation},
                   {"lastTransitionTime", since}});
  }
  return out;
}

// The conditions as they are stored, to compare without timestamps.
json stored_conditions(capnp::List<gateway::v1::Condition>::Reader list) {
  json out = json::array();
  for (auto c : list)
    out.push_back({{"type", c.getType().cStr()},
                   {"status", c.getStatus().cStr()},
                   {"reason", c.getReason().cStr()},
                   {"message", c.getMessage().cStr()},
                   {"observedGeneration", c.getObservedGeneration()},
                   {"lastTransitionTime", c.getLastTransitionTime().cStr()}});
  return out;
}

// The revision of the object a source names, 0 when it is gone.
uint64_t revision_of(const Snapshot& s, const Source& src) {
  const auto& list = src.kind == "Ingress" ? s.ingresses : src.kind == "HTTPRoute" ? s.http_routes : s.gateways;
  for (const auto& o : list)
    if (o->ns() == src.ns && o->name() == src.name) return std::stoull(std::string(o->metadata().getResourceVersion().cStr()) + "0") / 10;
  return 0;
}

int64_t generation_of(const sdk::ObjectPtr& o) {
  auto g = o->metadata().getGeneration();
  return g.isValue() ? g.getValue() : 0;
}

}  // namespace

Controller::Controller(const sdk::Host& host, Settings settings)
    : host_(host),
      settings_(std::move(settings)),
      client_(host, "ingress-nginx"),
      events_(host, kComponent, settings_.node_name),
      nginx_(settings_.nginx, settings_.data_dir + "/ingress-nginx") {
  events_.set_synchronous(false);
}

Controller::~Controller() { stop(); }

void Controller::start() {
  stopping_ = false;
  for (const auto& k : client_.kinds())
    if (k.group == "gateway.networking.k8s.io" && k.plural == "httproutes") gateway_api_ = true;
  status_port_ = settings_.status_port ? settings_.status_port : pick_free_loopback_port();
  nginx_.prepare(geteuid() == 0);

  auto make = [&](const sdk::Resource& r) {
    auto inf = std::make_unique<sdk::Informer>(client_, r);
    inf->add_handler([this, kind = r.resource](const sdk::ObjectPtr& obj, sdk::EventKind) {
      note_changed(obj, kind.c_str());
      if (runner_) runner_->request();
    });
    return inf;
  };
  ingresses_ = make(kIngresses);
  ingress_classes_ = make(kIngressClasses);
  services_ = make(kServices);
  slices_ = make(kEndpointSlices);
  secrets_ = make(kSecrets);
  nodes_ = make(kNodes);
  if (gateway_api_) {
    gateway_classes_ = make(kGatewayClasses);
    gateways_ = make(kGateways);
    http_routes_ = make(kHTTPRoutes);
    namespaces_ = make(kNamespaces);
  }
  machinery::SyncLoop::Options loop;
  loop.min_interval = settings_.min_sync_interval;
  loop.max_interval = settings_.resync_interval;
  loop.on_error = [this](const std::exception& e) { host_.warn(std::string("ingress-nginx: sync failed: ") + e.what()); };
  runner_ = std::make_unique<machinery::SyncLoop>([this] { sync(); }, loop);
  for (auto* inf : {ingresses_.get(), ingress_classes_.get(), services_.get(), slices_.get(), secrets_.get(), nodes_.get(),
                    gateway_classes_.get(), gateways_.get(), http_routes_.get(), namespaces_.get()})
    if (inf) inf->start();
  runner_->start();
  supervisor_ = std::thread([this] { supervise_loop(); });
  host_.info("ingress-nginx: serving Ingresses of class \"" + settings_.ingress_class + "\" (" + settings_.controller_class +
             ")" + (gateway_api_ ? " and Gateways of controller " + settings_.gateway_controller : "") + " on " +
             [&] {
               std::string a;
               for (const auto& x : settings_.listen_addresses) a += (a.empty() ? "" : ",") + x;
               return a;
             }() +
             " ports " + std::to_string(settings_.http_port) + "/" + std::to_string(settings_.https_port) +
             "; nginx status on 127.0.0.1:" + std::to_string(status_port_));
}

void Controller::stop() {
  if (stopping_.exchange(true)) return;
  supervisor_cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  if (runner_) runner_->stop();
  for (auto* inf : {ingresses_.get(), ingress_classes_.get(), services_.get(), slices_.get(), secrets_.get(), nodes_.get(),
                    gateway_classes_.get(), gateways_.get(), http_routes_.get(), namespaces_.get()})
    if (inf) inf->stop();
  if (settings_.update_status) {
    try {
      remove_own_addresses();
    } catch (...) {
    }
  }
  nginx_.stop();
  events_.shutdown();
}

void Controller::supervise_loop() {
  std::unique_lock lock(supervisor_mu_);
  while (!stopping_) {
    supervisor_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_.load(); });
    if (stopping_) break;
    lock.unlock();
    if (configured_ && !nginx_.running() && runner_) runner_->request();
    lock.lock();
  }
}

void Controller::note_changed(const sdk::ObjectPtr& obj, const char* resource) {
  std::string kind = resource;
  if (kind == "ingresses") kind = "Ingress";
  else if (kind == "httproutes") kind = "HTTPRoute";
  else if (kind == "gateways") kind = "Gateway";
  else return;
  std::lock_guard lock(dirty_mu_);  // not sync_mu_: informer threads never wait for a sync
  dirty_.insert(kind + "/" + obj->ns() + "/" + obj->name());
}

Snapshot Controller::snapshot() const {
  Snapshot s;
  s.ingresses = ingresses_->list();
  s.ingress_classes = ingress_classes_->list();
  s.services = services_->list();
  s.endpoint_slices = slices_->list();
  s.secrets = secrets_->list();
  if (gateway_api_) {
    s.gateway_classes = gateway_classes_->list();
    s.gateways = gateways_->list();
    s.http_routes = http_routes_->list();
    s.namespaces = namespaces_->list();
  }
  return s;
}

// The IngressClass this controller answers to, created when missing (as installing ingress-nginx
// does), and made the default class when no other is.
void Controller::ensure_ingress_class() {
  if (class_checked_ || !settings_.create_ingress_class) return;
  auto existing = ingress_classes_->get("", settings_.ingress_class);
  if (existing) {
    class_checked_ = true;
    const std::string controller = existing->as<networking::v1::IngressClass>().getSpec().getController();
    if (controller != settings_.controller_class)
      host_.warn("ingress-nginx: IngressClass \"" + settings_.ingress_class + "\" names controller " + controller +
                 ", not " + settings_.controller_class + "; its Ingresses are not served here");
    return;
  }
  bool other_default = false;
  for (const auto& c : ingress_classes_->list())
    if (annotations_of(c)["ingressclass.kubernetes.io/is-default-class"] == "true") other_default = true;
  capnp::MallocMessageBuilder m;
  auto cls = m.initRoot<networking::v1::IngressClass>();
  cls.setApiVersion("networking.k8s.io/v1");
  cls.setKind("IngressClass");
  auto md = cls.initMetadata();
  md.setName(settings_.ingress_class);
  auto labels = md.initLabels(1);
  labels[0].setKey("app.kubernetes.io/managed-by");
  labels[0].setValue("capstan");
  if (!other_default) {
    auto ann = md.initAnnotations(1);
    ann[0].setKey("ingressclass.kubernetes.io/is-default-class");
    ann[0].setValue("true");
  }
  cls.initSpec().setController(settings_.controller_class);
  auto r = client_.create(kIngressClasses, "", m);
  if (r.status.ok() || r.status.already_exists()) {
    class_checked_ = true;
    if (r.status.ok())
      host_.info("ingress-nginx: created IngressClass \"" + settings_.ingress_class + "\"" +
                 (other_default ? "" : " (the default class)"));
  } else {
    host_.warn("ingress-nginx: cannot create IngressClass \"" + settings_.ingress_class + "\": " + r.status.message);
  }
}

CertFiles Controller::certificate(const std::string& ns, const std::string& name,
                                  const std::map<std::string, sdk::ObjectPtr>& secrets) {
  CertFiles f;
  auto it = secrets.find(ns + "/" + name);
  if (it == secrets.end()) {
    f.error = "not found";
    return f;
  }
  auto s = it->second->as<core::v1::Secret>();
  if (s.getType() != "kubernetes.io/tls") {
    f.error = "type is \"" + std::string(s.getType().cStr()) + "\", not kubernetes.io/tls";
    return f;
  }
  if (!has_data(s, "tls.crt") || !has_data(s, "tls.key")) {
    f.error = "tls.crt or tls.key is missing";
    return f;
  }
  const std::string cert = data_of(s, "tls.crt"), key = data_of(s, "tls.key");
  auto checked = check_pair(cert, key);
  if (!checked.error.empty()) {
    f.error = checked.error;
    return f;
  }
  // The file name carries the content's hash: an updated Secret changes the configuration text,
  // so nginx reloads and serves the new certificate.
  const std::string base = nginx_.dir() + "/certs/" + ns + "_" + name + "_" + short_hash(cert + key);
  write_file_atomically(base + ".crt", cert);
  write_file_atomically(base + ".key", key);
  f.certificate = base + ".crt";
  f.key = base + ".key";
  f.names = checked.names;
  return f;
}

void Controller::default_certificate(const std::map<std::string, sdk::ObjectPtr>& secrets, Model& model) {
  if (!settings_.default_ssl_certificate.empty()) {
    const auto slash = settings_.default_ssl_certificate.find('/');
    if (slash != std::string::npos) {
      auto f = certificate(settings_.default_ssl_certificate.substr(0, slash), settings_.default_ssl_certificate.substr(slash + 1),
                           secrets);
      if (f.error.empty()) {
        model.default_certificate = f.certificate;
        model.default_key = f.key;
        return;
      }
    }
  }
  const std::string cert = nginx_.dir() + "/certs/fallback.crt", key = nginx_.dir() + "/certs/fallback.key";
  if (!fs::exists(cert) || !fs::exists(key)) {
    auto pem = make_fallback_certificate();
    write_file_atomically(key, pem.key);
    write_file_atomically(cert, pem.certificate);
  }
  model.default_certificate = cert;
  model.default_key = key;
}

std::string Controller::status_address() const {
  if (!settings_.publish_status_address.empty()) return settings_.publish_status_address;
  if (!settings_.node_name.empty() && nodes_) {
    if (auto node = nodes_->get("", settings_.node_name))
      for (auto a : node->as<core::v1::Node>().getStatus().getAddresses())
        if (a.getType() == "InternalIP" && a.getAddress().size()) return a.getAddress();
  }
  return settings_.node_ip;
}

// The InternalIPs of Ready nodes: addresses other nodes' controllers put in a status stay while
// their node is alive.
std::set<std::string> Controller::live_addresses() const {
  std::set<std::string> out;
  if (!nodes_) return out;
  for (const auto& n : nodes_->list()) {
    auto node = n->as<core::v1::Node>();
    bool ready = false;
    for (auto c : node.getStatus().getConditions())
      if (c.getType() == "Ready" && c.getStatus() == "True") ready = true;
    if (!ready) continue;
    for (auto a : node.getStatus().getAddresses())
      if (a.getType() == "InternalIP") out.insert(a.getAddress());
  }
  return out;
}

void Controller::update_ingress_status(const std::vector<sdk::ObjectPtr>& handled) {
  if (!settings_.update_status) return;
  const std::string own = status_address();
  const auto live = live_addresses();
  for (const auto& obj : handled) {
    auto lbs = obj->as<networking::v1::Ingress>().getStatus().getLoadBalancer().getIngress();
    std::set<std::string> current, wanted;
    for (auto lb : lbs) current.insert(lb.getIp());
    for (const auto& ip : current)
      if (!ip.empty() && live.count(ip)) wanted.insert(ip);
    wanted.insert(own);
    if (wanted == current && static_cast<size_t>(lbs.size()) == current.size()) continue;
    json list = json::array();
    for (const auto& ip : wanted) list.push_back({{"ip", ip}});
    json patch = {{"status", {{"loadBalancer", {{"ingress", list}}}}}};
    auto r = client_.patch(kIngresses, obj->ns(), obj->name(), "merge", patch.dump(), "status");
    if (!r.status.ok() && !r.status.not_found())
      host_.warn("ingress-nginx: cannot update the status of Ingress " + obj->ns() + "/" + obj->name() + ": " + r.status.message);
  }
}

void Controller::remove_own_addresses() {
  const std::string own = status_address();
  for (const auto& obj : ingresses_->list()) {
    auto lbs = obj->as<networking::v1::Ingress>().getStatus().getLoadBalancer().getIngress();
    json list = json::array();
    bool found = false;
    for (auto lb : lbs) {
      if (lb.getIp() == own.c_str()) found = true;
      else list.push_back({{"ip", lb.getIp().cStr()}});
    }
    if (!found) continue;
    json patch = {{"status", {{"loadBalancer", {{"ingress", list}}}}}};
    client_.patch(kIngresses, obj->ns(), obj->name(), "merge", patch.dump(), "status");
  }
}

void Controller::update_gateway_status(const GatewayBuild& build, bool programmed) {
  if (!settings_.update_status) return;
  const std::string at = sdk::event_time_now();
  for (const auto& [obj, cond] : build.classes) {
    auto old = obj->as<gateway::v1::GatewayClass>().getStatus().getConditions();
    json conds = conditions_json({cond}, old, generation_of(obj), at);
    if (conds == stored_conditions(old)) continue;
    json patch = {{"status", {{"conditions", conds}}}};
    client_.patch(kGatewayClasses, "", obj->name(), "merge", patch.dump(), "status");
  }
  const std::string own = status_address();
  const auto live = live_addresses();
  for (const auto& gs : build.gateways) {
    auto gw = gs.object->as<gateway::v1::Gateway>();
    auto st = gw.getStatus();
    const int64_t gen = generation_of(gs.object);
    std::vector<ConditionState> conds = gs.conditions;
    if (gs.accepted) {
      const bool any = std::any_of(gs.listeners.begin(), gs.listeners.end(), [](const ListenerState& l) { return l.usable; });
      if (programmed && any) conds.push_back({"Programmed", "True", "Programmed", "The Gateway is served by nginx on this node"});
      else if (!any) conds.push_back({"Programmed", "False", "Invalid", "No listener of this Gateway can be served"});
      else conds.push_back({"Programmed", "False", "Pending", "nginx has not loaded the configuration yet"});
    } else {
      conds.push_back({"Programmed", "False", "Invalid", "The Gateway is not accepted"});
    }
    json status;
    status["conditions"] = conditions_json(conds, st.getConditions(), gen, at);
    json addresses = json::array();
    std::set<std::string> addr;
    for (auto a : st.getAddresses())
      if (live.count(a.getValue())) addr.insert(a.getValue());
    if (gs.accepted) addr.insert(own);
    for (const auto& a : addr) addresses.push_back({{"type", "IPAddress"}, {"value", a}});
    status["addresses"] = addresses;
    json listeners = json::array();
    for (const auto& l : gs.listeners) {
      capnp::List<gateway::v1::Condition>::Reader old;
      for (auto ol : st.getListeners())
        if (ol.getName() == l.name.c_str()) old = ol.getConditions();
      std::vector<ConditionState> lc = l.conditions;
      if (l.usable && programmed) lc.push_back({"Programmed", "True", "Programmed", "The listener is served by nginx"});
      else if (l.usable) lc.push_back({"Programmed", "False", "Pending", "nginx has not loaded the configuration yet"});
      else lc.push_back({"Programmed", "False", "Invalid", "The listener is not served"});
      json kinds = json::array();
      if (l.supports_http_route) kinds.push_back({{"group", "gateway.networking.k8s.io"}, {"kind", "HTTPRoute"}});
      listeners.push_back({{"name", l.name},
                           {"supportedKinds", kinds},
                           {"attachedRoutes", l.attached_routes},
                           {"conditions", conditions_json(lc, old, gen, at)}});
    }
    status["listeners"] = listeners;
    // Unchanged? Compare what would be written with what is stored.
    json stored;
    stored["conditions"] = stored_conditions(st.getConditions());
    json stored_addresses = json::array();
    for (auto a : st.getAddresses())
      stored_addresses.push_back({{"type", a.getType().isValue() ? a.getType().getValue().cStr() : "IPAddress"},
                                  {"value", a.getValue().cStr()}});
    stored["addresses"] = stored_addresses;
    json stored_listeners = json::array();
    for (auto ol : st.getListeners()) {
      json kinds = json::array();
      for (auto k : ol.getSupportedKinds())
        kinds.push_back({{"group", k.getGroup().isValue() ? k.getGroup().getValue().cStr() : ""}, {"kind", k.getKind().cStr()}});
      stored_listeners.push_back({{"name", ol.getName().cStr()},
                                  {"supportedKinds", kinds},
                                  {"attachedRoutes", ol.getAttachedRoutes().isValue() ? ol.getAttachedRoutes().getValue() : 0},
                                  {"conditions", stored_conditions(ol.getConditions())}});
    }
    stored["listeners"] = stored_listeners;
    if (stored == status) continue;
    auto r = client_.patch(kGateways, gs.object->ns(), gs.object->name(), "merge", json({{"status", status}}).dump(), "status");
    if (!r.status.ok() && !r.status.not_found())
      host_.warn("ingress-nginx: cannot update the status of Gateway " + gs.object->ns() + "/" + gs.object->name() + ": " +
                 r.status.message);
  }
  for (const auto& rs : build.routes) {
    auto route = rs.object->as<gateway::v1::HTTPRoute>();
    const int64_t gen = generation_of(rs.object);
    auto refs = route.getSpec().getParentRefs();
    json parents = json::array(), stored = json::array();
    auto ref_json = [](gateway::v1::ParentReference::Reader p) {
      json j = {{"name", p.getName().cStr()}};
      if (p.getGroup().isValue()) j["group"] = p.getGroup().getValue().cStr();
      if (p.getKind().isValue()) j["kind"] = p.getKind().getValue().cStr();
      if (p.getNamespace().isValue()) j["namespace"] = p.getNamespace().getValue().cStr();
      if (p.getSectionName().isValue()) j["sectionName"] = p.getSectionName().getValue().cStr();
      if (p.getPort().isValue()) j["port"] = p.getPort().getValue();
      return j;
    };
    // Entries written by other controllers stay.
    for (auto p : route.getStatus().getParents()) {
      json entry = {{"parentRef", ref_json(p.getParentRef())},
                    {"controllerName", p.getControllerName().cStr()},
                    {"conditions", stored_conditions(p.getConditions())}};
      stored.push_back(entry);
      if (p.getControllerName() != settings_.gateway_controller.c_str()) parents.push_back(entry);
    }
    for (const auto& ps : rs.parents) {
      auto ref = refs[static_cast<unsigned>(ps.parent_index)];
      capnp::List<gateway::v1::Condition>::Reader old;
      for (auto p : route.getStatus().getParents())
        if (p.getControllerName() == settings_.gateway_controller.c_str() && ref_json(p.getParentRef()) == ref_json(ref))
          old = p.getConditions();
      parents.push_back({{"parentRef", ref_json(ref)},
                         {"controllerName", settings_.gateway_controller},
                         {"conditions", conditions_json(ps.conditions, old, gen, at)}});
    }
    if (parents == stored) continue;
    json patch = {{"status", {{"parents", parents}}}};
    auto r = client_.patch(kHTTPRoutes, rs.object->ns(), rs.object->name(), "merge", patch.dump(), "status");
    if (!r.status.ok() && !r.status.not_found())
      host_.warn("ingress-nginx: cannot update the status of HTTPRoute " + rs.object->ns() + "/" + rs.object->name() + ": " +
                 r.status.message);
  }
}

// Events for problems that are new since the last sync (a problem that stays is told once).
void Controller::report(const std::vector<Issue>& issues, const Snapshot& snapshot) {
  // Events name their object with its uid, or kubectl describe does not show them.
  auto uid_of = [&](const Source& s) -> std::string {
    const auto& list = s.kind == "Ingress" ? snapshot.ingresses : s.kind == "HTTPRoute" ? snapshot.http_routes : snapshot.gateways;
    for (const auto& o : list)
      if (o->ns() == s.ns && o->name() == s.name) return o->uid();
    return "";
  };
  std::set<std::string> now;
  for (const auto& i : issues) {
    const std::string key = i.source.key() + "|" + i.reason + "|" + i.message;
    now.insert(key);
    if (last_issues_.count(key)) continue;
    auto ref = ref_of(i.source);
    ref.uid = uid_of(i.source);
    events_.record(ref, i.type, i.reason, i.message);
    host_.warn("ingress-nginx: " + i.source.key() + ": " + i.message);
  }
  last_issues_ = std::move(now);
}

void Controller::write_state(const std::string& last_error) {
  json state = {{"configurationHash", applied_hash_},
                {"reloads", nginx_.reloads()},
                {"restarts", nginx_.restarts()},
                {"nginxPid", nginx_.pid()},
                {"statusPort", status_port_},
                {"lastError", last_error}};
  try {
    write_file_atomically(nginx_.dir() + "/state.json", state.dump(2) + "\n");
  } catch (...) {
  }
}

void Controller::sync() {
  if (stopping_) return;
  for (auto* inf : {ingresses_.get(), ingress_classes_.get(), services_.get(), slices_.get(), secrets_.get(), nodes_.get(),
                    gateway_classes_.get(), gateways_.get(), http_routes_.get(), namespaces_.get()})
    if (inf && !inf->has_synced()) {
      runner_->request();  // the first configuration waits for complete caches
      return;
    }
  std::unique_lock lock(sync_mu_);
  ensure_ingress_class();

  // nginx supervision: a master that died is started again with the last good configuration.
  std::string what;
  if (nginx_.supervise(what)) {
    host_.warn("ingress-nginx: " + what + "; restarted it with the last good configuration");
    applied_hash_.clear();  // re-applied below, which also waits until it serves
  }

  const Snapshot full = snapshot();
  std::map<std::string, sdk::ObjectPtr> secrets;
  for (const auto& s : full.secrets) secrets[s->ns() + "/" + s->name()] = s;
  CertLookup certs = [&](const std::string& ns, const std::string& name) { return certificate(ns, name, secrets); };

  std::set<std::string> excluded;
  for (auto it = known_bad_.begin(); it != known_bad_.end();) {
    const auto a = it->first.find('/'), b = it->first.find('/', a + 1);
    const Source src{it->first.substr(0, a), it->first.substr(a + 1, b - a - 1), it->first.substr(b + 1)};
    if (revision_of(full, src) == it->second.first) {
      excluded.insert(it->first);
      ++it;
    } else {
      it = known_bad_.erase(it);  // changed or deleted: tried again
    }
  }
  std::vector<Issue> issues;
  IngressBuild ingress_build;
  GatewayBuild gateway_build;
  bool programmed = false;
  std::string error;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const Snapshot snap = without(full, excluded);
    Model model;
    model.status_port = status_port_;
    model.listen_addresses = settings_.listen_addresses;
    default_certificate(secrets, model);
    // The Ingress ports are always served (with a catch-all 404 server).
    model.ports[settings_.http_port].number = settings_.http_port;
    model.ports[settings_.https_port] = Port{settings_.https_port, true, true, {}};
    ingress_build = build_ingresses(snap, settings_, certs, model);
    auto port_available = [&](int port) {
      if (applied_ports_.count(port)) return true;
      for (const auto& a : settings_.listen_addresses)
        if (!port_is_free(a, port)) return false;
      return true;
    };
    gateway_build = gateway_api_ ? build_gateways(snap, settings_, certs, port_available, model) : GatewayBuild{};
    RenderOptions opts;
    opts.dir = nginx_.dir();
    opts.set_user = geteuid() == 0;
    opts.worker_processes = settings_.worker_processes;
    opts.access_log = settings_.access_log;
    opts.https_redirect_port = settings_.https_port;
    const Rendered rendered = render(model, opts);
    issues = ingress_build.issues;
    issues.insert(issues.end(), gateway_build.issues.begin(), gateway_build.issues.end());

    if (rendered.hash == applied_hash_ && nginx_.running()) {
      programmed = true;  // endpoint churn and status-only changes end here: nothing to reload
      error.clear();
      break;
    }
    const std::string candidate = nginx_.dir() + "/nginx.conf.new";
    write_file_atomically(candidate, rendered.text);
    auto tested = nginx_.test(candidate);
    if (!tested.ok) {
      const Source* culprit = tested.error_line ? rendered.source_of_line(tested.error_line) : nullptr;
      // nginx's message without the file and line (which move as other objects change).
      std::string output = std::regex_replace(tested.output, std::regex(" in [^ ]*nginx\\.conf\\.new:[0-9]+"), "");
      output = std::regex_replace(output, std::regex("nginx: configuration file [^ ]* test failed"), "");
      while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
      for (auto& c : output)
        if (c == '\n') c = ' ';
      if (culprit && !excluded.count(culprit->key())) {
        // Leave the object out and try again: the rest keeps working. Remembered with the
        // object's revision, so the next syncs leave it out without testing it again.
        excluded.insert(culprit->key());
        known_bad_[culprit->key()] = {revision_of(full, *culprit), output};
        continue;
      }
      // Nobody to blame: keep serving the last good configuration.
      error = "nginx -t rejected the new configuration: " + output;
      std::set<std::string> dirty;
      {
        std::lock_guard dl(dirty_mu_);
        dirty = dirty_;
      }
      for (const auto& key : dirty) {
        const auto a = key.find('/'), b = key.find('/', a + 1);
        issues.push_back({Source{key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1)}, "Warning", "RELOAD",
                          "Error reloading NGINX: " + output + "; the last good configuration keeps serving"});
      }
      break;
    }
    std::string apply_error;
    if (nginx_.apply(candidate, rendered.hash, status_port_, std::chrono::seconds(10), apply_error)) {
      applied_hash_ = rendered.hash;
      configured_ = true;
      applied_ports_.clear();
      for (const auto& [port, p] : model.ports) applied_ports_.insert(port);
      programmed = true;
      {
        std::lock_guard dl(dirty_mu_);
        dirty_.clear();
      }
      error.clear();
      host_.info("ingress-nginx: nginx serves configuration " + rendered.hash + " (reload " +
                 std::to_string(nginx_.reloads()) + ")");
      // Certificate files no longer referenced are removed.
      for (auto& f : fs::directory_iterator(nginx_.dir() + "/certs")) {
        const std::string p = f.path().string();
        if (p.find("fallback.") == std::string::npos && rendered.text.find(p) == std::string::npos) fs::remove(f.path());
      }
    } else {
      error = apply_error;
      applied_hash_.clear();
      host_.warn("ingress-nginx: " + apply_error);
    }
    break;
  }
  // The objects left out because nginx rejected what they produce.
  for (const auto& key : excluded) {
    const auto a = key.find('/'), b = key.find('/', a + 1);
    issues.push_back({Source{key.substr(0, a), key.substr(a + 1, b - a - 1), key.substr(b + 1)}, "Warning", "RELOAD",
                      "Error reloading NGINX: nginx -t rejects the configuration made from this object (" +
                          known_bad_[key].second + "); it is left out, the rest is served"});
  }
  // "Sync" events for Ingresses seen for the first time or changed, as ingress-nginx sends them.
  for (const auto& obj : ingress_build.handled) {
    const std::string key = obj->ns() + "/" + obj->name() + "/" + obj->uid();
    const int64_t gen = generation_of(obj);
    auto it = seen_generation_.find(key);
    if (it != seen_generation_.end() && it->second == gen) continue;
    seen_generation_[key] = gen;
    if (programmed && !excluded.count("Ingress/" + obj->ns() + "/" + obj->name()))
      events_.record(obj, sdk::kEventTypeNormal, "Sync", "Scheduled for sync");
  }
  lock.unlock();
  report(issues, full);
  if (programmed) update_ingress_status(ingress_build.handled);
  if (gateway_api_) update_gateway_status(gateway_build, programmed);
  write_state(error);
}

}  // namespace capstan::ingress
