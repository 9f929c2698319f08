// The event calendar on Boost.Fiber (see engine.hpp).
#include "engine.hpp"

#include <cassert>
#include <stdexcept>

namespace gilsim {

namespace bf = boost::fibers;

// Each fiber's properties say which simulated thread it is; fibers that are not simulated
// threads (the host thread's main fiber, Boost's dispatcher) have tid -1 and run at once.
struct ThreadTag : bf::fiber_properties {
  explicit ThreadTag(bf::context* context, Tid t = -1) : bf::fiber_properties(context), tid(t) {}
  Tid tid;
};

// Boost owns the calendar until the host thread ends, which is after the engine is gone: the
// engine's destructor detaches it, and a detached calendar is a plain FIFO for the fibers
// Boost itself still runs while the thread shuts its scheduler down.
struct Engine::Calendar : bf::algo::algorithm_with_properties<ThreadTag> {
  explicit Calendar(Engine& e) : engine(&e) { e.calendar_algorithm_ = this; }

  bf::fiber_properties* new_properties(bf::context* context) override {
    return new ThreadTag(context, engine ? engine->spawning_ : -1);  // once per fiber
  }
  void awakened(bf::context* context, ThreadTag& tag) noexcept override {
    if (engine == nullptr) return detached.push_back(context);
    if (tag.tid < 0) return engine->push(context, -1, engine->now_);
    Slot& slot = engine->slots_[tag.tid];
    slot.context = context;
    if (slot.at == kNever) {  // parked: only wake() puts it back on the calendar
      slot.parked = true;
      ++engine->parked_;
      return;
    }
    engine->push(context, tag.tid, slot.at);
  }
  bf::context* pick_next() noexcept override {
    if (engine != nullptr) return engine->pop();
    if (detached.empty()) return nullptr;
    bf::context* next = detached.front();
    detached.pop_front();
    return next;
  }
  bool has_ready_fibers() const noexcept override {
    return engine != nullptr ? !engine->calendar_.empty() : !detached.empty();
  }
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {}
  void notify() noexcept override {}

  Engine* engine;
  std::deque<bf::context*> detached;
};

Engine::Engine(Nanos max_virtual_time) : max_virtual_time_(max_virtual_time) {
  slots_.reserve(256);
  bf::use_scheduling_algorithm<Calendar>(*this);  // before any spawn: fibers attach to it
}

Engine::~Engine() {
  // Boost's own fibers (its dispatcher, until it first runs) may still be on the calendar.
  while (!calendar_.empty()) {
    if (calendar_.top().tid < 0) calendar_algorithm_->detached.push_back(calendar_.top().context);
    calendar_.pop();
  }
  calendar_algorithm_->engine = nullptr;
}

void Engine::push(bf::context* context, Tid tid, Nanos at) {
  const std::uint32_t generation = tid < 0 ? 0 : slots_[tid].generation;
  calendar_.push({at < now_ ? now_ : at, sequence_++, context, tid, generation});
}

bf::context* Engine::pop() {
  while (!calendar_.empty()) {
    const Entry next = calendar_.top();
    calendar_.pop();
    if (next.tid >= 0 && next.generation != slots_[next.tid].generation) continue;  // superseded
    if (abort_ == Abort::none && next.at > max_virtual_time_) abort_run(Abort::max_virtual_time);
    if (abort_ == Abort::none && next.at > now_) now_ = next.at;
    if (next.tid >= 0) ++events_;
    current_ = next.tid;
    return next.context;
  }
  if (parked_ > 0 && abort_ == Abort::none) {  // everyone waits for someone: never finishes
    abort_run(Abort::deadlock);
    return pop();
  }
  return nullptr;
}

void Engine::abort_run(Abort why) {
  abort_ = why;
  for (Tid t = 0; t < static_cast<Tid>(slots_.size()); ++t) {
    Slot& slot = slots_[t];
    if (!slot.parked) continue;
    slot.parked = false;
    --parked_;
    push(slot.context, t, now_);
  }
}

Tid Engine::spawn(std::function<void()> body, Nanos at) {
  const Tid tid = static_cast<Tid>(slots_.size());
  slots_.push_back({nullptr, at < now_ ? now_ : at, 0, false});
  spawning_ = tid;
  fibers_.emplace_back(std::allocator_arg, bf::fixedsize_stack(64 * 1024),
                       [this, body = std::move(body)] {
                         try {
                           if (abort_ == Abort::none) body();
                         } catch (const Aborted&) {
                         }
                       });
  spawning_ = -1;
  return tid;
}

void Engine::wait_until(Nanos deadline) {
  assert(current_ >= 0 && "wait_until is called from a simulated thread");
  Slot& slot = slots_[current_];
  slot.at = deadline;
  boost::this_fiber::yield();
  if (abort_ != Abort::none) throw Aborted{};
}

void Engine::wake(Tid tid, Nanos at) {
  assert(tid != current_ && "a running thread does not wake itself");
  Slot& slot = slots_[tid];
  if (at < now_) at = now_;
  if (slot.parked) {
    slot.parked = false;
    --parked_;
  } else if (at >= slot.at) {
    return;
  } else {
    ++slot.generation;  // its later calendar entry is now stale
  }
  slot.at = at;
  if (slot.context != nullptr) push(slot.context, tid, at);
}

void Engine::park(Tid tid) {
  assert(tid != current_ && "only a waiting thread can be parked");
  Slot& slot = slots_[tid];
  if (slot.parked) return;
  ++slot.generation;  // its calendar entry is now stale
  slot.at = kNever;
  slot.parked = true;
  ++parked_;
}

void Engine::run() {
  for (std::size_t i = 0; i < fibers_.size(); ++i) fibers_[i].join();
}

}  // namespace gilsim
