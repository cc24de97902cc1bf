#pragma once
// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/) at the level of
// tags, varints and length-delimited bytes: a bounds-checked reader for untrusted input and the
// writer helpers the Kubernetes codec builds on. Nothing here knows about schemas.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace capstan::schema::pb {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

const char* wire_type_name(WireType t);

// Field numbers are 1 .. 2^29-1.
inline constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;

// One field as read off the wire. For kVarint, kFixed64 and kFixed32 `value` holds the number;
// for kLen `bytes` is the payload (a view into the input). Groups are skipped whole by the reader
// and reported with `bytes` spanning their contents.
struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;
  std::string_view bytes;
};

// Reads fields one after another from a message's bytes. Every length is checked against the
// end of the input; a malformed message stops the reader with a message in error().
class Reader {
 public:
  explicit Reader(std::string_view data, size_t max_group_depth = 64)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()), max_group_depth_(max_group_depth) {}

  // False at the end of the input or on an error (then error() is non-empty).
  bool next(Field& f);
  const std::string& error() const { return error_; }
  bool at_end() const { return p_ == end_; }

 private:
  bool read_varint(uint64_t& v);
  bool skip_group(uint32_t number, size_t depth);
  bool fail(std::string message);

  const uint8_t* p_;
  const uint8_t* end_;
  size_t max_group_depth_;
  std::string error_;
};

// Decodes one varint from the start of `data`; returns the bytes used, 0 when truncated or longer
// than 10 bytes.
size_t decode_varint(std::string_view data, uint64_t& v);

// ---- writing --------------------------------------------------------------------------------

void put_varint(std::string& out, uint64_t v);
void put_tag(std::string& out, uint32_t number, WireType type);
inline void put_varint_field(std::string& out, uint32_t number, uint64_t v) {
  put_tag(out, number, WireType::kVarint);
  put_varint(out, v);
}
// int32 and int64 travel as their 64-bit two's complement (a negative int32 takes 10 bytes).
inline void put_int_field(std::string& out, uint32_t number, int64_t v) {
  put_varint_field(out, number, static_cast<uint64_t>(v));
}
void put_bytes_field(std::string& out, uint32_t number, std::string_view bytes);
void put_fixed64_field(std::string& out, uint32_t number, uint64_t bits);
void put_fixed32_field(std::string& out, uint32_t number, uint32_t bits);

// A nested message written in place: begin() writes the tag and reserves one byte for the length,
// end() fills the length in, moving the body when it needs more than one byte. Lengths are
// minimal varints, so the output equals what other encoders write.
size_t begin_message(std::string& out, uint32_t number);
void end_message(std::string& out, size_t mark);

}  // namespace capstan::schema::pb
