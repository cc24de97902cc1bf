#pragma once
// Field-by-field translation between capstan.runtime.v1 (Cap'n Proto) and CRI runtime.v1
// (protobuf). Pure functions, no I/O: the gRPC calls are in cri_runtime.cpp. Included only by the
// plugin's own sources (it pulls in protobuf headers).

#include "capstan/runtime.capnp.h"
#include "cri_api.pb.h"

namespace capstan::cri {

namespace rt = capstan::runtime::v1;

void to_cri(rt::PodSandboxConfig::Reader in, ::runtime::v1::PodSandboxConfig* out);
void to_cri(rt::ContainerConfig::Reader in, ::runtime::v1::ContainerConfig* out);

void from_cri(const ::runtime::v1::PodSandboxStatus& in, rt::PodSandboxStatus::Builder out);
void from_cri(const ::runtime::v1::PodSandbox& in, rt::PodSandbox::Builder out);
void from_cri(const ::runtime::v1::Container& in, rt::Container::Builder out);
void from_cri(const ::runtime::v1::ContainerStatus& in, rt::ContainerStatus::Builder out);
void from_cri(const ::runtime::v1::Image& in, rt::Image::Builder out);

// CRI PortMapping protocol from the Kubernetes spelling ("TCP", "UDP", "SCTP"; "" = TCP).
::runtime::v1::Protocol protocol_from_text(const std::string& p);

}  // namespace capstan::cri
