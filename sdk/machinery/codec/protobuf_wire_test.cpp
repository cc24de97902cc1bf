#include "capstan/machinery/codec/protobuf_wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace capstan::schema::pb {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

TEST(ProtobufWire, VarintsAreMinimal) {
  std::string out;
  put_varint(out, 0);
  put_varint(out, 127);
  put_varint(out, 128);
  put_varint(out, 300);
  EXPECT_EQ(out, bytes({0x00, 0x7f, 0x80, 0x01, 0xac, 0x02}));
  // A negative int32 travels as its 64-bit two's complement: ten bytes.
  out.clear();
  put_int_field(out, 1, -1);
  EXPECT_EQ(out, bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(ProtobufWire, ReadsEveryWireType) {
  std::string m;
  put_varint_field(m, 1, 150);
  put_bytes_field(m, 2, "hi");
  put_fixed64_field(m, 3, 0x0102030405060708ull);
  put_fixed32_field(m, 4, 0x0a0b0c0d);
  Reader r(m);
  Field f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.type, WireType::kVarint);
  EXPECT_EQ(f.value, 150u);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.type, WireType::kLen);
  EXPECT_EQ(f.bytes, "hi");
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.value, 0x0102030405060708ull);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.value, 0x0a0b0c0du);
  EXPECT_FALSE(r.next(f));
  EXPECT_TRUE(r.error().empty());
}

TEST(ProtobufWire, NestedMessageLengthsGrowInPlace) {
  std::string out;
  const size_t mark = begin_message(out, 5);
  put_bytes_field(out, 1, std::string(200, 'x'));
  end_message(out, mark);
  // tag 0x2a, length 203 as two bytes (0xcb 0x01), then the body starting with its own tag.
  ASSERT_GE(out.size(), 4u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x2a);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 0xcb);
  EXPECT_EQ(static_cast<uint8_t>(out[2]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(out[3]), 0x0a);
  EXPECT_EQ(out.size(), 3u + 203u);
  Reader r(out);
  Field f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.bytes.size(), 203u);
}

TEST(ProtobufWire, MalformedInputStopsWithAReason) {
  struct Case {
    std::string data;
    std::string error;
  };
  const Case cases[] = {
      {bytes({0x08}), "unexpected EOF in a varint"},
      {bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), "varint longer than 10 bytes"},
      {bytes({0x12, 0x05, 'a'}), "length 5 of field 2 past the end of the message"},
      {bytes({0x12, 0xff, 0xff, 0xff, 0xff, 0x0f}), "past the end"},
      {bytes({0x0e}), "invalid wire type 6"},
      {bytes({0x00, 0x00}), "invalid field number 0"},
      {bytes({0x09, 1, 2, 3}), "unexpected EOF in a fixed64"},
      {bytes({0x0d, 1}), "unexpected EOF in a fixed32"},
      {bytes({0x0c}), "end-group 1 without a start-group"},
      {bytes({0x0b, 0x08, 0x01}), "unexpected EOF in group 1"},
      {bytes({0x0b, 0x14}), "end-group 2 does not match start-group 1"},
  };
  for (const auto& c : cases) {
    Reader r(c.data);
    Field f;
    while (r.next(f)) {
    }
    EXPECT_NE(r.error().find(c.error), std::string::npos) << "got: " << r.error() << " want: " << c.error;
  }
}

TEST(ProtobufWire, GroupsAreSkippedWholeAndBoundedInDepth) {
  std::string m = bytes({0x0b, 0x08, 0x01, 0x13, 0x14, 0x0c, 0x10, 0x07});  // group 1 { 1: 1, group 2 {} }, 2: 7
  Reader r(m);
  Field f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.type, WireType::kStartGroup);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f.number, 2u);
  EXPECT_EQ(f.value, 7u);

  std::string deep;
  for (int i = 0; i < 100; ++i) deep += static_cast<char>(0x0b);
  Reader d(deep, 16);
  EXPECT_FALSE(d.next(f));
  EXPECT_NE(d.error().find("nested deeper"), std::string::npos) << d.error();
}

}  // namespace
}  // namespace capstan::schema::pb
