#include "storage_logic.hpp"

#include <gtest/gtest.h>

namespace capstan::storage {
namespace {

constexpr int64_t Gi = 1LL << 30;

ClaimView claim(int64_t bytes, std::vector<std::string> modes = {"ReadWriteOnce"}, std::string cls = "standard") {
  ClaimView c;
  c.ns = "ns";
  c.name = "data";
  c.uid = "u1";
  c.request_bytes = bytes;
  c.access_modes = std::move(modes);
  c.class_name = std::move(cls);
  return c;
}

PvView pv(std::string name, int64_t bytes, std::vector<std::string> modes = {"ReadWriteOnce"}, std::string cls = "standard") {
  PvView v;
  v.name = std::move(name);
  v.capacity_bytes = bytes;
  v.access_modes = std::move(modes);
  v.class_name = std::move(cls);
  v.phase = "Available";
  return v;
}

TEST(FindBestPv, SmallestThatFitsWithSameClassAndModes) {
  std::vector<PvView> pvs = {pv("big", 10 * Gi), pv("small", 1 * Gi), pv("fits", 2 * Gi),
                             pv("other-class", 2 * Gi, {"ReadWriteOnce"}, "fast"),
                             pv("rox", 2 * Gi, {"ReadOnlyMany"})};
  auto i = find_best_pv(claim(2 * Gi), pvs, nullptr);
  ASSERT_TRUE(i);
  EXPECT_EQ(pvs[*i].name, "fits");
  // Access modes must be a superset.
  i = find_best_pv(claim(1 * Gi, {"ReadWriteOnce", "ReadOnlyMany"}), pvs, nullptr);
  EXPECT_FALSE(i);
  pvs.push_back(pv("both", 5 * Gi, {"ReadOnlyMany", "ReadWriteOnce"}));
  i = find_best_pv(claim(1 * Gi, {"ReadWriteOnce", "ReadOnlyMany"}), pvs, nullptr);
  ASSERT_TRUE(i);
  EXPECT_EQ(pvs[*i].name, "both");
}

TEST(FindBestPv, SkipsBoundDeletingOtherModesAndHonoursExtra) {
  auto bound = pv("bound", 2 * Gi);
  bound.claim_ns = "ns";
  bound.claim_name = "someone";
  bound.claim_uid = "u9";
  auto deleting = pv("deleting", 2 * Gi);
  deleting.deleting = true;
  auto block = pv("block", 2 * Gi);
  block.volume_mode = "Block";
  auto released = pv("released", 2 * Gi);
  released.phase = "Released";
  std::vector<PvView> pvs = {bound, deleting, block, released, pv("ok", 3 * Gi)};
  auto i = find_best_pv(claim(1 * Gi), pvs, nullptr);
  ASSERT_TRUE(i);
  EXPECT_EQ(pvs[*i].name, "ok");
  EXPECT_FALSE(find_best_pv(claim(1 * Gi), pvs, [](const PvView&) { return false; }));
}

TEST(FindBestPv, PreboundVolumeWins) {
  auto pre = pv("pre", 8 * Gi);
  pre.claim_ns = "ns";
  pre.claim_name = "data";  // no uid: bound by name before the claim existed
  std::vector<PvView> pvs = {pv("smaller", 2 * Gi), pre};
  auto i = find_best_pv(claim(1 * Gi), pvs, nullptr);
  ASSERT_TRUE(i);
  EXPECT_EQ(pvs[*i].name, "pre");
  // "" class means no class: only class-less volumes.
  std::vector<PvView> none = {pv("classless", 2 * Gi, {"ReadWriteOnce"}, ""), pv("classed", 1 * Gi)};
  i = find_best_pv(claim(1 * Gi, {"ReadWriteOnce"}, ""), none, nullptr);
  ASSERT_TRUE(i);
  EXPECT_EQ(none[*i].name, "classless");
}

TEST(CreateRequest, FromClaimAndClass) {
  std::string fs, error;
  csi::Topology node{{"topology.hostpath.csi.capstan.io/node", "n1"}};
  auto r = create_request(claim(Gi, {"ReadWriteOnce", "ReadOnlyMany"}),
                          {{"csi.storage.k8s.io/fstype", "xfs"}, {"tier", "gold"},
                           {"csi.storage.k8s.io/provisioner-secret-name", "s"}},
                          {"noatime"}, node, fs, error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(r.name, "pvc-u1");
  EXPECT_EQ(r.required_bytes, Gi);
  EXPECT_EQ(r.limit_bytes, 0);
  EXPECT_EQ(fs, "xfs");
  EXPECT_EQ(r.parameters, (std::map<std::string, std::string>{{"tier", "gold"}}));
  ASSERT_EQ(r.capabilities.size(), 2u);
  EXPECT_EQ(r.capabilities[0].mode, csi::AccessMode::SingleNodeWriter);
  EXPECT_EQ(r.capabilities[1].mode, csi::AccessMode::MultiNodeReaderOnly);
  EXPECT_EQ(r.capabilities[0].fs_type, "xfs");
  EXPECT_EQ(r.capabilities[0].mount_flags, std::vector<std::string>{"noatime"});
  ASSERT_EQ(r.requisite.size(), 1u);
  EXPECT_EQ(r.requisite[0], node);

  auto plain = create_request(claim(Gi), {}, {}, std::nullopt, fs, error);
  EXPECT_EQ(fs, "");  // no --default-fstype: the driver chooses
  EXPECT_TRUE(plain.requisite.empty());
  create_request(claim(Gi), {{"csi.storage.k8s.io/bogus", "x"}}, {}, std::nullopt, fs, error);
  EXPECT_NE(error.find("reserved"), std::string::npos);
}

TEST(NodeAffinity, OneTermPerTopology) {
  auto t = node_affinity({{{"topology.hostpath.csi.capstan.io/node", "n1"}}, {}});
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t[0].in.size(), 1u);
  EXPECT_EQ(t[0].in[0].first, "topology.hostpath.csi.capstan.io/node");
  EXPECT_EQ(t[0].in[0].second, "n1");
  EXPECT_EQ(pv_name_for("abc"), "pvc-abc");
}

// external-resizer's expandAndRecover, case by case.
TEST(ResizeDecision, AsExternalResizer) {
  constexpr int64_t G = 1LL << 30;
  auto st = [](int64_t spec, int64_t status, int64_t pv, std::optional<int64_t> allocated = std::nullopt,
               std::string resize_status = "", bool fs_pending = false) {
    ResizeState s;
    s.spec_bytes = spec;
    s.status_bytes = status;
    s.pv_bytes = pv;
    s.allocated_bytes = allocated;
    s.resize_status = std::move(resize_status);
    s.fs_resize_pending = fs_pending;
    return s;
  };
  EXPECT_FALSE(claim_needs_resize(st(G, G, G)));
  EXPECT_TRUE(claim_needs_resize(st(2 * G, G, G)));

  // A fresh expansion: to the request, recording allocatedResources.
  auto d = resize_decision(st(2 * G, G, G));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->new_bytes, 2 * G);
  EXPECT_TRUE(d->update_status);
  // Retried after a crash: same size, status already written.
  d = resize_decision(st(2 * G, G, G, 2 * G, kControllerResizeInProgress));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->new_bytes, 2 * G);
  EXPECT_FALSE(d->update_status);
  // Controller done, node expansion pending: the resizer leaves it to the node.
  EXPECT_FALSE(resize_decision(st(2 * G, G, 2 * G, 2 * G, kNodeResizePending)));
  EXPECT_FALSE(resize_decision(st(2 * G, G, 2 * G, 2 * G, kNodeResizeInProgress)));
  // The user asks for more while the node expansion to 2G is pending: it finishes first.
  EXPECT_FALSE(resize_decision(st(3 * G, G, 2 * G, 2 * G, kNodeResizePending)));
  // ... and once the PV is below the new allocation, the controller goes on.
  d = resize_decision(st(3 * G, G, G, 2 * G, kNodeResizePending));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->new_bytes, 2 * G);
  // The volume was expanded but the status never recorded it (crash): completed.
  d = resize_decision(st(2 * G, G, 2 * G));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->new_bytes, 2 * G);
  // ... unless a FileSystemResizePending condition says the node has it.
  EXPECT_FALSE(resize_decision(st(2 * G, G, 2 * G, std::nullopt, "", true)));
  // Recovery from an infeasible request: the user lowered it, the new request is used.
  d = resize_decision(st(2 * G, G, G, 100 * G, kControllerResizeInfeasible));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->new_bytes, 2 * G);
  EXPECT_TRUE(d->update_status);

  EXPECT_TRUE(resize_infeasible(csi::kOutOfRange));
  EXPECT_TRUE(resize_infeasible(csi::kInvalidArgument));
  EXPECT_TRUE(resize_infeasible(csi::kNotFound));
  EXPECT_FALSE(resize_infeasible(csi::kDeadlineExceeded));
  EXPECT_FALSE(resize_infeasible(csi::kUnavailable));
}

TEST(MergeResizeConditions, KeepsOthersAndUnchangedOnes) {
  std::vector<ClaimCondition> have = {{"ModifyingVolume", "True", "", "t0", "", ""},
                                      {kConditionResizing, "True", "", "t1", "", ""}};
  auto out = merge_resize_conditions(have, {{kConditionResizing, "True", "", "t2", "", ""}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].type, "ModifyingVolume");
  EXPECT_EQ(out[1].last_transition_time, "t1") << "the same condition keeps its transition time";
  out = merge_resize_conditions(have, {{kConditionFileSystemResizePending, "True", "", "t3", "", kFileSystemResizePendingMessage}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].type, kConditionFileSystemResizePending);
  out = merge_resize_conditions(have, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "ModifyingVolume");
}

}  // namespace
}  // namespace capstan::storage
