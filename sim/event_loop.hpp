// asyncio.run(main()), where main() creates a task per unit of work and gathers them (at most
// `concurrency` inside an asyncio.Semaphore), on the main thread's event loop
// (Lib/asyncio/base_events.py BaseEventLoop._run_once, tasks.py Task.__step).
//
// One iteration: select (epoll_wait with the GIL released, a timeout of the nearest timer
// rounded up to a millisecond, or none while handles are ready), the loop's bookkeeping, due
// timers to the ready queue, then exactly the handles that were ready, each a task step or a
// callback. A task step runs the coroutine's ops until it awaits: `io` is asyncio.sleep (a
// timer), `subprocess` a child process whose exit wakes the loop, and the kinds listed in
// `to_thread` go to the default executor (a ThreadPoolExecutor named "asyncio"); every other
// op runs right there and blocks the loop. A sleep costs two handles (the timer's callback,
// then the task's wake-up), as in CPython.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <vector>

#include "draw.hpp"
#include "thread_pool.hpp"

namespace gilsim {

class EventLoop {
 public:
  EventLoop(World& world, PyProcess& process);
  void run(Tid loop_thread);

 private:
  enum class Callback : std::uint8_t {
    step,    // Task.__step: run the coroutine to its next await
    wakeup,  // a future's result arrives (a timer, an executor, a child); then a step
    done,    // gather's _done_callback for a finished task
  };
  struct Handle {
    Callback callback;
    std::int64_t coro;
  };
  struct Timer {
    Nanos when;
    std::uint64_t sequence;
    std::int64_t coro;
    bool operator>(const Timer& o) const {
      return when != o.when ? when > o.when : sequence > o.sequence;
    }
  };
  struct Coro {
    Rng rng;
    std::int64_t round = 0;  // repeats of the op list done
    std::size_t op = 0;      // the next op
    bool holds_semaphore = false;
    Nanos created = 0;
    Nanos await_started = 0;  // when the pending await began
    OpKind awaiting = OpKind::io;
    Nanos to_thread_duration = 0;  // the op the executor runs for it
  };

  void run_once();
  void run_handle(Handle handle);
  void step(std::int64_t coro);
  bool acquire_semaphore(std::int64_t coro);
  void finish(std::int64_t coro);
  void await_op(std::int64_t coro, OpKind kind, Nanos duration);
  void call_soon_threadsafe(std::int64_t coro);
  ThreadPoolExecutor& default_executor();

  World& world_;
  PyProcess& process_;
  Interpreter& interp_;
  Tid loop_ = -1;
  std::vector<Coro> coros_;
  std::deque<Handle> ready_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t timer_sequence_ = 0;
  std::deque<std::int64_t> threadsafe_;  // call_soon_threadsafe from other threads
  WaitQueue selector_;                   // the loop thread in epoll_wait
  std::int64_t finished_ = 0;
  std::int64_t semaphore_ = 0;
  std::deque<std::int64_t> semaphore_waiters_;
  std::unique_ptr<ThreadPoolExecutor> executor_;  // made at the first to_thread
};

}  // namespace gilsim
