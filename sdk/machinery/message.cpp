#include "capstan/machinery/message.hpp"

#include <cstring>

namespace capstan::machinery {

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kTraversalLimitWords;
  return options;
}

kj::Array<capnp::word> aligned_words(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>((size + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  if (words.size() > 0) {
    std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
    std::memcpy(words.begin(), data, size);
  }
  return words;
}

MessageReader::MessageReader(const void* data, size_t size)
    : words_(aligned_words(data, size)), reader_(words_, reader_options()) {}

std::string serialize(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace capstan::machinery
