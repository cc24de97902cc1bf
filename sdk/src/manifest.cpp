#include "capstan/manifest.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <set>

#include "capstan/machinery/message.hpp"
#include "capstan/plugin.capnp.h"

namespace capstan::sdk {

namespace {

// Every struct/enum node reachable from `schema` (groups are nodes of their own).
void collect(capnp::Schema schema, std::set<uint64_t>& seen, std::vector<capnp::Schema>& out) {
  if (!seen.insert(schema.getProto().getId()).second) return;
  out.push_back(schema);
  if (!schema.getProto().isStruct()) return;
  for (auto field : schema.asStruct().getFields()) {
    capnp::Type type = field.getType();
    while (type.isList()) type = type.asList().getElementType();
    if (type.isStruct()) collect(type.asStruct(), seen, out);
    else if (type.isEnum()) collect(type.asEnum(), seen, out);
  }
}

}  // namespace

std::string ManifestBuilder::build() const {
  capnp::MallocMessageBuilder message;
  auto manifest = message.initRoot<capstan::plugin::PluginManifest>();
  manifest.setDescription(description_);
  std::set<uint64_t> seen;
  std::vector<capnp::Schema> nodes;
  auto kinds = manifest.initKinds(static_cast<unsigned>(kinds_.size()));
  for (unsigned i = 0; i < kinds_.size(); ++i) {
    const KindSpec& k = kinds_[i];
    auto b = kinds[i];
    b.setGroup(k.group);
    b.setVersion(k.version);
    b.setKind(k.kind);
    b.setPlural(k.plural);
    b.setSingular(k.singular);
    auto sn = b.initShortNames(static_cast<unsigned>(k.short_names.size()));
    for (unsigned j = 0; j < k.short_names.size(); ++j) sn.set(j, k.short_names[j]);
    auto cat = b.initCategories(static_cast<unsigned>(k.categories.size()));
    for (unsigned j = 0; j < k.categories.size(); ++j) cat.set(j, k.categories[j]);
    b.setNamespaced(k.namespaced);
    b.setRootStructId(k.schema.getProto().getId());
    auto subs = b.initSubresources(static_cast<unsigned>(k.subresources.size()));
    for (unsigned j = 0; j < k.subresources.size(); ++j) {
      const auto& s = k.subresources[j];
      subs[j].setName(s.name);
      subs[j].setKind(s.kind);
      subs[j].setGroup(s.group);
      subs[j].setVersion(s.version);
      subs[j].setConnect(s.connect);
      subs[j].setDeletes(s.deletes);
      subs[j].setAssigns(s.assigns);
      auto verbs = subs[j].initVerbs(static_cast<unsigned>(s.verbs.size()));
      for (unsigned v = 0; v < s.verbs.size(); ++v) verbs.set(v, s.verbs[v]);
    }
    auto cols = b.initPrinterColumns(static_cast<unsigned>(k.printer_columns.size()));
    for (unsigned j = 0; j < k.printer_columns.size(); ++j) {
      const auto& c = k.printer_columns[j];
      cols[j].setName(c.name);
      cols[j].setType(c.type);
      cols[j].setFormat(c.format);
      cols[j].setDescription(c.description);
      cols[j].setPriority(c.priority);
      cols[j].setJsonPath(c.json_path);
      cols[j].setComputed(c.computed);
    }
    auto sel = b.initSelectableFields(static_cast<unsigned>(k.selectable_fields.size()));
    for (unsigned j = 0; j < k.selectable_fields.size(); ++j) sel.set(j, k.selectable_fields[j]);
    b.setAdmission(k.admission);
    b.setStatusField(k.status_field);
    b.setNamespaceScope(k.namespace_scope);
    b.setNameRule(k.name_rule);
    b.setTransient(k.transient);
    if (k.scale) {
      auto s = b.initScale();
      s.setSpecReplicasPath(k.scale->spec_replicas_path);
      s.setStatusReplicasPath(k.scale->status_replicas_path);
      s.setLabelSelectorPath(k.scale->label_selector_path);
    }
    collect(k.schema, seen, nodes);
  }
  auto list = manifest.initSchemaNodes(static_cast<unsigned>(nodes.size()));
  for (unsigned i = 0; i < nodes.size(); ++i) list.setWithCaveats(i, nodes[i].getProto());
  manifest.setAuthorizer(authorizer_);
  manifest.setAuthorizerOrder(authorizer_order_);
  auto hooks = manifest.initAdmissionHooks(static_cast<unsigned>(hooks_.size()));
  auto texts = [](auto list, const std::vector<std::string>& from) {
    for (unsigned i = 0; i < from.size(); ++i) list.set(i, from[i]);
  };
  for (unsigned i = 0; i < hooks_.size(); ++i) {
    const auto& h = hooks_[i];
    hooks[i].setName(h.name);
    hooks[i].setMutating(h.mutating);
    hooks[i].setOrder(h.order);
    auto rules = hooks[i].initRules(static_cast<unsigned>(h.rules.size()));
    for (unsigned r = 0; r < h.rules.size(); ++r) {
      texts(rules[r].initGroups(static_cast<unsigned>(h.rules[r].groups.size())), h.rules[r].groups);
      texts(rules[r].initResources(static_cast<unsigned>(h.rules[r].resources.size())), h.rules[r].resources);
      texts(rules[r].initOperations(static_cast<unsigned>(h.rules[r].operations.size())), h.rules[r].operations);
    }
  }
  return machinery::serialize(message);
}

}  // namespace capstan::sdk
