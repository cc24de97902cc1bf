#include "capstan/client.hpp"

#include <capnp/serialize.h>

#include <cstring>

#include "capstan/host.capnp.h"

namespace capstan::sdk {

namespace {

void set_resource(capstan::host::ResourceRef::Builder b, const Resource& r) {
  b.setGroup(r.group);
  b.setVersion(r.version);
  b.setResource(r.resource);
}

kj::Array<capnp::word> aligned(const std::string& bytes) {
  auto words = kj::heapArray<capnp::word>((bytes.size() + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

Status to_status(capstan::host::Status::Reader s) {
  Status out;
  out.code = s.getCode() == 0 ? 200 : s.getCode();
  out.reason = s.getReason();
  out.message = s.getMessage();
  return out;
}

capnp::Data::Reader as_data(const std::string& bytes) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size());
}

}  // namespace

GetResult Client::object_call(capnp::MessageBuilder& request) const {
  std::string response = host_.call(serialize(request));
  auto words = aligned(response);
  capnp::FlatArrayMessageReader reader(words);
  auto r = reader.getRoot<capstan::host::HostResponse>();
  GetResult out;
  out.status = to_status(r.getStatus());
  if (out.status.ok() && r.hasObject()) {
    auto d = r.getObject();
    out.object = Object::from_bytes(d.begin(), d.size(), r.getResourceVersion());
  }
  return out;
}

GetResult Client::get(const Resource& r, const std::string& ns, const std::string& name) const {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  req.setName(name);
  req.setGet();
  return object_call(m);
}

ListResult Client::list(const Resource& r, const std::string& ns, const std::string& label_selector,
                        const std::string& field_selector) const {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  auto l = req.initList();
  l.setLabelSelector(label_selector);
  l.setFieldSelector(field_selector);
  std::string response = host_.call(serialize(m));
  auto words = aligned(response);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 40;
  capnp::FlatArrayMessageReader reader(words, options);
  auto resp = reader.getRoot<capstan::host::HostResponse>();
  ListResult out;
  out.status = to_status(resp.getStatus());
  out.revision = resp.getResourceVersion();
  for (auto item : resp.getItems()) out.items.push_back(Object::from_bytes(item.begin(), item.size()));
  return out;
}

GetResult Client::create(const Resource& r, const std::string& ns, capnp::MessageBuilder& object) const {
  std::string bytes = serialize(object);
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  req.setCreate(as_data(bytes));
  req.setFieldManager(field_manager_);
  return object_call(m);
}

GetResult Client::update(const Resource& r, const std::string& ns, const std::string& name,
                         capnp::MessageBuilder& object, const std::string& subresource) const {
  std::string bytes = serialize(object);
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  req.setName(name);
  auto u = req.initUpdate();
  u.setObject(as_data(bytes));
  u.setSubresource(subresource);
  req.setFieldManager(field_manager_);
  return object_call(m);
}

GetResult Client::patch(const Resource& r, const std::string& ns, const std::string& name,
                        const std::string& patch_type, const std::string& body, const std::string& subresource) const {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  req.setName(name);
  auto p = req.initPatch();
  p.setPatchType(patch_type);
  p.setBody(body);
  p.setSubresource(subresource);
  req.setFieldManager(field_manager_);
  return object_call(m);
}

Status Client::remove(const Resource& r, const std::string& ns, const std::string& name,
                      const std::string& propagation_policy, const std::string& uid_precondition,
                      int64_t grace_period_seconds) const {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  req.setName(name);
  auto d = req.initDelete();
  d.setPropagationPolicy(propagation_policy);
  d.setPreconditionUid(uid_precondition);
  d.setGracePeriodSeconds(grace_period_seconds);
  return object_call(m).status;
}

Status Client::post_subresource(const Resource& r, const std::string& ns, const std::string& name,
                                const std::string& subresource, const std::string& body) const {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  set_resource(req.initResource(), r);
  req.setNamespace(ns);
  req.setName(name);
  auto p = req.initPostSubresource();
  p.setSubresource(subresource);
  p.setBody(body);
  req.setFieldManager(field_manager_);
  return object_call(m).status;
}

std::vector<KindSummary> Client::kinds() const {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::HostRequest>();
  req.setListKinds();
  std::string response = host_.call(serialize(m));
  auto words = aligned(response);
  capnp::FlatArrayMessageReader reader(words);
  std::vector<KindSummary> out;
  for (auto k : reader.getRoot<capstan::host::HostResponse>().getKinds())
    out.push_back({k.getGroup(), k.getVersion(), k.getKind(), k.getPlural(), k.getNamespaced(), k.getTransient()});
  return out;
}

}  // namespace capstan::sdk
