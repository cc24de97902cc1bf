#include "parallelizer.hpp"

namespace capstan::scheduler {

Parallelizer::Parallelizer(int helpers) {
  for (int i = 0; i < helpers; ++i) threads_.emplace_back([this] { helper(); });
}

Parallelizer::~Parallelizer() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void Parallelizer::drain() {
  for (size_t i = next_.fetch_add(1); i < pieces_; i = next_.fetch_add(1)) (*job_)(i);
}

void Parallelizer::helper() {
  uint64_t seen = 0;
  std::unique_lock l(mu_);
  for (;;) {
    start_cv_.wait(l, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    l.unlock();
    drain();
    l.lock();
    if (--busy_ == 0) done_cv_.notify_all();
  }
}

void Parallelizer::run(size_t pieces, const std::function<void(size_t)>& fn) {
  if (threads_.empty() || pieces <= 1) {
    for (size_t i = 0; i < pieces; ++i) fn(i);
    return;
  }
  {
    std::lock_guard l(mu_);
    job_ = &fn;
    pieces_ = pieces;
    next_ = 0;
    busy_ = static_cast<int>(threads_.size());
    ++generation_;
  }
  start_cv_.notify_all();
  drain();
  std::unique_lock l(mu_);
  done_cv_.wait(l, [&] { return busy_ == 0; });
  job_ = nullptr;
}

}  // namespace capstan::scheduler
