#pragma once
// Image references as users write them, resolved the way Docker resolves them, so that a pod's
// `image: nginx` names the same image as `docker.io/library/nginx:latest` in containerd's store.

#include <string>

namespace capstan::cri {

// `nginx` -> `docker.io/library/nginx:latest`, `user/app:1` -> `docker.io/user/app:1`,
// `index.docker.io/x` -> `docker.io/library/x:latest`; a first component with a '.' or ':' or
// equal to `localhost` is a registry host and is kept; `@sha256:...` digests are kept and get no
// `:latest`. Image ids (`sha256:<hex>` or 64 hex digits) are returned unchanged, as is "".
std::string normalize_image_ref(const std::string& ref);

}  // namespace capstan::cri
