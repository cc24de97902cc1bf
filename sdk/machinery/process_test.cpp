#include "capstan/machinery/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace capstan::machinery {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::set<int> open_descriptors(pid_t pid) {
  std::set<int> out;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    out.insert(std::stoi(e.path().filename().string()));
  return out;
}

// Descriptors this process holds without close-on-exec, as a careless library (or Boost.Asio's
// listening socket) leaves them: a child must not get them.
struct LeakyDescriptors {
  int file = -1, listener = -1;
  LeakyDescriptors() {
    file = dup2(::open("/dev/null", O_RDONLY), 50);
    listener = dup2(::socket(AF_INET, SOCK_STREAM, 0), 51);
  }
  ~LeakyDescriptors() {
    ::close(file);
    ::close(listener);
  }
};

TEST(Process, RunsByArgvAndCapturesBothStreams) {
  auto r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.output(), "out\nerr\n");
  // No shell in between: the argument is one word, metacharacters and all.
  r = run({"echo", "a; rm -rf /tmp/nothing $(x)"});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "a; rm -rf /tmp/nothing $(x)\n");
}

TEST(Process, MergesStderrWhenAsked) {
  RunOptions o;
  o.merge_stderr = true;
  auto r = run({"sh", "-c", "echo one; echo two >&2; echo three"}, o);
  EXPECT_EQ(r.out, "one\ntwo\nthree\n");
  EXPECT_EQ(r.err, "");
}

TEST(Process, FeedsStdin) {
  RunOptions o;
  o.input = std::string(200000, 'x') + "\nend\n";  // more than a pipe holds
  auto r = run({"tail", "-n", "1"}, o);
  EXPECT_TRUE(r.ok()) << r.output();
  EXPECT_EQ(r.out, "end\n");
  // A child that never reads its input does not make us hang or die of SIGPIPE.
  r = run({"true"}, o);
  EXPECT_TRUE(r.ok());
  // Without input, stdin is /dev/null.
  r = run({"cat"});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "");
}

TEST(Process, KillsAtTheTimeout) {
  RunOptions o;
  o.timeout = 200ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run({"sleep", "30"}, o);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.exit_code, -1);
}

TEST(Process, ReportsWhatCannotRun) {
  auto r = run({"/nonexistent/capstan-test-binary"});
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.error.find("cannot run /nonexistent/capstan-test-binary"), std::string::npos) << r.error;
  EXPECT_EQ(r.output(), r.error);
  EXPECT_FALSE(run({}).error.empty());
}

TEST(Process, PassesTheEnvironmentGiven) {
  RunOptions o;
  o.environment = std::vector<std::string>{"CAPSTAN_TEST=yes", "PATH=/usr/bin:/bin"};
  auto r = run({"sh", "-c", "echo $CAPSTAN_TEST${HOME:-nohome}"}, o);
  EXPECT_EQ(r.out, "yesnohome\n");
}

TEST(Process, ChildrenHoldNoDescriptorOfTheParent) {
  LeakyDescriptors leaky;
  ASSERT_EQ(leaky.file, 50);
  ASSERT_EQ(leaky.listener, 51);
  auto child = ChildProcess::start({"sleep", "30"});
  ASSERT_TRUE(child.is_running());
  // exec has replaced the spawn helper once /proc shows sleep's command line.
  for (int i = 0; i < 200 && process_cmdline(child.pid()) != std::vector<std::string>{"sleep", "30"}; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(open_descriptors(child.pid()), (std::set<int>{0, 1, 2}));
  child.stop(2s);
  // A command run to completion: it lists its own descriptors.
  auto r = run({"sh", "-c", "ls /proc/$$/fd"});
  ASSERT_TRUE(r.ok()) << r.output();
  EXPECT_EQ(r.out.find("50"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("51"), std::string::npos) << r.out;
}

TEST(Process, CloseOnExecHelpers) {
  const int fd = open_socket_cloexec(AF_INET, SOCK_STREAM);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  ::close(fd);
  const int plain = ::socket(AF_INET, SOCK_STREAM, 0);  // as Asio opens and accepts
  ASSERT_GE(plain, 0);
  ASSERT_FALSE(fcntl(plain, F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(set_close_on_exec(plain));
  EXPECT_TRUE(fcntl(plain, F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(set_close_on_exec(plain));  // idempotent
  ::close(plain);
  EXPECT_FALSE(set_close_on_exec(plain));  // closed: fcntl fails
}

TEST(Process, SupervisedChildStopsWithTermThenKill) {
  const fs::path dir = fs::temp_directory_path() / ("capstan-process-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string log = (dir / "child.log").string();
  SpawnOptions o;
  o.log_path = log;
  o.new_session = true;
  auto polite = ChildProcess::start({"sh", "-c", "echo started; exec sleep 30"}, o);
  const pid_t pid = polite.pid();
  EXPECT_GT(pid, 0);
  EXPECT_TRUE(polite.is_running());
  EXPECT_TRUE(process_alive(pid));
  auto first_line = [&] {
    std::ifstream in(log);
    std::string line;
    std::getline(in, line);
    return line;
  };
  for (int i = 0; i < 400 && first_line() != "started"; ++i) std::this_thread::sleep_for(5ms);
  const auto t0 = std::chrono::steady_clock::now();
  polite.stop(5s);  // sleep dies of SIGTERM at once
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_FALSE(polite.is_running());
  EXPECT_FALSE(process_alive(pid));
  EXPECT_EQ(polite.exit_status(), "signal 15");
  EXPECT_EQ(first_line(), "started");

  // One that ignores SIGTERM is killed after the grace period.
  o.log_path = (dir / "stubborn.log").string();
  auto stubborn = ChildProcess::start({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"}, o);
  auto ready = [&] {
    std::ifstream in(o.log_path);
    std::string line;
    std::getline(in, line);
    return line == "ready";
  };
  for (int i = 0; i < 400 && !ready(); ++i) std::this_thread::sleep_for(5ms);  // the trap is installed
  const auto t1 = std::chrono::steady_clock::now();
  stubborn.stop(300ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t1, 300ms);
  EXPECT_EQ(stubborn.exit_status(), "signal 9");

  // Moving hands the child over; destroying the owner stops it.
  pid_t moved_pid;
  {
    auto a = ChildProcess::start({"sleep", "30"});
    ChildProcess b = std::move(a);
    moved_pid = b.pid();
    EXPECT_EQ(a.pid(), -1);
    EXPECT_TRUE(b.is_running());
  }
  EXPECT_FALSE(process_alive(moved_pid));
  EXPECT_THROW(ChildProcess::start({"/nonexistent/capstan-test-binary"}), std::runtime_error);
  fs::remove_all(dir);
}

// nginx's workers outlive a master that was killed and keep its ports: the group goes with it.
TEST(Process, KillsWhatAChildLeftInItsProcessGroup) {
  const fs::path dir = fs::temp_directory_path() / ("capstan-process-group-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  SpawnOptions o;
  o.log_path = (dir / "master.log").string();
  o.new_process_group = true;
  auto master = ChildProcess::start({"sh", "-c", "sleep 30 & echo $!; wait"}, o);
  pid_t worker = 0;
  for (int i = 0; i < 400 && worker <= 0; ++i) {
    std::ifstream in(o.log_path);
    if (!(in >> worker)) std::this_thread::sleep_for(5ms);
  }
  ASSERT_GT(worker, 0);
  EXPECT_EQ(getpgid(worker), master.pid());
  EXPECT_TRUE(master.signal(SIGKILL));
  for (int i = 0; i < 400 && master.is_running(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(master.exit_status(), "signal 9");
  EXPECT_FALSE(master.signal(SIGHUP));  // ended: nothing is signalled
  EXPECT_TRUE(process_alive(worker));   // orphaned, still running
  master.kill_group();
  bool gone = false;
  for (int i = 0; i < 400 && !gone; ++i) {
    gone = !process_alive(worker);
    if (!gone) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(gone);
  fs::remove_all(dir);
}

TEST(Process, TerminatesProcessesByPid) {
  auto child = ChildProcess::start({"sleep", "30"});
  const pid_t pid = child.pid();
  for (int i = 0; i < 200 && process_cmdline(pid) != std::vector<std::string>{"sleep", "30"}; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(process_cmdline(pid), (std::vector<std::string>{"sleep", "30"}));
  EXPECT_FALSE(process_environment(pid).empty());
  terminate_process(pid, 2s);
  EXPECT_FALSE(process_alive(pid));
  EXPECT_TRUE(process_cmdline(pid).empty());
  EXPECT_FALSE(child.is_running());
  EXPECT_FALSE(current_environment().empty());
}

}  // namespace
}  // namespace capstan::machinery
