// parallel_for(n, threads, min_per_thread, fn): runs fn(begin, end) over [0, n) split into at most
// `threads` contiguous blocks on std::threads, the calling thread taking the first block. Fewer
// threads run when a block would hold less than `min_per_thread` items.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace deepomics {

template <class Fn>
void parallel_for(std::size_t n, int threads, std::size_t min_per_thread, Fn fn) {
  if (n == 0) return;
  std::size_t t = threads > 0 ? static_cast<std::size_t>(threads) : 1;
  if (min_per_thread > 0) t = std::min(t, std::max<std::size_t>(1, n / min_per_thread));
  t = std::min(t, n);
  if (t <= 1) {
    fn(std::size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(t);
  pool.reserve(t - 1);
  auto block = [&](std::size_t i) {
    try {
      fn(n * i / t, n * (i + 1) / t);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  for (std::size_t i = 1; i < t; ++i) pool.emplace_back(block, i);
  block(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace deepomics
