// The event calendar. Every simulated OS thread is a Boost.Fiber; a custom fiber scheduling
// algorithm keeps ready fibers ordered by (virtual wake time, sequence number), so picking the
// next fiber to run *is* popping the next event. Virtual time advances only when a fiber waits.
// Follows ../shared/floors/fiber_des.cpp; all state belongs to one Engine, none is global, and a
// run owns its host thread's fiber scheduler (see simulate.cpp).
#pragma once

#include <boost/fiber/all.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <vector>

#include "gilsim/units.hpp"

namespace gilsim {

using Tid = int;  // a simulated thread, numbered from 0 in creation order

// An Engine becomes the fiber scheduler of the host thread that makes it, for the rest of that
// thread's life: make one Engine per host thread (simulate() starts a thread for each run).

// Why a run stopped early. Fibers unwind by throwing Aborted out of Engine::wait_until.
enum class Abort { none, max_virtual_time, deadlock };
struct Aborted {};

class Engine {
 public:
  explicit Engine(Nanos max_virtual_time);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Nanos now() const { return now_; }
  Tid current() const { return current_; }
  std::uint64_t events() const { return events_; }
  Abort aborted() const { return abort_; }

  // A new simulated thread whose body first runs at virtual time `at` (>= now).
  Tid spawn(std::function<void()> body, Nanos at);

  // The calling thread sleeps until `deadline`, or until wake() makes it run earlier.
  // kNever sleeps until woken. Throws Aborted when the run is being torn down.
  void wait_until(Nanos deadline);

  // Makes `tid` run at `at` if that is earlier than when it would run otherwise.
  void wake(Tid tid, Nanos at);

  // A waiting `tid` now waits only for wake(): its deadline, if any, is dropped.
  void park(Tid tid);

  // Runs every spawned thread to its end (or to an abort). Call once, from outside any fiber.
  void run();

 private:
  struct Calendar;
  struct Slot {
    boost::fibers::context* context = nullptr;
    Nanos at = 0;             // when it runs next (kNever: parked until woken)
    std::uint32_t generation = 0;  // calendar entries of older generations are stale
    bool parked = false;
  };
  struct Entry {
    Nanos at;
    std::uint64_t sequence;
    boost::fibers::context* context;
    Tid tid;
    std::uint32_t generation;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
    }
  };

  void push(boost::fibers::context* context, Tid tid, Nanos at);
  boost::fibers::context* pop();
  void abort_run(Abort why);

  Nanos now_ = 0;
  Nanos max_virtual_time_;
  Tid current_ = -1;
  std::uint64_t sequence_ = 0;
  std::uint64_t events_ = 0;
  int parked_ = 0;
  Abort abort_ = Abort::none;
  Calendar* calendar_algorithm_ = nullptr;
  Tid spawning_ = -1;  // the thread whose fiber is being constructed (see Calendar)
  std::vector<Slot> slots_;
  std::priority_queue<Entry, std::vector<Entry>, Later> calendar_;
  std::deque<boost::fibers::fiber> fibers_;  // deque: join() keeps a reference across growth
};

}  // namespace gilsim
