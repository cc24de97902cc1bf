#include "capstan/machinery/message.hpp"

#include <gtest/gtest.h>

#include "capstan/meta.capnp.h"

namespace capstan::machinery {
namespace {

using meta::ObjectMeta;

std::string meta_bytes(const std::string& name, unsigned labels = 0) {
  capnp::MallocMessageBuilder m;
  auto md = m.initRoot<ObjectMeta>();
  md.setName(name);
  md.setNamespace("default");
  auto list = md.initLabels(labels);
  for (unsigned i = 0; i < labels; ++i) {
    list[i].setKey("key-" + std::to_string(i));
    list[i].setValue(std::string(100, 'v'));
  }
  return serialize(m);
}

TEST(Message, ReadsBytesAtAnyAlignment) {
  const std::string bytes = meta_bytes("web");
  ASSERT_EQ(bytes.size() % sizeof(capnp::word), 0u);
  // One byte in: the copy, not the caller, provides the alignment.
  std::string shifted = "x" + bytes;
  MessageReader r(shifted.data() + 1, bytes.size());
  EXPECT_EQ(r.root<ObjectMeta>().getName(), "web");
  EXPECT_EQ(r.root<ObjectMeta>().getNamespace(), "default");
  MessageReader again{std::string_view(bytes)};
  EXPECT_EQ(again.root<ObjectMeta>().getName(), "web");
}

TEST(Message, AlignedWordsZeroFillsTheLastWord) {
  const char data[3] = {'a', 'b', 'c'};
  auto words = aligned_words(data, sizeof data);
  ASSERT_EQ(words.size(), 1u);
  auto bytes = words.asBytes();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.begin()), 3), "abc");
  for (size_t i = 3; i < 8; ++i) EXPECT_EQ(bytes[i], 0);
  EXPECT_EQ(aligned_words(nullptr, 0).size(), 0u);
}

TEST(Message, RefusesWhatIsNotAMessage) {
  // No bytes at all: a message without a root, which root() refuses.
  MessageReader empty{std::string_view()};
  EXPECT_THROW(empty.root<ObjectMeta>(), kj::Exception);
  const std::string bytes = meta_bytes("web", 3);
  EXPECT_THROW(MessageReader(std::string_view(bytes).substr(0, bytes.size() / 2)), kj::Exception);
}

// An informer's cached object is read for as long as it is unchanged: far more words than
// capnp's default budget (2^23) must be readable through one reader.
TEST(Message, OneReaderSurvivesALongLife) {
  const std::string bytes = meta_bytes("busy", 100);
  auto read_many = [](ObjectMeta::Reader md) {
    size_t seen = 0;
    for (int i = 0; i < 100000; ++i) seen += md.getLabels()[static_cast<unsigned>(i % 100)].getValue().size();
    return seen;
  };
  MessageReader ours{std::string_view(bytes)};
  EXPECT_EQ(read_many(ours.root<ObjectMeta>()), 100000u * 100);

  // The same reads through a reader with capnp's default options run out of budget.
  auto words = aligned_words(bytes);
  capnp::FlatArrayMessageReader stock(words);
  EXPECT_THROW(read_many(stock.getRoot<ObjectMeta>()), kj::Exception);
  EXPECT_EQ(reader_options().traversalLimitInWords, uint64_t{1} << 32);
}

TEST(Message, MutableChangesACopy) {
  const std::string bytes = meta_bytes("web");
  MessageReader original{std::string_view(bytes)};
  Mutable<ObjectMeta> m(original.root<ObjectMeta>());
  m.root.setName("changed");
  const std::string out = m.bytes();
  MessageReader changed{std::string_view(out)};
  EXPECT_EQ(changed.root<ObjectMeta>().getName(), "changed");
  EXPECT_EQ(changed.root<ObjectMeta>().getNamespace(), "default");
  EXPECT_EQ(original.root<ObjectMeta>().getName(), "web");
}

TEST(Message, SameValueComparesContentNotLayout) {
  MessageReader a{std::string_view(meta_bytes("web", 2))};
  MessageReader b{std::string_view(meta_bytes("web", 2))};
  MessageReader c{std::string_view(meta_bytes("web", 3))};
  EXPECT_TRUE(same_value(a.root<ObjectMeta>(), b.root<ObjectMeta>()));
  EXPECT_FALSE(same_value(a.root<ObjectMeta>(), c.root<ObjectMeta>()));
  // Built in another order (so laid out differently in memory), still the same value.
  capnp::MallocMessageBuilder other;
  auto md = other.initRoot<ObjectMeta>();
  auto labels = md.initLabels(2);
  md.setNamespace("default");
  for (unsigned i = 0; i < 2; ++i) {
    labels[i].setValue(std::string(100, 'v'));
    labels[i].setKey("key-" + std::to_string(i));
  }
  md.setName("web");
  EXPECT_TRUE(same_value(a.root<ObjectMeta>(), md.asReader()));
}

}  // namespace
}  // namespace capstan::machinery
