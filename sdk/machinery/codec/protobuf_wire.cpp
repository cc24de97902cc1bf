#include "capstan/machinery/codec/protobuf_wire.hpp"

#include <cstring>

namespace capstan::schema::pb {

const char* wire_type_name(WireType t) {
  switch (t) {
    case WireType::kVarint: return "varint";
    case WireType::kFixed64: return "fixed64";
    case WireType::kLen: return "length-delimited";
    case WireType::kStartGroup: return "start-group";
    case WireType::kEndGroup: return "end-group";
    case WireType::kFixed32: return "fixed32";
  }
  return "invalid";
}

size_t decode_varint(std::string_view data, uint64_t& v) {
  v = 0;
  const size_t n = data.size() < 10 ? data.size() : 10;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = static_cast<uint8_t>(data[i]);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return i + 1;
  }
  return 0;
}

bool Reader::fail(std::string message) {
  error_ = std::move(message);
  p_ = end_;
  return false;
}

bool Reader::read_varint(uint64_t& v) {
  const size_t n = decode_varint(
      std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(end_ - p_)), v);
  if (n == 0) {
    // Ten bytes with the continuation bit still set: more than 64 bits (Go: "integer overflow").
    return fail(end_ - p_ >= 10 ? "varint longer than 10 bytes" : "unexpected EOF in a varint");
  }
  p_ += n;
  return true;
}

bool Reader::skip_group(uint32_t number, size_t depth) {
  if (depth > max_group_depth_) return fail("groups nested deeper than " + std::to_string(max_group_depth_));
  while (p_ < end_) {
    uint64_t key;
    if (!read_varint(key)) return false;
    const auto type = static_cast<WireType>(key & 7);
    const uint64_t inner = key >> 3;
    if (inner == 0 || inner > kMaxFieldNumber) return fail("invalid field number " + std::to_string(inner));
    switch (type) {
      case WireType::kVarint: {
        uint64_t v;
        if (!read_varint(v)) return false;
        break;
      }
      case WireType::kFixed64:
        if (end_ - p_ < 8) return fail("unexpected EOF in a fixed64");
        p_ += 8;
        break;
      case WireType::kFixed32:
        if (end_ - p_ < 4) return fail("unexpected EOF in a fixed32");
        p_ += 4;
        break;
      case WireType::kLen: {
        uint64_t len;
        if (!read_varint(len)) return false;
        if (len > static_cast<uint64_t>(end_ - p_)) return fail("length " + std::to_string(len) + " past the end of the message");
        p_ += len;
        break;
      }
      case WireType::kStartGroup:
        if (!skip_group(static_cast<uint32_t>(inner), depth + 1)) return false;
        break;
      case WireType::kEndGroup:
        if (inner != number) return fail("end-group " + std::to_string(inner) + " does not match start-group " + std::to_string(number));
        return true;
      default: return fail("invalid wire type " + std::to_string(static_cast<int>(type)));
    }
  }
  return fail("unexpected EOF in group " + std::to_string(number));
}

bool Reader::next(Field& f) {
  if (p_ >= end_) return false;
  uint64_t key;
  if (!read_varint(key)) return false;
  const auto type = static_cast<WireType>(key & 7);
  const uint64_t number = key >> 3;
  if (number == 0 || number > kMaxFieldNumber) return fail("invalid field number " + std::to_string(number));
  f.number = static_cast<uint32_t>(number);
  f.type = type;
  f.value = 0;
  f.bytes = {};
  switch (type) {
    case WireType::kVarint: return read_varint(f.value);
    case WireType::kFixed64: {
      if (end_ - p_ < 8) return fail("unexpected EOF in a fixed64");
      uint64_t v = 0;
      for (int i = 7; i >= 0; --i) v = (v << 8) | p_[i];
      f.value = v;
      p_ += 8;
      return true;
    }
    case WireType::kFixed32: {
      if (end_ - p_ < 4) return fail("unexpected EOF in a fixed32");
      uint32_t v = 0;
      for (int i = 3; i >= 0; --i) v = (v << 8) | p_[i];
      f.value = v;
      p_ += 4;
      return true;
    }
    case WireType::kLen: {
      uint64_t len;
      if (!read_varint(len)) return false;
      if (len > static_cast<uint64_t>(end_ - p_))
        return fail("length " + std::to_string(len) + " of field " + std::to_string(number) + " past the end of the message");
      f.bytes = std::string_view(reinterpret_cast<const char*>(p_), len);
      p_ += len;
      return true;
    }
    case WireType::kStartGroup: {
      const uint8_t* start = p_;
      if (!skip_group(f.number, 1)) return false;
      f.bytes = std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
      return true;
    }
    case WireType::kEndGroup: return fail("end-group " + std::to_string(number) + " without a start-group");
    default: return fail("invalid wire type " + std::to_string(static_cast<int>(type)) + " for field " + std::to_string(number));
  }
}

// ---- writing --------------------------------------------------------------------------------

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void put_tag(std::string& out, uint32_t number, WireType type) {
  put_varint(out, (static_cast<uint64_t>(number) << 3) | static_cast<uint64_t>(type));
}

void put_bytes_field(std::string& out, uint32_t number, std::string_view bytes) {
  put_tag(out, number, WireType::kLen);
  put_varint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

void put_fixed64_field(std::string& out, uint32_t number, uint64_t bits) {
  put_tag(out, number, WireType::kFixed64);
  for (int i = 0; i < 8; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

void put_fixed32_field(std::string& out, uint32_t number, uint32_t bits) {
  put_tag(out, number, WireType::kFixed32);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

size_t begin_message(std::string& out, uint32_t number) {
  put_tag(out, number, WireType::kLen);
  out += '\0';
  return out.size();
}

void end_message(std::string& out, size_t mark) {
  const size_t len = out.size() - mark;
  if (len < 0x80) {
    out[mark - 1] = static_cast<char>(len);
    return;
  }
  std::string prefix;
  put_varint(prefix, len);
  // One byte was reserved: open room for the rest and write the varint there.
  const size_t extra = prefix.size() - 1;
  out.resize(out.size() + extra);
  char* body = out.data() + mark;
  std::memmove(body + extra, body, len);
  std::memcpy(out.data() + mark - 1, prefix.data(), prefix.size());
}

}  // namespace capstan::schema::pb
