#include "host_jobs.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace gilsim {

namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(100);

// What the host threads share: the next index to claim, what is done, what failed.
struct Board {
  explicit Board(std::size_t count) : first_failure(count), errors(count) {}

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> first_failure;  // == count while nothing failed
  std::vector<std::exception_ptr> errors;
  std::mutex mutex;
  std::condition_variable changed;
  int threads_left = 0;

  void record_failure(std::size_t index) {
    errors[index] = std::current_exception();
    std::size_t seen = first_failure.load();
    while (index < seen && !first_failure.compare_exchange_weak(seen, index)) {
    }
  }
};

void work(Board& board, std::size_t count, const std::function<void(std::size_t)>& job) {
  // Indexes are claimed in increasing order, so every index below a failure has been claimed
  // and will finish: the lowest failing index is always found.
  for (std::size_t i = board.next++; i < count && i < board.first_failure; i = board.next++) {
    try {
      job(i);
    } catch (...) {
      board.record_failure(i);
    }
    ++board.done;
  }
  std::lock_guard lock(board.mutex);
  --board.threads_left;
  board.changed.notify_all();
}

}  // namespace

void run_jobs(std::size_t count, int threads, const std::function<void(std::size_t)>& job,
              const std::function<void(std::size_t)>& tick) {
  Board board(count);
  const auto pool_size = static_cast<int>(
      std::clamp<std::size_t>(count, 1, static_cast<std::size_t>(std::max(threads, 1))));
  board.threads_left = pool_size;
  std::vector<std::thread> pool;
  for (int t = 0; t < pool_size; ++t)
    pool.emplace_back([&board, count, &job] { work(board, count, job); });
  for (;;) {
    std::unique_lock lock(board.mutex);
    if (board.changed.wait_for(lock, kTickInterval, [&] { return board.threads_left == 0; })) break;
    lock.unlock();
    if (tick) tick(board.done.load());
  }
  for (auto& thread : pool) thread.join();
  if (tick) tick(board.done.load());
  if (board.first_failure < count) std::rethrow_exception(board.errors[board.first_failure]);
}

}  // namespace gilsim
