// The names of layers and limits as configuration, `bastion sandbox probe` and tool results
// spell them.
#include <array>
#include <utility>

#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

constexpr std::array<std::pair<Layer, std::string_view>, 13> kLayerNames{{
    {Layer::UserNamespace, "user-namespace"},
    {Layer::PidNamespace, "pid-namespace"},
    {Layer::MountNamespace, "mount-namespace"},
    {Layer::NetNamespace, "net-namespace"},
    {Layer::IpcNamespace, "ipc-namespace"},
    {Layer::UtsNamespace, "uts-namespace"},
    {Layer::CgroupNamespace, "cgroup-namespace"},
    {Layer::NoNewPrivs, "no-new-privs"},
    {Layer::Seccomp, "seccomp"},
    {Layer::Landlock, "landlock"},
    {Layer::Rlimits, "rlimits"},
    {Layer::CgroupMemory, "cgroup-memory"},
    {Layer::CgroupPids, "cgroup-pids"},
}};

}  // namespace

std::string_view layerName(Layer layer) {
  for (const auto& [l, name] : kLayerNames) {
    if (l == layer) {
      return name;
    }
  }
  return "unknown";
}

std::optional<Layer> layerFromName(std::string_view name) {
  for (const auto& [l, n] : kLayerNames) {
    if (n == name) {
      return l;
    }
  }
  return std::nullopt;
}

std::vector<Layer> allLayers() {
  std::vector<Layer> layers;
  layers.reserve(kLayerNames.size());
  for (const auto& [l, name] : kLayerNames) {
    layers.push_back(l);
  }
  return layers;
}

std::string_view limitName(LimitHit hit) {
  switch (hit) {
    case LimitHit::None:
      return "none";
    case LimitHit::Timeout:
      return "timeout";
    case LimitHit::Cpu:
      return "cpu";
    case LimitHit::Memory:
      return "memory";
    case LimitHit::Pids:
      return "pids";
    case LimitHit::Output:
      return "output";
    case LimitHit::FileSize:
      return "file-size";
    case LimitHit::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

}  // namespace bastion::sandbox
