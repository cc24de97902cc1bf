#pragma once
// What the kernel says is mounted and attached: /proc/self/mountinfo and the loop devices'
// backing files in sysfs. The host-path driver keeps no record of its own of what it staged or
// published — it asks the kernel every time, so a driver restarted after a crash (or an agent
// restart) sees exactly what is there and every call stays idempotent.

#include <optional>
#include <string>
#include <vector>

namespace capstan::csi::hostpath {

struct MountEntry {
  std::string mount_point;
  std::string fs_type;
  std::string source;       // the device (/dev/loop3) or a pseudo source
  std::string root;         // the path inside the source filesystem that is mounted here
  std::string major_minor;  // the filesystem's device: a bind mount shares it with its source
  bool readonly = false;    // the per-mount ro flag
};

// Parses mountinfo text (proc(5)); lines that do not parse are skipped. Octal escapes (\040 for a
// space) are decoded.
std::vector<MountEntry> parse_mountinfo(const std::string& text);

// The topmost mount at exactly `path` (already canonical), from /proc/self/mountinfo.
std::optional<MountEntry> mount_at(const std::string& path);

// The loop device (/dev/loopN) whose backing file is `image`, if one is attached.
std::optional<std::string> loop_device_for(const std::string& image);

}  // namespace capstan::csi::hostpath
