#include "capstan/controller_history.hpp"

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "capstan/apps_v1.capnp.h"
#include "capstan/hash.hpp"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/selectors.hpp"

namespace capstan::sdk {

using apps::v1::ControllerRevision;
using json = nlohmann::json;

namespace {

const schema::SchemaModel& model() {
  static schema::SchemaModel m;
  return m;
}

std::string label(const ObjectPtr& obj, const char* key) {
  for (auto l : obj->metadata().getLabels())
    if (l.getKey() == key) return l.getValue();
  return "";
}

std::string controller_uid(const ObjectPtr& obj) {
  for (auto o : obj->metadata().getOwnerReferences())
    if (o.getController().isValue() && o.getController().getValue()) return o.getUid();
  return "";
}

int64_t revision_of(const ObjectPtr& cr) {
  auto r = cr->as<ControllerRevision>().getRevision();
  return r.isValue() ? r.getValue() : 0;
}

RevisionInfo info_of(const ObjectPtr& cr) { return {cr->name(), revision_of(cr), label(cr, kControllerRevisionHashLabel)}; }

json parsed_data(const ObjectPtr& cr) {
  return json::parse(std::string(cr->as<ControllerRevision>().getData().cStr()), nullptr, false);
}

}  // namespace

std::vector<std::string> revisions_to_delete(std::vector<RevisionInfo> old, int32_t limit, const std::set<std::string>& live) {
  std::vector<std::string> out;
  int to_kill = static_cast<int>(old.size()) - std::max<int32_t>(limit, 0);
  if (to_kill <= 0) return out;
  std::sort(old.begin(), old.end(), [](const RevisionInfo& a, const RevisionInfo& b) { return a.revision < b.revision; });
  for (const auto& r : old) {
    if (to_kill <= 0) break;
    if (live.count(r.hash) || live.count(r.name)) continue;
    out.push_back(r.name);
    --to_kill;
  }
  return out;
}

std::string template_revision_data(core::v1::PodTemplateSpec::Reader tmpl) {
  capnp::DynamicStruct::Reader t = tmpl;
  json j = schema::JsonCodec(model()).encode(t);
  j["$patch"] = "replace";
  return json{{"spec", {{"template", j}}}}.dump();
}

ControllerHistory::ControllerHistory(const Client& client, const Informer& revisions, std::string owner_api_version,
                                     std::string owner_kind)
    : client_(client), revisions_(revisions), api_version_(std::move(owner_api_version)), kind_(std::move(owner_kind)) {}

bool ControllerHistory::adopt(const ObjectPtr& revision, const ObjectPtr& owner) const {
  json refs = json::array();
  for (auto o : revision->metadata().getOwnerReferences()) {
    json j{{"apiVersion", o.getApiVersion().cStr()}, {"kind", o.getKind().cStr()}, {"name", o.getName().cStr()},
           {"uid", o.getUid().cStr()}};
    if (o.getController().isValue()) j["controller"] = o.getController().getValue();
    if (o.getBlockOwnerDeletion().isValue()) j["blockOwnerDeletion"] = o.getBlockOwnerDeletion().getValue();
    refs.push_back(j);
  }
  refs.push_back({{"apiVersion", api_version_}, {"kind", kind_}, {"name", owner->name()}, {"uid", owner->uid()},
                  {"controller", true}, {"blockOwnerDeletion", true}});
  json body;
  body["metadata"]["resourceVersion"] = revision->metadata().getResourceVersion().cStr();
  body["metadata"]["ownerReferences"] = refs;
  return client_.patch(machinery::kControllerRevisions, revision->ns(), revision->name(), "merge", body.dump()).status.ok();
}

std::optional<ControllerHistory::Result> ControllerHistory::sync(const ObjectPtr& owner, meta::LabelSelector::Reader selector,
                                                                  core::v1::PodTemplateSpec::Reader tmpl,
                                                                  std::optional<int32_t> collisions, std::string* error) const {
  const std::string data_text = template_revision_data(tmpl);
  const json data = json::parse(data_text);
  const bool owner_deleting = owner->metadata().hasDeletionTimestamp();
  std::vector<ObjectPtr> current;
  Result out;
  for (const auto& cr : revisions_.list(owner->ns())) {
    const std::string uid = controller_uid(cr);
    if (uid.empty()) {
      // An orphan revision matching the selector is adopted (ControllerRevisionControllerRefManager).
      if (owner_deleting || selector_empty(selector) || !selector_matches(selector, labels_of(cr->metadata().getLabels())))
        continue;
      if (!adopt(cr, owner)) continue;
    } else if (uid != owner->uid()) {
      continue;
    }
    if (parsed_data(cr) == data) current.push_back(cr);
    else out.old.push_back(info_of(cr));
  }
  int64_t next = 1;
  for (const auto& o : out.old) next = std::max(next, o.revision + 1);
  if (!current.empty()) {
    // Several revisions with the current data (dedupCurHistories): the newest one counts.
    auto cur = *std::max_element(current.begin(), current.end(),
                                 [](const auto& a, const auto& b) { return revision_of(a) < revision_of(b); });
    for (const auto& c : current)
      if (c != cur) out.old.push_back(info_of(c));
    out.current = info_of(cur);
    if (revision_of(cur) < next) {
      // The template went back to an old one: its revision becomes the newest.
      capnp::MallocMessageBuilder m;
      m.setRoot(cur->as<ControllerRevision>());
      m.getRoot<ControllerRevision>().getRevision().setValue(next);
      auto r = client_.update(machinery::kControllerRevisions, cur->ns(), cur->name(), m);
      if (!r.status.ok()) {
        *error = "cannot renumber controllerrevision " + cur->name() + ": " + r.status.message;
        return std::nullopt;
      }
      out.current.revision = next;
    }
    return out;
  }
  // snapshot: a new revision named after the template's hash.
  auto words = capnp::canonicalize(tmpl);
  auto bytes = words.asBytes();
  const std::string hash = compute_hash(std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), collisions);
  const std::string name = owner->name() + "-" + hash;
  capnp::MallocMessageBuilder m;
  auto cr = m.initRoot<ControllerRevision>();
  cr.setApiVersion("apps/v1");
  cr.setKind("ControllerRevision");
  auto md = cr.initMetadata();
  md.setName(name);
  md.setNamespace(owner->ns());
  auto labels = labels_of(tmpl.getMetadata().getLabels());
  labels[kControllerRevisionHashLabel] = hash;
  auto list = md.initLabels(static_cast<unsigned>(labels.size()));
  unsigned i = 0;
  for (const auto& [k, v] : labels) {
    list[i].setKey(k);
    list[i++].setValue(v);
  }
  auto refs = md.initOwnerReferences(1);
  refs[0].setApiVersion(api_version_);
  refs[0].setKind(kind_);
  refs[0].setName(owner->name());
  refs[0].setUid(owner->uid());
  refs[0].getController().setValue(true);
  refs[0].getBlockOwnerDeletion().setValue(true);
  cr.setData(data_text);
  cr.getRevision().setValue(next);
  out.current = {name, next, hash};
  auto r = client_.create(machinery::kControllerRevisions, owner->ns(), m);
  if (r.status.ok()) return out;
  if (!r.status.already_exists()) {
    *error = "cannot create controllerrevision " + name + ": " + r.status.message;
    return std::nullopt;
  }
  // The name is taken: ours (the cache is behind) or a hash collision.
  auto got = client_.get(machinery::kControllerRevisions, owner->ns(), name);
  if (got.status.ok() && controller_uid(got.object) == owner->uid() && parsed_data(got.object) == data) {
    out.current.revision = revision_of(got.object);
    return out;
  }
  Result collided;
  collided.collision = true;
  return collided;
}

}  // namespace capstan::sdk
