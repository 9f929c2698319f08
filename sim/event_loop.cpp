#include "event_loop.hpp"

#include "work.hpp"

namespace gilsim {

namespace {
// selectors.EpollSelector.select: epoll_wait takes whole milliseconds, rounded up.
Nanos epoll_timeout(Nanos timeout) { return (timeout + kMilli - 1) / kMilli * kMilli; }
}  // namespace

EventLoop::EventLoop(World& world, PyProcess& process)
    : world_(world), process_(process), interp_(process.interp()) {
  const auto tasks = world.program.task_kinds.size();
  coros_.reserve(tasks);
  for (std::size_t i = 0; i < tasks; ++i)
    coros_.push_back({task_stream(world.scenario, static_cast<std::int64_t>(i))});
  std::vector<Timer> storage;
  storage.reserve(tasks);
  timers_ = decltype(timers_)(std::greater<>(), std::move(storage));
  semaphore_ = world.program.concurrency;
}

void EventLoop::run(Tid loop_thread) {
  loop_ = loop_thread;
  // main(): a task per unit of work (create_task schedules its first step), then gather.
  for (std::size_t i = 0; i < coros_.size(); ++i) {
    interp_.run_python(loop_, world_.profile.task_create, ThreadState::overhead);
    coros_[i].created = world_.now();
    ready_.push_back({Callback::step, static_cast<std::int64_t>(i)});
  }
  while (finished_ < static_cast<std::int64_t>(coros_.size())) run_once();
  if (executor_) executor_->shutdown(loop_);  // asyncio.run: shutdown_default_executor()
}

void EventLoop::run_once() {
  Nanos timeout = kNever;
  if (!ready_.empty() || !threadsafe_.empty()) {
    timeout = 0;
  } else if (!timers_.empty()) {
    timeout = epoll_timeout(std::max<Nanos>(0, timers_.top().when - world_.now()));
  }
  if (timeout > 0) interp_.wait_released(loop_, selector_, ThreadState::idle, timeout);
  interp_.run_python(loop_, world_.profile.loop_iteration, ThreadState::overhead);
  while (!threadsafe_.empty()) {  // the self-pipe's reader: callbacks other threads queued
    ready_.push_back({Callback::wakeup, threadsafe_.front()});
    threadsafe_.pop_front();
  }
  while (!timers_.empty() && timers_.top().when <= world_.now()) {
    ready_.push_back({Callback::wakeup, timers_.top().coro});
    timers_.pop();
  }
  // Only the handles ready now; those they schedule run in the next iteration.
  for (std::size_t n = ready_.size(); n > 0; --n) {
    const Handle handle = ready_.front();
    ready_.pop_front();
    run_handle(handle);
  }
}

void EventLoop::run_handle(Handle handle) {
  interp_.run_python(loop_, world_.profile.task_step, ThreadState::overhead);
  switch (handle.callback) {
    case Callback::step:
      return step(handle.coro);
    case Callback::wakeup: {
      Coro& c = coros_[static_cast<std::size_t>(handle.coro)];
      world_.observer.op_finished(loop_, c.awaiting, c.await_started, world_.now());
      ready_.push_back({Callback::step, handle.coro});
      return;
    }
    case Callback::done:
      ++finished_;
      return;
  }
}

// The coroutine runs on the loop thread until it awaits something or returns.
void EventLoop::step(std::int64_t coro) {
  Coro& c = coros_[static_cast<std::size_t>(coro)];
  if (!c.holds_semaphore && !acquire_semaphore(coro)) return;
  const TaskKind& kind = task_kind(world_, coro);
  const Program& program = world_.program;
  while (c.round < kind.body.repeat) {
    while (c.op < kind.body.ops.size()) {
      const Op& op = kind.body.ops[c.op++];
      const Nanos duration = draw(op.duration, c.rng);
      const bool awaits = op.kind == OpKind::io || op.kind == OpKind::subprocess ||
                          program.to_thread[static_cast<std::size_t>(op.kind)];
      if (awaits) return await_op(coro, op.kind, duration);
      const Nanos started = world_.now();
      run_op(world_, interp_, loop_, op.kind, duration);
      world_.observer.op_finished(loop_, op.kind, started, world_.now());
    }
    c.op = 0;
    ++c.round;
  }
  finish(coro);
}

// `async with semaphore`: a free slot at once, else wait for a finishing task to hand its own.
bool EventLoop::acquire_semaphore(std::int64_t coro) {
  if (semaphore_ == 0) {
    semaphore_waiters_.push_back(coro);
    return false;
  }
  --semaphore_;
  coros_[static_cast<std::size_t>(coro)].holds_semaphore = true;
  return true;
}

void EventLoop::finish(std::int64_t coro) {
  if (semaphore_waiters_.empty()) {
    ++semaphore_;
  } else {  // release(): the first waiter's future is set; its task steps next iteration
    const std::int64_t next = semaphore_waiters_.front();
    semaphore_waiters_.pop_front();
    coros_[static_cast<std::size_t>(next)].holds_semaphore = true;
    ready_.push_back({Callback::step, next});
  }
  world_.observer.task_finished(coro, coros_[static_cast<std::size_t>(coro)].created,
                                world_.now());
  ready_.push_back({Callback::done, coro});
}

void EventLoop::await_op(std::int64_t coro, OpKind kind, Nanos duration) {
  Coro& c = coros_[static_cast<std::size_t>(coro)];
  c.await_started = world_.now();
  c.awaiting = kind;
  if (world_.program.to_thread[static_cast<std::size_t>(kind)]) {
    c.to_thread_duration = duration;
    default_executor().submit(loop_, coro);  // asyncio.to_thread -> run_in_executor(None)
  } else if (kind == OpKind::io) {
    timers_.push({world_.now() + duration, timer_sequence_++, coro});  // asyncio.sleep
  } else {
    // create_subprocess_exec: fork_exec on the loop thread; the child's exit wakes the loop.
    interp_.run_c(loop_, world_.profile.subprocess_spawn, ThreadState::startup);
    const Pid pid = world_.add_os_process("subprocess");
    world_.os.clone_thread(pid, "command", [this, coro, duration] {
      const Tid self = world_.engine.current();
      world_.os.set_activity(self, ThreadState::native);
      world_.os.compute(self, world_.profile.subprocess_exec + duration, false);
      call_soon_threadsafe(coro);
    });
  }
}

// Another thread queues a callback and writes a byte to the loop's self-pipe.
void EventLoop::call_soon_threadsafe(std::int64_t coro) {
  threadsafe_.push_back(coro);
  world_.os.notify_one(selector_);
}

ThreadPoolExecutor& EventLoop::default_executor() {
  if (!executor_) {
    executor_ = std::make_unique<ThreadPoolExecutor>(
        world_, process_, world_.program.workers, "asyncio",
        [this](Tid worker, int, std::int64_t coro) {
          const Coro& c = coros_[static_cast<std::size_t>(coro)];
          run_op(world_, interp_, worker, c.awaiting, c.to_thread_duration);
        },
        [this](std::int64_t coro, Nanos) {
          // wrap_future's callback: loop.call_soon_threadsafe, a write to the self-pipe.
          const Tid worker = world_.engine.current();
          interp_.run_released(worker, world_.profile.pipe_message, ThreadState::overhead);
          call_soon_threadsafe(coro);
        });
  }
  return *executor_;
}

}  // namespace gilsim
