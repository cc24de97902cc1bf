// Content negotiation: the Accept headers real clients send, and what kube-apiserver answers.

#include "api/negotiation.hpp"

#include <gtest/gtest.h>

#include "api/discovery.hpp"

namespace capstan::api {
namespace {

std::optional<Negotiated> output(const std::string& accept, bool protobuf = true) {
  Endpoint e;
  e.protobuf = protobuf;
  return negotiate_output(&accept, e);
}

TEST(Negotiation, NoAcceptIsJson) {
  Endpoint e;
  auto n = negotiate_output(nullptr, e);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  std::string empty;
  n = negotiate_output(&empty, e);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
}

TEST(Negotiation, TypedClientsGetProtobufForKindsThatHaveIt) {
  // client-go >= 1.32 typed clients.
  const std::string accept = "application/vnd.kubernetes.protobuf,application/json";
  auto n = output(accept);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kProtobuf);
  EXPECT_EQ(n->transform, Transform::kNone);
  // A kind without protobuf numbers answers JSON, as custom resources do.
  n = output(accept, false);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  // Protobuf only, for a kind without it: 406.
  EXPECT_FALSE(output("application/vnd.kubernetes.protobuf", false));
}

TEST(Negotiation, KubectlGetAsksForTables) {
  const std::string accept =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  auto n = output(accept);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  EXPECT_EQ(n->transform, Transform::kTable);
  EXPECT_EQ(n->transform_version, "v1");
  // A Table has no protobuf form: that clause is passed over.
  n = output("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  EXPECT_EQ(n->transform, Transform::kNone);
}

TEST(Negotiation, MetadataOnlyClientsGetPartialObjectMetadata) {
  // The metadata informers of the garbage collector and kubectl's `get -o name` paths.
  auto n = output("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
                  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kProtobuf);
  EXPECT_EQ(n->transform, Transform::kPartialObjectMetadataList);
  n = output("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->transform, Transform::kPartialObjectMetadata);
  EXPECT_EQ(n->transform_version, "v1beta1");
  // Unknown transforms and groups are not served.
  EXPECT_FALSE(output("application/json;as=Scale;g=autoscaling;v=v1"));
  EXPECT_FALSE(output("application/json;as=Table;g=meta.k8s.io;v=v2"));
}

TEST(Negotiation, PreferenceFollowsQAndSpecificity) {
  auto n = output("application/json;q=0.5,application/vnd.kubernetes.protobuf");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kProtobuf);
  // `*/*` answers with the first served type (JSON); a named type before it wins.
  n = output("*/*");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  n = output("*/*,application/yaml");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kYaml);
  n = output("application/*");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  // q=0 is only the least preferred, as goautoneg reads it.
  n = output("application/vnd.kubernetes.protobuf;q=0");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kProtobuf);
}

TEST(Negotiation, NothingServedIsNotAcceptable) {
  EXPECT_FALSE(output("text/html"));
  EXPECT_FALSE(output("application/xml,text/plain"));
  EXPECT_FALSE(output("application/json;sv=v2"));
  EXPECT_EQ(not_acceptable_message(true, false),
            "only the following media types are accepted: application/json, application/yaml, "
            "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(not_acceptable_message(false, true),
            "only the following media types are accepted: application/json;stream=watch");
}

TEST(Negotiation, WatchStreamsHaveNoYaml) {
  Endpoint e;
  std::string accept = "application/yaml";
  EXPECT_FALSE(negotiate_stream(&accept, e));
  accept = "application/vnd.kubernetes.protobuf;stream=watch,application/json;stream=watch";
  auto n = negotiate_stream(&accept, e);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kProtobuf);
  e.protobuf = false;
  n = negotiate_stream(&accept, e);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
  // stream=watch on a type without a stream form is passed over.
  accept = "application/yaml;stream=watch,application/json";
  n = negotiate_stream(&accept, e);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->media, MediaType::kJson);
}

TEST(Negotiation, ErrorsSkipTransformsAndFallBackToJson) {
  std::string accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/vnd.kubernetes.protobuf";
  EXPECT_EQ(negotiate_error(&accept, true), MediaType::kProtobuf);
  EXPECT_EQ(negotiate_error(&accept, false), MediaType::kJson);
  accept = "text/html";
  EXPECT_EQ(negotiate_error(&accept, true), MediaType::kJson);
  EXPECT_EQ(negotiate_error(nullptr, true), MediaType::kJson);
}

TEST(Negotiation, ContentTypeWithoutParameters) {
  std::string ct = "Application/JSON; charset=utf-8";
  EXPECT_EQ(media_type_of(&ct), "application/json");
  ct = "application/vnd.kubernetes.protobuf";
  EXPECT_EQ(media_type_of(&ct), "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(media_type_of(nullptr), "");
  EXPECT_EQ(unsupported_media_type_message(true),
            "the body of the request was in an unknown format - accepted media types include: application/json, "
            "application/yaml, application/vnd.kubernetes.protobuf");
}

TEST(Negotiation, AcceptParsingSkipsMalformedClauses) {
  auto clauses = parse_accept("application/json;q=0.9, bogus, text/*;level=1 , */*;q=0.1");
  ASSERT_EQ(clauses.size(), 3u);
  EXPECT_EQ(clauses[0].type, "text");
  EXPECT_EQ(clauses[0].subtype, "*");
  ASSERT_NE(clauses[0].param("level"), nullptr);
  EXPECT_EQ(*clauses[0].param("level"), "1");
  EXPECT_EQ(clauses[1].subtype, "json");
  EXPECT_DOUBLE_EQ(clauses[1].q, 0.9);
  EXPECT_EQ(clauses[2].type, "*");
}

TEST(Negotiation, AggregatedDiscoveryByAccept) {
  // kubectl 1.33's discovery client.
  std::string accept =
      "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  EXPECT_TRUE(wants_aggregated_discovery(&accept));
  // kubectl 1.27 asks for v2beta1 only, which 1.33 no longer serves: legacy discovery.
  accept = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  EXPECT_FALSE(wants_aggregated_discovery(&accept));
  accept = "application/json, */*";
  EXPECT_FALSE(wants_aggregated_discovery(&accept));
  EXPECT_FALSE(wants_aggregated_discovery(nullptr));
}

}  // namespace
}  // namespace capstan::api
