#include "capstan/machinery/codec/schema_annotations.hpp"

namespace capstan::schema {

bool has_annotation(capnp::List<capnp::schema::Annotation>::Reader annotations, uint64_t id) {
  for (auto a : annotations) {
    if (a.getId() == id) return true;
  }
  return false;
}

std::optional<std::string> text_annotation(capnp::List<capnp::schema::Annotation>::Reader annotations,
                                           uint64_t id) {
  for (auto a : annotations) {
    if (a.getId() == id && a.getValue().isText()) return std::string(a.getValue().getText().cStr());
  }
  return std::nullopt;
}

}  // namespace capstan::schema
