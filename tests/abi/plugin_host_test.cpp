// The plugin host against real shared libraries: good plugins load; a plugin built for another
// ABI, one that is not a plugin at all, duplicates, cycles and missing requirements are refused
// or failed with messages that say why; a plugin that answers CAPSTAN_SKIP is skipped, not failed.
// The test plugins are built by tests/abi/CMakeLists.txt into CAPSTAN_TEST_PLUGIN_DIR/<scenario>.
#include <gtest/gtest.h>

#include <array>
#include <future>
#include <cstdio>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "api/object_service.hpp"
#include "capstan/abi.h"
#include "host/local_host.hpp"
#include "host/plugin_admission.hpp"
#include "host/plugin_registry.hpp"
#include "schema/kind_registry.hpp"
#include "store/event_bus.hpp"
#include "store/store.hpp"

namespace capstan::host {
namespace {

// gtest without gmock: a substring check that prints both strings when it fails.
#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "\"" << (haystack) << "\" lacks \"" << (needle) << "\""

std::string dir(const std::string& scenario) { return std::string(CAPSTAN_TEST_PLUGIN_DIR) + "/" + scenario; }

const PluginRecord* find(const PluginRegistry& registry, const std::string& id) {
  for (const auto& r : registry.records())
    if (r.id == id) return &r;
  return nullptr;
}

std::string version(uint32_t major, uint32_t minor) { return std::to_string(major) + "." + std::to_string(minor); }

TEST(PluginHost, GoodPluginIsFoundAndResolved) {
  PluginRegistry registry;
  registry.discover(dir("good"));
  ASSERT_EQ(registry.records().size(), 1u);
  registry.resolve(CAPSTAN_ROLE_SERVER);
  const auto& r = registry.records()[0];
  EXPECT_EQ(r.state, PluginState::kFound) << r.error;
  EXPECT_EQ(r.type, "capstan.test.v1");
  EXPECT_EQ(r.id, "good");
  EXPECT_EQ(r.abi_major, static_cast<uint32_t>(CAPSTAN_ABI_MAJOR));
  EXPECT_EQ(r.abi_minor, static_cast<uint32_t>(CAPSTAN_ABI_MINOR));
  EXPECT_TRUE(r.error.empty()) << r.error;
}

TEST(PluginHost, GoodPluginIsSkippedForAnotherRole) {
  PluginRegistry registry;
  registry.discover(dir("good"));
  registry.resolve(CAPSTAN_ROLE_AGENT);
  ASSERT_EQ(registry.records().size(), 1u);
  EXPECT_EQ(registry.records()[0].state, PluginState::kSkipped);
}

TEST(PluginHost, NewerMajorAbiIsRefusedAsNotBinaryCompatible) {
  PluginRegistry registry;
  registry.discover(dir("abi-major"));
  ASSERT_EQ(registry.records().size(), 1u);
  const auto& r = registry.records()[0];
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_EQ(r.abi_major, static_cast<uint32_t>(CAPSTAN_ABI_MAJOR + 1));
  EXPECT_CONTAINS(r.error, "not binary compatible");
  EXPECT_CONTAINS(r.error, version(CAPSTAN_ABI_MAJOR + 1, 0));                 // the plugin's: 2.0
  EXPECT_CONTAINS(r.error, version(CAPSTAN_ABI_MAJOR, CAPSTAN_ABI_MINOR));     // the kernel's: 1.0
  // With today's ABI 1.0, literally:
  if (CAPSTAN_ABI_MAJOR == 1 && CAPSTAN_ABI_MINOR == 0) {
    EXPECT_CONTAINS(r.error, "2.0");
    EXPECT_CONTAINS(r.error, "1.0");
  }
  EXPECT_TRUE(r.type.empty()) << "nothing past the version may be read from a refused descriptor";
  // Refused plugins stay refused through resolve.
  registry.resolve(CAPSTAN_ROLE_SERVER);
  EXPECT_EQ(registry.records()[0].state, PluginState::kRefused);
}

TEST(PluginHost, NewerMinorAbiIsRefused) {
  PluginRegistry registry;
  registry.discover(dir("abi-minor"));
  ASSERT_EQ(registry.records().size(), 1u);
  const auto& r = registry.records()[0];
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_CONTAINS(r.error, "not binary compatible");
  EXPECT_CONTAINS(r.error, version(CAPSTAN_ABI_MAJOR, CAPSTAN_ABI_MINOR + 1));
}

TEST(PluginHost, LibraryWithoutEntryPointIsRefused) {
  PluginRegistry registry;
  registry.discover(dir("no-entry"));
  ASSERT_EQ(registry.records().size(), 1u);
  const auto& r = registry.records()[0];
  EXPECT_EQ(r.state, PluginState::kRefused);
  EXPECT_EQ(r.id, "no_entry");
  EXPECT_CONTAINS(r.error, CAPSTAN_PLUGIN_ENTRY_SYMBOL);
}

TEST(PluginHost, DuplicateTypeIdFailsTheSecond) {
  PluginRegistry registry;
  registry.discover(dir("duplicate"));
  ASSERT_EQ(registry.records().size(), 2u);
  registry.resolve(CAPSTAN_ROLE_SERVER);
  const auto& first = registry.records()[0];   // dup_a.so: files are read in name order
  const auto& second = registry.records()[1];  // dup_b.so
  EXPECT_EQ(first.uri(), "capstan.test.v1.dup");
  EXPECT_EQ(second.uri(), "capstan.test.v1.dup");
  EXPECT_EQ(first.state, PluginState::kFound) << first.error;
  EXPECT_EQ(second.state, PluginState::kFailed);
  EXPECT_CONTAINS(second.error, "duplicate");
  EXPECT_CONTAINS(second.error, "capstan.test.v1.dup");
  EXPECT_CONTAINS(second.error, "dup_a.so");
}

TEST(PluginHost, DependencyCycleFailsBoth) {
  PluginRegistry registry;
  registry.discover(dir("cycle"));
  ASSERT_EQ(registry.records().size(), 2u);
  registry.resolve(CAPSTAN_ROLE_SERVER);
  for (const auto& r : registry.records()) {
    EXPECT_EQ(r.state, PluginState::kFailed) << r.uri();
    EXPECT_CONTAINS(r.error, "dependency cycle") << r.uri();
    EXPECT_CONTAINS(r.error, "capstan.test.v1.cycle-a");
    EXPECT_CONTAINS(r.error, "capstan.test.v1.cycle-b");
  }
}

TEST(PluginHost, MissingRequirementFails) {
  PluginRegistry registry;
  registry.discover(dir("missing"));
  ASSERT_EQ(registry.records().size(), 1u);
  registry.resolve(CAPSTAN_ROLE_SERVER);
  const auto& r = registry.records()[0];
  EXPECT_EQ(r.state, PluginState::kFailed);
  EXPECT_CONTAINS(r.error, "requires");
  EXPECT_CONTAINS(r.error, "capstan.test.v1.absent");
}

// initialise() needs the kernel pieces a plugin talks to; an in-memory store is enough.
struct Kernel {
  store::EventBus bus;
  store::Store store{"", bus};
  schema::KindRegistry kinds;
  api::ObjectService objects{kinds, store, nullptr};
  host::LocalHost host{objects};
};

// A runtime declares "capstan.testnet.v1.*?": it starts after the network plugin and stops before
// it, so that the network is still there while the runtime tears its pods down.
TEST(PluginHost, OptionalRequirementOrdersStartAndStop) {
  Kernel k;
  PluginRegistry registry;
  registry.discover(dir("order"));
  ASSERT_EQ(registry.records().size(), 3u);
  registry.resolve(CAPSTAN_ROLE_SERVER);
  for (const auto& r : registry.records()) EXPECT_EQ(r.state, PluginState::kFound) << r.uri() << ": " << r.error;
  const std::vector<std::string> want = {"capstan.testnet.v1.order-bridge", "capstan.test.v1.order-runtime",
                                         "capstan.test.v1.order-agent"};
  EXPECT_EQ(registry.order(), want);
  std::string error;
  ASSERT_TRUE(registry.initialise(k.kinds, k.host, {}, error)) << error;
  EXPECT_EQ(registry.order(), want);
  registry.start();
  for (const auto& r : registry.records()) EXPECT_EQ(r.state, PluginState::kRunning) << r.uri();
  registry.stop();  // in reverse: agent, runtime, network
  for (const auto& r : registry.records()) EXPECT_EQ(r.state, PluginState::kStopped) << r.uri();
}

TEST(PluginHost, OptionalRequirementMayBeAbsent) {
  Kernel k;
  PluginRegistry registry;
  registry.discover(dir("order"));
  registry.disable("capstan.testnet.v1");
  registry.resolve(CAPSTAN_ROLE_SERVER);
  EXPECT_EQ(find(registry, "order-runtime")->state, PluginState::kFound) << find(registry, "order-runtime")->error;
  EXPECT_EQ(find(registry, "order-agent")->state, PluginState::kFound) << find(registry, "order-agent")->error;
  EXPECT_EQ(registry.order(), (std::vector<std::string>{"capstan.test.v1.order-runtime", "capstan.test.v1.order-agent"}));
  std::string error;
  ASSERT_TRUE(registry.initialise(k.kinds, k.host, {"capstan.test.v1.order-agent"}, error)) << error;
  EXPECT_EQ(find(registry, "order-runtime")->state, PluginState::kInitialised);
}

TEST(PluginHost, OptionalRequirementNeverMakesACycle) {
  PluginRegistry registry;
  registry.discover(dir("soft-cycle"));
  registry.resolve(CAPSTAN_ROLE_SERVER);
  for (const auto& r : registry.records()) EXPECT_EQ(r.state, PluginState::kFound) << r.uri() << ": " << r.error;
  // soft-a requires soft-b; soft-b's optional requirement on soft-a yields.
  EXPECT_EQ(registry.order(), (std::vector<std::string>{"capstan.test.v1.soft-b", "capstan.test.v1.soft-a"}));
}

TEST(PluginHost, SkipFromOnInitIsSkippedNotFailed) {
  Kernel k;
  PluginRegistry registry;
  registry.discover(dir("skip"));
  registry.resolve(CAPSTAN_ROLE_SERVER);
  ASSERT_EQ(registry.records().size(), 1u);
  EXPECT_EQ(registry.records()[0].state, PluginState::kFound);
  std::string error;
  EXPECT_TRUE(registry.initialise(k.kinds, k.host, {}, error)) << error;
  const auto& r = registry.records()[0];
  EXPECT_EQ(r.state, PluginState::kSkipped);
  EXPECT_NE(r.state, PluginState::kFailed);
  EXPECT_CONTAINS(r.error, "not for this host");
  // Requiring a skipped plugin is what fails start-up, with its reason.
  PluginRegistry again;
  again.discover(dir("skip"));
  again.resolve(CAPSTAN_ROLE_SERVER);
  EXPECT_FALSE(again.initialise(k.kinds, k.host, {"capstan.test.v1.skip"}, error));
  EXPECT_CONTAINS(error, "capstan.test.v1.skip");
}

TEST(PluginHost, MixedDirectoryKeepsTheGoodOnesAndRunsThem) {
  Kernel k;
  PluginRegistry registry;
  registry.discover(dir("mixed"));
  registry.resolve(CAPSTAN_ROLE_SERVER);
  struct Want { const char* id; PluginState state; const char* error; };
  const Want wants[] = {
      {"good", PluginState::kFound, ""},
      {"abi_major", PluginState::kRefused, "not binary compatible"},
      {"abi_minor", PluginState::kRefused, "not binary compatible"},
      {"no_entry", PluginState::kRefused, CAPSTAN_PLUGIN_ENTRY_SYMBOL},
      {"cycle-a", PluginState::kFailed, "dependency cycle"},
      {"cycle-b", PluginState::kFailed, "dependency cycle"},
      {"missing", PluginState::kFailed, "requires"},
      {"skip", PluginState::kFound, ""},
  };
  for (const auto& w : wants) {
    const auto* r = find(registry, w.id);
    ASSERT_NE(r, nullptr) << w.id;
    EXPECT_EQ(r->state, w.state) << w.id << ": " << r->error;
    EXPECT_CONTAINS(r->error, w.error) << w.id;
  }
  int dups = 0, dup_failed = 0;
  for (const auto& r : registry.records())
    if (r.id == "dup") {
      ++dups;
      if (r.state == PluginState::kFailed && r.error.find("duplicate") != std::string::npos) ++dup_failed;
    }
  EXPECT_EQ(dups, 2);
  EXPECT_EQ(dup_failed, 1);

  std::string error;
  ASSERT_TRUE(registry.initialise(k.kinds, k.host, {"capstan.test.v1.good"}, error)) << error;
  EXPECT_EQ(find(registry, "good")->state, PluginState::kInitialised);
  EXPECT_EQ(find(registry, "skip")->state, PluginState::kSkipped);
  registry.start();
  EXPECT_EQ(find(registry, "good")->state, PluginState::kRunning);
  registry.stop();
  EXPECT_EQ(find(registry, "good")->state, PluginState::kStopped);
}

// `capstan plugins --plugin-dir mixed`: the operator's view of the same decisions.
TEST(PluginHost, CapstanPluginsCommandReportsEachPlugin) {
  const std::string command = std::string("'") + CAPSTAN_BINARY + "' plugins --plugin-dir '" + dir("mixed") + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe) << command;
  std::string out;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0;) out.append(buf.data(), n);
  int status = pclose(pipe.release());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;

  auto line_of = [&](const std::string& needle) {
    std::string::size_type start = 0;
    while (start < out.size()) {
      auto end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      std::string line = out.substr(start, end - start);
      if (line.find(needle) != std::string::npos) return line;
      start = end + 1;
    }
    return std::string();
  };
  EXPECT_CONTAINS(out, "TYPE");
  EXPECT_CONTAINS(line_of(" good "), " ok") << out;
  EXPECT_CONTAINS(line_of("abi_major.so:"), "refused") << out;
  EXPECT_CONTAINS(line_of("abi_major.so:"), "not binary compatible") << out;
  EXPECT_CONTAINS(line_of("abi_major.so:"), version(CAPSTAN_ABI_MAJOR + 1, 0)) << out;
  EXPECT_CONTAINS(line_of("abi_minor.so:"), "refused") << out;
  EXPECT_CONTAINS(line_of("no_entry.so:"), "refused") << out;
  EXPECT_CONTAINS(line_of("dup_b.so:"), "duplicate") << out;
  EXPECT_CONTAINS(line_of("cycle_a.so:"), "dependency cycle") << out;
  EXPECT_CONTAINS(line_of("cycle_b.so:"), "dependency cycle") << out;
  EXPECT_CONTAINS(line_of("missing.so:"), "requires capstan.test.v1.absent") << out;
  EXPECT_CONTAINS(line_of(" skip "), " ok") << out;  // skipping happens in on_init, which `plugins` does not call
}

}  // namespace
}  // namespace capstan::host

namespace capstan::host {
namespace {

TEST(AdmissionRule, MatchesAsKubernetesWebhookRules) {
  AdmissionRule pods{{""}, {"pods"}, {"CREATE"}};
  EXPECT_TRUE(pods.matches("", "pods", "", api::Operation::kCreate));
  EXPECT_FALSE(pods.matches("", "pods", "", api::Operation::kUpdate));
  EXPECT_FALSE(pods.matches("", "pods", "status", api::Operation::kCreate));  // not a subresource
  EXPECT_FALSE(pods.matches("apps", "pods", "", api::Operation::kCreate));
  AdmissionRule eviction{{""}, {"pods/eviction"}, {"*"}};
  EXPECT_TRUE(eviction.matches("", "pods", "eviction", api::Operation::kDelete));
  EXPECT_FALSE(eviction.matches("", "pods", "", api::Operation::kDelete));
  AdmissionRule subs{{"*"}, {"pods/*"}, {"*"}};
  EXPECT_TRUE(subs.matches("", "pods", "status", api::Operation::kUpdate));
  EXPECT_FALSE(subs.matches("", "pods", "", api::Operation::kUpdate));
  AdmissionRule all{{"*"}, {"*"}, {"*"}};
  EXPECT_TRUE(all.matches("apps", "deployments", "", api::Operation::kUpdate));
  EXPECT_FALSE(all.matches("apps", "deployments", "scale", api::Operation::kUpdate));
  AdmissionRule everything{{"*"}, {"*/*"}, {"*"}};
  EXPECT_TRUE(everything.matches("apps", "deployments", "scale", api::Operation::kUpdate));
  EXPECT_TRUE(everything.matches("apps", "deployments", "", api::Operation::kUpdate));
}

// Hooks a plugin declares run around the owner's admission, in the kernel's order: mutating,
// owner, validating; a validating hook's refusal is the client's answer.
TEST(PluginHost, AdmissionHooksRunAroundTheOwnersAdmission) {
  Kernel k;
  PluginRegistry registry;
  registry.discover(dir("hooks"));
  registry.resolve(CAPSTAN_ROLE_SERVER);
  std::string error;
  ASSERT_TRUE(registry.initialise(k.kinds, k.host, {"capstan.test.v1.hooks"}, error)) << error;
  k.objects.set_admission(registry.admission());
  k.store.open([&](const std::string& key, uint64_t rev, std::string&& bytes) {
    return k.objects.rehydrate(key, rev, std::move(bytes));
  });
  const schema::Kind* cm = k.kinds.by_kind("", "v1", "ConfigMap");
  ASSERT_NE(cm, nullptr);
  auto create = [&](const std::string& name) {
    std::promise<api::WriteOutcome> done;
    auto body = nlohmann::json{{"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}};
    k.objects.create(*cm, "default", k.objects.decode(*cm, body, schema::UnknownFieldPolicy::kStrict), {},
                     [&](api::WriteOutcome o) { done.set_value(std::move(o)); });
    return done.get_future().get();
  };
  auto ok = create("a");
  ASSERT_FALSE(ok.error) << ok.error->what();
  auto stored = nlohmann::json::parse(ok.object->json);
  EXPECT_EQ(stored["metadata"]["labels"]["mutated"], "yes");
  // The owner ran after the mutating hook (it saw the label).
  EXPECT_EQ(stored["metadata"]["annotations"]["owner"], "after-hook");
  auto refused = create("forbidden");
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->code, 403);
  EXPECT_CONTAINS(refused.error->what(), "refused by the check hook");
  EXPECT_FALSE(k.store.get(k.objects.key(*cm, "default", "forbidden")));
  registry.stop();
}

}  // namespace
}  // namespace capstan::host
