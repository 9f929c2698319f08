#include "threading.hpp"

namespace gilsim {

// glibc keeps the stacks of exited threads for new ones up to 40 MiB (stack_cache_maxsize):
// four of the default 8 MiB stacks (RLIMIT_STACK) with their guard page.
constexpr int kCachedStacks = 4;

Threading::Threading(Interpreter& interp, const MachineProfile& profile, Pid pid)
    : interp_(interp), profile_(profile), pid_(pid) {}

Threading::PyThread& Threading::record(Tid t) {
  while (static_cast<Tid>(threads_.size()) <= t) threads_.emplace_back();
  return threads_[static_cast<std::size_t>(t)];
}

Tid Threading::boot_main(std::function<void(Tid)> body) {
  const Tid t = interp_.os().start_thread(pid_, "MainThread", 0, main_body(std::move(body)));
  record(t);
  return t;
}

Tid Threading::start_main(std::function<void(Tid)> body) {
  const Tid t = interp_.os().clone_thread(pid_, "MainThread", main_body(std::move(body)));
  record(t);
  return t;
}

std::function<void()> Threading::main_body(std::function<void(Tid)> body) {
  const Tid t = interp_.os().next_tid();
  return [this, t, body = std::move(body)] {
    interp_.gil().take(t);
    body(t);
    record(t).finished = true;
    interp_.gil().drop_final(t);
  };
}

Tid Threading::start(Tid starter, std::string_view name, std::function<void(Tid)> body) {
  Os& os = interp_.os();
  interp_.run_python(starter, profile_.thread_start + stack_for_new_thread(),
                     ThreadState::overhead);
  const Tid t = os.next_tid();
  record(t);
  // clone() ends thread_start: the new thread is placed at once, while the starter still
  // holds the GIL. It takes the GIL (t_bootstrap), runs _bootstrap_inner up to
  // `self._started.set()`, then its target.
  os.clone_thread(pid_, name, [this, t, body = std::move(body)] {
    interp_.gil().take(t);
    interp_.run_python(t, profile_.thread_bootstrap, ThreadState::overhead);
    record(t).started = true;
    interp_.os().notify_all(record(t).started_event);
    body(t);
    record(t).finished = true;
    interp_.os().notify_all(record(t).tstate_lock);
    interp_.gil().drop_final(t);
    exit_thread(t);
  });
  while (!record(t).started)
    interp_.wait_released(starter, record(t).started_event, ThreadState::overhead);
  return t;
}

// pthread_create's allocate_stack: a cached stack if there is one, else a new mapping.
Nanos Threading::stack_for_new_thread() {
  if (cached_stacks_ == 0) return profile_.stack_map;
  --cached_stacks_;
  return 0;
}

// After the tstate lock's release: the rest of PyThreadState's teardown, glibc's exit (the
// stack goes to the cache; one beyond its limit is unmapped) and the kernel's, GIL released.
void Threading::exit_thread(Tid t) {
  Nanos cost = profile_.thread_exit;
  if (cached_stacks_ < kCachedStacks)
    ++cached_stacks_;
  else
    cost += profile_.stack_unmap;
  Os& os = interp_.os();
  os.set_activity(t, ThreadState::kernel);
  os.compute(t, cost, false);
}

void Threading::join(Tid caller, Tid t) {
  while (!record(t).finished) interp_.wait_released(caller, record(t).tstate_lock, ThreadState::idle);
}

}  // namespace gilsim
