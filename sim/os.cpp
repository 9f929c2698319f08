// The kernel model (see os.hpp). Rules and their sources:
// - A wake-up (futex, timer, a thread back from an I/O longer than `gil_wake_latency`:
//   shorter ones never slept) queues the thread at once (try_to_wake_up); if it lands on an
//   idle core it runs `gil_wake_latency` (give or take `wake_jitter` / 2, seeded) later (IPI,
//   schedule), plus `idle_exit_latency` if that core idled longer than `idle_poll_window` (the
//   idle loop polls, then halts: cpuidle's deeper states, a KVM vCPU leaving halt-polling).
// - Waking a thread onto an idle core costs the waker `wake_cost` of CPU time (the futex
//   syscall's IPI: in a KVM guest a VM exit), and a thread that slept and resumes on an idle
//   core spends `resume_cost` there before it returns to user code (the idle exit, schedule-in,
//   the syscall's return; from a run queue it pays context_switch instead). Both are CPU
//   time that competes with the work when the cores are busy; the latency is not.
// - A timed wait fires `timer_slack` late (Linux timer_slack_ns, 50 us for SCHED_OTHER).
// - Runnable threads beyond the cores wait in a run queue ordered by vruntime (CFS's rbtree).
// - With threads waiting, a running thread keeps its core for one base slice (EEVDF, Linux
//   6.6+: sysctl_sched_base_slice; CFS's sched_slice() divided a period instead).
// - A thread woken from sleep is placed at max(its vruntime, min_vruntime - sched_latency / 2)
//   (place_entity, GENTLE_FAIR_SLEEPERS) and preempts the running thread furthest ahead if that
//   one is more than wakeup_granularity ahead of it (check_preempt_wakeup).
// - All three constants scale by 1 + ilog2(min(cores, 8)) (SCHED_TUNABLESCALING_LOG).
// One global run queue stands for Linux's per-core queues and their load balancing.
#include "os.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <utility>

namespace gilsim {

namespace {
Nanos ncpu_factor(int cores) {
  const unsigned capped = static_cast<unsigned>(std::min(cores, 8));
  return 1 + (std::bit_width(capped) - 1);  // 1 + ilog2
}
}  // namespace

Os::Os(Engine& engine, Observer& observer, const MachineProfile& profile, int cores, Rng jitter)
    : engine_(engine),
      observer_(observer),
      profile_(profile),
      cores_(cores),
      jitter_(jitter),
      sched_latency_(profile.sched_latency * ncpu_factor(cores)),
      base_slice_(profile.base_slice * ncpu_factor(cores)),
      wakeup_granularity_(profile.wakeup_granularity * ncpu_factor(cores)) {
  running_.reserve(static_cast<std::size_t>(cores));
  idle_since_.assign(static_cast<std::size_t>(cores), 0);
  run_queue_.reserve(256);
}

Tid Os::start_thread(Pid pid, std::string_view name, Nanos at, std::function<void()> body) {
  const Tid t = static_cast<Tid>(threads_.size());
  threads_.emplace_back();
  observer_.thread_created(t, pid, name, now());
  publish(t);
  const Tid spawned = engine_.spawn(
      [this, t, body = std::move(body)] {
        acquire_core(t, false);
        body();
        release_core(t);
        threads_[t].cpu = Cpu::exited;
        threads_[t].activity = ThreadState::exited;
        publish(t);
      },
      at);
  assert(spawned == t && "every engine thread is an OS thread");
  (void)spawned;
  return t;
}

void Os::set_activity(Tid t, ThreadState activity) {
  threads_[t].activity = activity;
  publish(t);
}

void Os::publish(Tid t) {
  Thread& th = threads_[t];
  const ThreadState state = th.cpu == Cpu::runnable ? ThreadState::runnable : th.activity;
  if (state == th.published) return;
  th.published = state;
  observer_.state_changed(t, state, now());
}

Nanos Os::compute(Tid t, Nanos work, bool interruptible) {
  Thread& th = threads_[t];
  assert(th.cpu == Cpu::running && "compute needs a core");
  pay_kernel_debt(t);
  while (work > 0) {
    Nanos deadline = now() + work;
    if (interruptible) deadline = std::min(deadline, std::max(th.interrupt_at, now()));
    if (!run_queue_.empty()) deadline = std::min(deadline, std::max(th.slice_end, now()));
    const Nanos from = now();
    if (deadline > from) engine_.wait_until(deadline);
    work -= now() - from;
    if (work <= 0) break;
    if (interruptible && th.interrupt_at <= now()) {
      th.interrupt_at = kNever;
      return work;
    }
    if (th.preempt || (!run_queue_.empty() && now() >= th.slice_end)) yield_core(t);
  }
  return 0;
}

void Os::interrupt(Tid t, Nanos at) {
  Thread& th = threads_[t];
  th.interrupt_at = std::min(th.interrupt_at, at);
  // Only a thread computing on a core is waiting for a deadline that must move; the others see
  // interrupt_at when they next compute.
  if (th.cpu == Cpu::running && t != engine_.current()) engine_.wake(t, th.interrupt_at);
}

void Os::clear_interrupt(Tid t) { threads_[t].interrupt_at = kNever; }

// The waker's wake_cost is owed from the notify on and paid when the thread next computes: a
// notify never yields, and neither does a wait before it has queued (that would lose wake-ups
// sent meanwhile), so a thread that blocks right after a notify pays once it runs again.
void Os::pay_kernel_debt(Tid t) {
  const Nanos debt = std::exchange(threads_[t].kernel_debt, 0);
  if (debt > 0) in_kernel(t, debt);
}

// CPU time the thread spends in the kernel, shown as such.
void Os::in_kernel(Tid t, Nanos work) {
  const ThreadState was = threads_[t].activity;
  set_activity(t, ThreadState::kernel);
  compute(t, work, false);
  set_activity(t, was);
}

// A thread that slept is back on a core that was idle: the kernel's way back to user code
// (a core handed over from a queue charges context_switch instead).
void Os::resume(Tid t) {
  if (profile_.resume_cost > 0) in_kernel(t, profile_.resume_cost);
}

void Os::block_for(Tid t, Nanos duration) {
  release_core(t);
  threads_[t].cpu = Cpu::blocked;
  publish(t);
  engine_.wait_until(now() + duration);
  // Data that arrives within a wake-up latency was there already: the call never slept.
  // Otherwise the thread slept and is woken like any other.
  const bool slept = duration > profile_.gil_wake_latency;
  if (slept)
    if (const Nanos wake = wake_latency(); wake > 0) engine_.wait_until(now() + wake);
  if (acquire_core(t, true) && slept) resume(t);
}

// How long a wake-up sent now takes to run the thread. try_to_wake_up puts the thread on a
// run queue at once; only a wake-up onto an idle core pays the IPI and scheduling latency
// (and the idle exit if the core halted: the one idle the shortest is chosen). With every
// core busy the thread simply queues and runs when the scheduler picks it. The latency varies
// by wake_jitter around its median: with a constant one, two threads racing for a lock or the
// GIL would lock into one phase and one of them would win every race.
Nanos Os::wake_latency() {
  if (idle_since_.empty()) return 0;
  const bool halted = now() - idle_since_.back() > profile_.idle_poll_window;
  const Nanos half = profile_.wake_jitter / 2;
  const Nanos jitter = half > 0 ? jitter_.between(-half, half) : 0;
  return std::max<Nanos>(0, profile_.gil_wake_latency + jitter +
                                (halted ? profile_.idle_exit_latency : 0));
}

bool Os::wait(WaitQueue& queue, Tid t, Nanos timeout) {
  Thread& th = threads_[t];
  queue.waiters.push_back(t);
  th.notified = false;
  release_core(t);
  th.cpu = Cpu::blocked;
  publish(t);
  engine_.wait_until(timeout == kNever ? kNever : now() + timeout + profile_.timer_slack);
  if (th.queued_by_waker) {  // queued by notify_one, and now given a core
    th.queued_by_waker = false;
    start_on_core(t);
    return true;
  }
  if (!th.notified) {  // the timer fired: its interrupt wakes the thread
    std::erase(queue.waiters, t);
    if (const Nanos wake = wake_latency(); wake > 0) engine_.wait_until(now() + wake);
  }
  if (acquire_core(t, true)) resume(t);
  return th.notified;
}

void Os::notify_one(WaitQueue& queue) {
  if (queue.waiters.empty()) return;
  const Tid t = queue.waiters.front();
  queue.waiters.erase(queue.waiters.begin());
  Thread& th = threads_[t];
  th.notified = true;
  if (!idle_since_.empty()) {
    const Tid waker = engine_.current();
    if (waker >= 0 && waker < next_tid() && threads_[waker].cpu == Cpu::running)
      threads_[waker].kernel_debt += profile_.wake_cost;
    return engine_.wake(t, now() + wake_latency());
  }
  // Every core busy: try_to_wake_up queues it now, by vruntime, ahead of threads woken later
  // in this same instant; it runs when the scheduler gives it a core.
  engine_.park(t);
  th.queued_by_waker = true;
  queue_for_core(t, true);
}

void Os::notify_all(WaitQueue& queue) {
  while (!queue.waiters.empty()) notify_one(queue);
}

// A thread that is ready to run gets a free core, or queues (perhaps preempting someone) and
// sleeps until a core is handed to it. Returns true if it took a free core.
bool Os::acquire_core(Tid t, bool woken) {
  if (!idle_since_.empty()) {  // a free core: the one idle the shortest
    threads_[t].cpu = Cpu::runnable;
    place(t, woken);
    idle_since_.pop_back();
    start_on_core(t);
    return true;
  }
  queue_for_core(t, woken);
  engine_.wait_until(kNever);
  start_on_core(t);
  return false;
}

// Runnable without a core: into the run queue by vruntime, preempting someone if woken far
// enough behind.
void Os::queue_for_core(Tid t, bool woken) {
  threads_[t].cpu = Cpu::runnable;
  place(t, woken);
  publish(t);
  if (woken) preempt_for(t);
  enqueue(t);
}

void Os::start_on_core(Tid t) {
  Thread& th = threads_[t];
  th.cpu = Cpu::running;
  th.on_core_since = now();
  th.slice_end = now() + slice();
  th.preempt = false;
  if (th.interrupt_at < now()) th.interrupt_at = now();
  running_.push_back(t);
  publish(t);
}

// The core goes to the first queued thread (after a context switch), or becomes free.
void Os::release_core(Tid t) {
  Thread& th = threads_[t];
  if (th.cpu != Cpu::running) return;
  th.vruntime += now() - th.on_core_since;
  core_time_ += now() - th.on_core_since;
  std::erase(running_, t);
  if (run_queue_.empty()) {
    idle_since_.push_back(now());
    return;
  }
  const Tid next = run_queue_.front();
  run_queue_.erase(run_queue_.begin());
  engine_.wake(next, now() + profile_.context_switch);
}

// End of slice or preempted: back in the queue; keep the core if still first in line.
void Os::yield_core(Tid t) {
  Thread& th = threads_[t];
  th.vruntime += now() - th.on_core_since;
  core_time_ += now() - th.on_core_since;
  th.on_core_since = now();
  th.preempt = false;
  if (run_queue_.empty() || vruntime_now(run_queue_.front()) >= th.vruntime) {
    th.slice_end = now() + slice();
    return;
  }
  release_core(t);  // hands the core to the queue's head
  th.cpu = Cpu::runnable;
  publish(t);
  enqueue(t);
  engine_.wait_until(kNever);
  start_on_core(t);
}

void Os::enqueue(Tid t) {
  const Nanos key = threads_[t].vruntime;
  auto at = std::upper_bound(run_queue_.begin(), run_queue_.end(), key,
                             [this](Nanos k, Tid q) { return k < threads_[q].vruntime; });
  const bool was_empty = run_queue_.empty();
  run_queue_.insert(at, t);
  if (was_empty) arm_slices();
}

// place_entity(): a waking sleeper gets credit for sleeping, capped at half a period; a new
// thread starts level with the others.
void Os::place(Tid t, bool woken) {
  Thread& th = threads_[t];
  th.vruntime = std::max(th.vruntime, min_vruntime() - (woken ? sched_latency_ / 2 : 0));
}

// check_preempt_wakeup(): preempt the running thread furthest ahead in vruntime, if it is more
// than wakeup_granularity ahead of the woken one.
void Os::preempt_for(Tid t) {
  Tid victim = -1;
  for (Tid r : running_) {
    if (threads_[r].preempt || r == engine_.current()) continue;
    if (victim < 0 || vruntime_now(r) > vruntime_now(victim)) victim = r;
  }
  if (victim < 0 || vruntime_now(victim) - threads_[t].vruntime <= wakeup_granularity_) return;
  threads_[victim].preempt = true;
  engine_.wake(victim, now());
}

// Threads now wait for a core: every running thread gets a deadline at the end of its slice.
void Os::arm_slices() {
  for (Tid r : running_)
    if (r != engine_.current()) engine_.wake(r, std::max(now(), threads_[r].slice_end));
}

Nanos Os::vruntime_now(Tid t) const {
  const Thread& th = threads_[t];
  return th.vruntime + (th.cpu == Cpu::running ? now() - th.on_core_since : 0);
}

Nanos Os::min_vruntime() const {
  Nanos lowest = kNever;
  for (Tid r : running_) lowest = std::min(lowest, vruntime_now(r));
  if (!run_queue_.empty()) lowest = std::min(lowest, threads_[run_queue_.front()].vruntime);
  return lowest == kNever ? 0 : lowest;
}

Nanos Os::slice() const { return base_slice_; }

}  // namespace gilsim
