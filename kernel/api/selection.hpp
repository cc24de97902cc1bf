#pragma once
// Which objects a list or watch selects: a namespace, a label selector and a field selector —
// kube-apiserver's SelectionPredicate, in one place for the HTTP API and for plugins. For watches
// it also says what an event becomes for the watcher: an object that starts matching is ADDED to
// it, one that stops matching is DELETED from it, as a watch with selectors behaves upstream.

#include <optional>
#include <string>

#include "capstan/machinery/selectors/field_selector.hpp"
#include "capstan/machinery/selectors/label_selector.hpp"
#include "schema/kind_registry.hpp"
#include "store/object.hpp"

namespace capstan::api {

struct Selection {
  std::string ns;  // empty: every namespace
  selectors::LabelSelector labels;
  selectors::FieldSelector fields;

  // Parses the selectors; throws ApiError(400) for a bad one or a field the kind cannot be
  // selected by.
  static Selection parse(const schema::Kind& kind, std::string ns, const std::string& label_selector,
                         const std::string& field_selector);

  bool selects_everything() const { return labels.empty() && fields.empty(); }
  bool matches(const store::Object& object) const;
  // The event a watcher with this selection receives for `e`, or nothing.
  std::optional<store::EventType> filter(const store::Event& e) const;
};

}  // namespace capstan::api
