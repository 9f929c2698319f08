// The kernel model (see os.hpp). Rules and their sources:
// - A wake-up (futex, timer, a thread back from an I/O longer than `gil_wake_latency`:
//   shorter ones never slept) or a clone() places the thread at once (try_to_wake_up,
//   wake_up_new_task). An idle core it lands on is its from then on: Linux enqueues it there,
//   or marks a wake-up pending, which idle_cpu() counts, so no other wake-up picks that core.
//   It runs there `gil_wake_latency` (give or take `wake_jitter` / 2, seeded) later (IPI,
//   schedule), plus an idle exit if that core idled longer than `idle_poll_window` (the idle
//   loop polls, then halts: cpuidle's deeper states, a KVM vCPU leaving halt-polling). The
//   exit grows linearly to `idle_exit_latency` at `idle_exit_ramp` of idle time (the longer
//   the idle, the deeper the state the host's cpuidle governor picks); 0: all of it at once.
// - Waking a thread onto an idle core costs the waker `wake_cost` of CPU time (the futex
//   syscall's IPI: in a KVM guest a VM exit), and a thread that slept and resumes on an idle
//   core spends `resume_cost` there before it returns to user code (the idle exit, schedule-in,
//   the syscall's return; from a run queue it pays context_switch instead). Both are CPU
//   time that competes with the work when the cores are busy; the latency is not.
// - A timed wait fires `timer_slack` late (Linux timer_slack_ns, 50 us for SCHED_OTHER).
// - Each core has its own run queue, ordered by vruntime (CFS's rbtree per struct rq). A woken
//   or new thread goes to an idle core if there is one (select_idle_sibling: its previous core
//   if idle, else the one idle the shortest); otherwise it queues on its previous core (a new
//   thread: on the shortest queue, its parent's on a tie: find_idlest_cpu).
// - A core whose queue is empty when its thread leaves pulls a queued thread from another
//   core (newidle balance), but not one that ran in the last `migration_cost` (task_hot: it
//   is cache-hot). Such a thread waits for the next scheduler tick (`sched_tick`, 1/HZ), whose
//   balance lets the idle core pull it once it is no longer hot, after that core's wake-up.
//   So a thread can wait on a busy core while another core idles, as in Linux.
// - With threads waiting on its core, a running thread keeps the core for one base slice
//   (EEVDF, Linux 6.6+: sysctl_sched_base_slice; CFS's sched_slice() divided a period).
// - A thread woken from sleep is placed at max(its vruntime, min_vruntime - sched_latency / 2)
//   of its core (place_entity, GENTLE_FAIR_SLEEPERS) and preempts that core's running thread
//   if that one is more than wakeup_granularity ahead of it (check_preempt_wakeup); a thread
//   moving between cores keeps its lag behind min_vruntime.
// - All three constants scale by 1 + ilog2(min(cores, 8)) (SCHED_TUNABLESCALING_LOG).
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
  core_.assign(static_cast<std::size_t>(cores), Core{});
  for (int c = cores - 1; c >= 0; --c) idle_.push_back(c);
}

Tid Os::start_thread(Pid pid, std::string_view name, Nanos at, std::function<void()> body) {
  assert(engine_.current() < 0 && "a running thread clones");
  return spawn(pid, name, at, [this, body = std::move(body)](Tid t) {
    acquire_core(t);
    body();
  });
}

Tid Os::clone_thread(Pid pid, std::string_view name, std::function<void()> body) {
  const Tid t = spawn(pid, name, now(), [this, body = std::move(body)](Tid self) {
    wait_for_core(self);
    body();
  });
  wake_up(t, false);
  return t;
}

Tid Os::spawn(Pid pid, std::string_view name, Nanos at, std::function<void(Tid)> body) {
  const Tid t = static_cast<Tid>(threads_.size());
  threads_.emplace_back();
  observer_.thread_created(t, pid, name, now());
  publish(t);
  const Tid spawned = engine_.spawn(
      [this, t, body = std::move(body)] {
        body(t);
        pay_kernel_debt(t);
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
    if (due_to_yield(t)) yield_core(t);
    Nanos deadline = now() + work;
    if (interruptible) deadline = std::min(deadline, std::max(th.interrupt_at, now()));
    const bool others = !core_[th.core].queue.empty();
    if (others) deadline = std::min(deadline, std::max(th.slice_end, now()));
    const Nanos from = now();
    if (deadline > from) engine_.wait_until(deadline);
    work -= now() - from;
    if (work <= 0) break;
    if (interruptible && th.interrupt_at <= now()) {
      th.interrupt_at = kNever;
      return work;
    }
  }
  return 0;
}

// Preempted by a wake-up, or its slice is over with others waiting for the core.
bool Os::due_to_yield(Tid t) const {
  const Thread& th = threads_[t];
  return th.preempt || (!core_[th.core].queue.empty() && now() >= th.slice_end);
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
  // Data that arrives within a wake-up latency was there already: the call returns without
  // sleeping, on its core (the time counts as CPU time). A deadline set meanwhile, a slice
  // end or a preemption, may wake the fiber early: it waits out the call, then yields if due,
  // as at any return from a system call.
  if (duration <= profile_.gil_wake_latency) {
    for (const Nanos end = now() + duration; now() < end;) engine_.wait_until(end);
    if (due_to_yield(t)) yield_core(t);
    return;
  }
  // Otherwise the thread sleeps and is woken like any other.
  release_core(t);
  threads_[t].cpu = Cpu::blocked;
  publish(t);
  engine_.wait_until(now() + duration);
  wake_up(t, true);
  wait_for_core(t);
}

// How long a wake-up sent now takes to run the thread on `core`, the idle core it will take
// (-1: none). try_to_wake_up puts the thread on a run queue at once; only a wake-up onto an
// idle core pays the IPI and scheduling latency (and the idle exit if the core halted). With
// every core busy the thread simply queues and runs when the scheduler picks it. The latency
// varies by wake_jitter around its median: with a constant one, two threads racing for a
// lock or the GIL would lock into one phase and one of them would win every race.
Nanos Os::wake_latency(int core) {
  if (core < 0) return 0;
  const Nanos half = profile_.wake_jitter / 2;
  const Nanos jitter = half > 0 ? jitter_.between(-half, half) : 0;
  return std::max<Nanos>(0, profile_.gil_wake_latency + jitter +
                                idle_exit(now() - core_[core].idle_since));
}

// The extra latency of waking a core that has idled for `idle`: none while it still polls,
// then growing linearly with the idle time to the whole exit at idle_exit_ramp.
Nanos Os::idle_exit(Nanos idle) const {
  const Nanos window = profile_.idle_poll_window;
  const Nanos ramp = profile_.idle_exit_ramp;
  if (idle <= window) return 0;
  if (ramp <= window || idle >= ramp) return profile_.idle_exit_latency;
  return profile_.idle_exit_latency * (idle - window) / (ramp - window);
}

bool Os::wait(WaitQueue& queue, Tid t, Nanos timeout) {
  Thread& th = threads_[t];
  queue.waiters.push_back(t);
  th.notified = false;
  release_core(t);
  th.cpu = Cpu::blocked;
  publish(t);
  engine_.wait_until(timeout == kNever ? kNever : now() + timeout + profile_.timer_slack);
  if (!th.notified) {  // the timer fired: its interrupt wakes the thread
    std::erase(queue.waiters, t);
    wake_up(t, true);
  }
  wait_for_core(t);
  return th.notified;
}

// The waiter is placed now, by vruntime ahead of threads woken later in this same instant.
void Os::notify_one(WaitQueue& queue) {
  if (queue.waiters.empty()) return;
  const Tid t = queue.waiters.front();
  queue.waiters.erase(queue.waiters.begin());
  Thread& th = threads_[t];
  th.notified = true;
  engine_.park(t);  // its timeout no longer applies
  wake_up(t, true);
  if (th.handed) engine_.wake(t, th.run_at);
}

void Os::notify_all(WaitQueue& queue) {
  while (!queue.waiters.empty()) notify_one(queue);
}

// A thread that exists before the simulation runs, at its start time: nobody woke it, so it
// takes a free core at once, or queues and sleeps until a core is handed to it.
void Os::acquire_core(Tid t) {
  if (const int core = idle_core_for(t); core >= 0) {
    threads_[t].cpu = Cpu::runnable;
    move_to(t, core);
    place(t, false);
    take_core(t, core);
    return start_on_core(t);
  }
  queue_for_core(t, false);
  wait_for_core(t);
}

// try_to_wake_up() / wake_up_new_task(): t is runnable from now. It takes an idle core at
// once and runs there after that core's wake latency, paying resume_cost; the waker pays
// wake_cost. With every core busy it queues.
void Os::wake_up(Tid t, bool woken) {
  const int idle = idle_core_for(t);
  if (idle < 0) return queue_for_core(t, woken);
  const Tid waker = engine_.current();
  if (waker >= 0 && waker != t && waker < next_tid() && threads_[waker].cpu == Cpu::running)
    threads_[waker].kernel_debt += profile_.wake_cost;
  Thread& th = threads_[t];
  th.run_at = now() + wake_latency(idle);
  move_to(t, idle);
  place(t, woken);
  take_core(t, idle);
  th.handed = true;
  th.resumes = woken;  // a new thread never slept: no way back through the syscall
}

// select_idle_sibling(): the thread's previous core if it is idle, else the core idle the
// shortest (Linux scans from the previous core for the first idle one).
int Os::idle_core_for(Tid t) const {
  if (idle_.empty()) return -1;
  const int prev = threads_[t].core;
  if (prev >= 0 && core_[prev].current < 0) return prev;
  return idle_.back();
}

// Every core busy: a woken thread queues on its previous core; a new one on the least loaded
// core (find_idlest_cpu: nr_running; its parent's on a tie).
int Os::queue_core_for(Tid t) const {
  if (threads_[t].core >= 0) return threads_[t].core;
  // nr_running: a core whose wake-up is still on its way counts none (TTWU_QUEUE).
  auto load = [this](int c) {
    const Tid r = core_[c].current;
    return core_[c].queue.size() + (r >= 0 && threads_[r].cpu == Cpu::running ? 1 : 0);
  };
  const Tid parent = engine_.current();
  int best = parent >= 0 && parent < next_tid() ? std::max(0, threads_[parent].core) : 0;
  for (int c = 0; c < cores_; ++c)
    if (load(c) < load(best)) best = c;
  return best;
}

// Runnable without a core: into a run queue by vruntime, preempting that core's thread if
// woken far enough behind.
void Os::queue_for_core(Tid t, bool woken) {
  threads_[t].cpu = Cpu::runnable;
  move_to(t, queue_core_for(t));
  place(t, woken);
  publish(t);
  if (woken) preempt_for(t);
  enqueue(t, threads_[t].core);
}

// A runnable thread without a core sleeps until the core reserved for it is usable: the one
// its wake-up took, one handed to it from a queue, or one a tick's balance moved it to.
void Os::wait_for_core(Tid t) {
  Thread& th = threads_[t];
  while (!th.handed || now() < th.run_at) {
    if (!th.handed && th.balance_at <= now()) {
      th.balance_at = kNever;
      pull_to_idle_core(t);
      continue;
    }
    engine_.wait_until(th.handed ? th.run_at : th.balance_at);
  }
  th.handed = false;
  th.balance_at = kNever;  // a tick armed before the hand-over is stale
  start_on_core(t);
  // A thread queued here while t was on its way was queued on an idle core, not behind t:
  // the core takes the one with the least vruntime.
  const std::vector<Tid>& queue = core_[th.core].queue;
  if (!queue.empty() && threads_[queue.front()].vruntime < th.vruntime) {
    th.resumes = false;  // it will come back by a context switch
    return yield_core(t);
  }
  if (std::exchange(th.resumes, false)) resume(t);
}

// The tick's balance (nohz_balancer_kick, then the idle core's load_balance): an idle core
// pulls the thread unless it is cache-hot, which waits for the next tick. The kicked core
// wakes first, like any wake-up onto it.
void Os::pull_to_idle_core(Tid t) {
  if (idle_.empty()) return;
  const int idle = idle_.back();
  if (hot(t)) return arm_balance(t);
  Thread& th = threads_[t];
  th.run_at = now() + wake_latency(idle);  // the kicked core's, not a sleeper's: no resume_cost
  dequeue(t);
  move_to(t, idle);
  take_core(t, idle);
  th.handed = true;
}

void Os::take_core(Tid t, int core) {
  core_[core].current = t;
  threads_[t].core = core;
  const auto it = std::find(idle_.rbegin(), idle_.rend(), core);
  assert(it != idle_.rend() && "only an idle core can be taken");
  idle_.erase(it.base() - 1);
}

void Os::start_on_core(Tid t) {
  Thread& th = threads_[t];
  th.cpu = Cpu::running;
  th.on_core_since = now();
  th.slice_end = now() + slice();
  th.preempt = false;
  if (th.interrupt_at < now()) th.interrupt_at = now();
  publish(t);
}

// The core goes to the first thread of its queue (after a context switch), or to a thread
// newidle balance pulls from another core, or becomes free.
void Os::release_core(Tid t) {
  Thread& th = threads_[t];
  if (th.cpu != Cpu::running) return;
  const int core = th.core;
  min_vruntime(core);  // fold in this thread's run before the core may go idle
  th.vruntime += now() - th.on_core_since;
  core_time_ += now() - th.on_core_since;
  th.left_core_at = now();
  th.ran = true;
  core_[core].current = -1;
  if (!core_[core].queue.empty()) return hand_core(core, core_[core].queue.front());
  if (queued_ > 0 && balance_newly_idle(core)) return;
  core_[core].idle_since = now();
  idle_.push_back(core);
  // What newidle balance left (cache-hot threads) waits for the next tick's balance.
  if (queued_ > 0)
    for (const Core& other : core_)
      for (Tid q : other.queue) arm_balance(q);
}

void Os::hand_core(int core, Tid next) {
  dequeue(next);
  move_to(next, core);
  core_[core].current = next;
  Thread& th = threads_[next];
  th.handed = true;
  th.run_at = now() + profile_.context_switch;
  th.balance_at = kNever;
  engine_.park(next);  // a tick armed earlier must not start it before the switch is done
  engine_.wake(next, th.run_at);
}

// sched_balance_newidle(): from the longest other queue, its first thread that is not hot.
bool Os::balance_newly_idle(int core) {
  int busiest = -1;
  for (int c = 0; c < cores_; ++c)
    if (c != core && !core_[c].queue.empty() &&
        (busiest < 0 || core_[c].queue.size() > core_[busiest].queue.size()))
      busiest = c;
  if (busiest < 0) return false;
  for (Tid q : core_[busiest].queue)
    if (!hot(q)) {
      hand_core(core, q);
      return true;
    }
  return false;
}

// The queued thread t is looked at again at the next scheduler tick.
void Os::arm_balance(Tid t) {
  if (profile_.sched_tick <= 0) return;
  const Nanos tick = (now() / profile_.sched_tick + 1) * profile_.sched_tick;
  Thread& th = threads_[t];
  if (tick >= th.balance_at) return;
  th.balance_at = tick;
  if (t != engine_.current()) engine_.wake(t, tick);  // the caller itself waits on balance_at
}

bool Os::hot(Tid t) const {
  const Thread& th = threads_[t];
  return th.ran && now() - th.left_core_at < profile_.migration_cost;
}

// End of slice or preempted: back in its core's queue; keep the core if still first in line.
void Os::yield_core(Tid t) {
  Thread& th = threads_[t];
  th.vruntime += now() - th.on_core_since;
  core_time_ += now() - th.on_core_since;
  th.on_core_since = now();
  th.preempt = false;
  const std::vector<Tid>& queue = core_[th.core].queue;
  if (queue.empty() || vruntime_now(queue.front()) >= th.vruntime) {
    th.slice_end = now() + slice();
    return;
  }
  const int core = th.core;
  release_core(t);  // hands the core to the queue's head
  th.cpu = Cpu::runnable;
  publish(t);
  enqueue(t, core);
  wait_for_core(t);
}

void Os::enqueue(Tid t, int core) {
  std::vector<Tid>& queue = core_[core].queue;
  const Nanos key = threads_[t].vruntime;
  auto at = std::upper_bound(queue.begin(), queue.end(), key,
                             [this](Nanos k, Tid q) { return k < threads_[q].vruntime; });
  const bool was_empty = queue.empty();
  queue.insert(at, t);
  ++queued_;
  threads_[t].core = core;
  if (was_empty) arm_slices(core);
  if (!idle_.empty()) arm_balance(t);  // queued while a core idles (a preempted, hot thread)
}

void Os::dequeue(Tid t) {
  queued_ -= static_cast<int>(std::erase(core_[threads_[t].core].queue, t));
}

// A thread that is not running changes cores: it keeps its lag behind min_vruntime.
void Os::move_to(Tid t, int core) {
  Thread& th = threads_[t];
  if (th.core == core) return;
  if (th.core >= 0) th.vruntime += min_vruntime(core) - min_vruntime(th.core);
  th.core = core;
}

// place_entity(): a waking sleeper gets credit for sleeping, capped at half a period; a new
// thread starts level with the others.
void Os::place(Tid t, bool woken) {
  Thread& th = threads_[t];
  th.vruntime =
      std::max(th.vruntime, min_vruntime(th.core) - (woken ? sched_latency_ / 2 : 0));
}

// check_preempt_wakeup(): preempt the thread running on the woken thread's core, if it is
// more than wakeup_granularity ahead of it (not the waker itself: it yields at its slice end).
void Os::preempt_for(Tid t) {
  const Tid victim = core_[threads_[t].core].current;
  if (victim < 0 || victim == engine_.current() || threads_[victim].preempt ||
      threads_[victim].cpu != Cpu::running)
    return;
  if (vruntime_now(victim) - threads_[t].vruntime <= wakeup_granularity_) return;
  threads_[victim].preempt = true;
  engine_.wake(victim, now());
}

// Threads now wait for this core: its running thread gets a deadline at the end of its slice.
void Os::arm_slices(int core) {
  const Tid r = core_[core].current;
  if (r >= 0 && r != engine_.current() && threads_[r].cpu == Cpu::running)
    engine_.wake(r, std::max(now(), threads_[r].slice_end));
}

Nanos Os::vruntime_now(Tid t) const {
  const Thread& th = threads_[t];
  return th.vruntime + (th.cpu == Cpu::running ? now() - th.on_core_since : 0);
}

// The lowest vruntime on a core, kept from going backwards (cfs_rq->min_vruntime).
Nanos Os::min_vruntime(int core) {
  Core& k = core_[core];
  Nanos lowest = kNever;
  if (k.current >= 0 && threads_[k.current].cpu == Cpu::running)
    lowest = vruntime_now(k.current);
  if (!k.queue.empty()) lowest = std::min(lowest, threads_[k.queue.front()].vruntime);
  if (lowest != kNever) k.min_vruntime = std::max(k.min_vruntime, lowest);
  return k.min_vruntime;
}

Nanos Os::slice() const { return base_slice_; }

}  // namespace gilsim
