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

std::optional<uint64_t> uint_annotation(capnp::List<capnp::schema::Annotation>::Reader annotations, uint64_t id) {
  for (auto a : annotations) {
    if (a.getId() != id) continue;
    auto v = a.getValue();
    switch (v.which()) {
      case capnp::schema::Value::UINT8: return v.getUint8();
      case capnp::schema::Value::UINT16: return v.getUint16();
      case capnp::schema::Value::UINT32: return v.getUint32();
      case capnp::schema::Value::UINT64: return v.getUint64();
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace capstan::schema
