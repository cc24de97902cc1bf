#include "api/object_draft.hpp"

#include <cstring>

#include "capstan/machinery/object_rules.hpp"

namespace capstan::api {

namespace {

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  return options;
}

kj::Array<capnp::word> aligned_copy(std::string_view bytes) {
  auto words = kj::heapArray<capnp::word>((bytes.size() + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  if (!bytes.empty()) {
    words.back() = capnp::word();
    std::memcpy(words.begin(), bytes.data(), bytes.size());
  }
  return words;
}

}  // namespace

ObjectDraft::ObjectDraft(const schema::Kind& kind)
    : kind_(&kind), message_(std::make_unique<capnp::MallocMessageBuilder>()),
      root_(message_->initRoot<capnp::DynamicStruct>(kind.schema)) {}

ObjectDraft ObjectDraft::copy_of(const schema::Kind& kind, std::string_view bytes) {
  auto words = aligned_copy(bytes);
  capnp::FlatArrayMessageReader reader(words, reader_options());
  auto source = reader.getRoot<capnp::DynamicStruct>(kind.schema);
  ObjectDraft out(kind);
  auto size = source.totalSize().wordCount;
  out.message_ = std::make_unique<capnp::MallocMessageBuilder>(static_cast<unsigned>(std::min<uint64_t>(size + 8, 1u << 20)));
  out.message_->setRoot(source);
  out.root_ = out.message_->getRoot<capnp::DynamicStruct>(kind.schema);
  return out;
}

meta::ObjectMeta::Builder ObjectDraft::meta() { return machinery::metadata(root_); }
meta::ObjectMeta::Reader ObjectDraft::meta() const { return machinery::metadata(root_.asReader()); }

std::string ObjectDraft::name() const {
  auto m = meta();
  return m.hasName() ? std::string(m.getName().cStr()) : std::string();
}

std::string ObjectDraft::bytes() const {
  auto words = capnp::messageToFlatArray(*message_);
  auto b = words.asBytes();
  return std::string(reinterpret_cast<const char*>(b.begin()), b.size());
}

void ObjectDraft::replace(std::string_view bytes) {
  *this = copy_of(*kind_, bytes);
  replaced_ = true;
}

ObjectDraft ObjectDraft::compacted() const {
  ObjectDraft out(*kind_);
  auto size = root_.asReader().totalSize().wordCount;
  out.message_ = std::make_unique<capnp::MallocMessageBuilder>(static_cast<unsigned>(std::min<uint64_t>(size + 8, 1u << 20)));
  out.message_->setRoot(root_.asReader());
  out.root_ = out.message_->getRoot<capnp::DynamicStruct>(kind_->schema);
  return out;
}

StoredView::StoredView(const store::Object& object, capnp::StructSchema schema) {
  const auto* data = object.bytes.data();
  kj::ArrayPtr<const capnp::word> words;
  if (reinterpret_cast<uintptr_t>(data) % alignof(capnp::word) == 0) {
    words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(data), object.bytes.size() / sizeof(capnp::word));
  } else {
    copy_ = aligned_copy(object.bytes);
    words = copy_.asPtr();
  }
  reader_ = std::make_unique<capnp::FlatArrayMessageReader>(words, reader_options());
  root_ = reader_->getRoot<capnp::DynamicStruct>(schema);
}

meta::ObjectMeta::Reader StoredView::meta() const { return machinery::metadata(root_); }

}  // namespace capstan::api
