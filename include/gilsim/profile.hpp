// A machine profile: every cost constant of the model, named, with a unit. The defaults, and
// where each comes from, live in sim/profile.cpp's parameter table (`gilsim profile` prints it).
#pragma once

#include <cstdint>
#include <string>

#include "gilsim/units.hpp"

namespace gilsim {

struct MachineProfile {
  std::string name = "default";

  // CPython interpreter and GIL
  Nanos eval_breaker_latency = 0;  // drop request set -> holder reaches its next check
  Nanos gil_wake_latency = 0;      // cond/futex signal -> the woken thread runs on a core
  Nanos wake_jitter = 0;           // a wake-up's latency varies this much (uniform, centred)
  Nanos timer_slack = 0;           // a timed wait fires this late (Linux timer_slack_ns)
  Nanos idle_exit_latency = 0;     // extra wake-up time onto a core idle for long
  Nanos idle_poll_window = 0;      // ... longer than this (the idle loop stops polling)
  Nanos idle_exit_ramp = 0;        // ... growing to it by this idle time (0: at once)
  Nanos wake_cost = 0;    // CPU the waker spends waking a thread onto an idle core (the IPI)
  Nanos resume_cost = 0;  // CPU a thread that slept spends in the kernel before it runs

  // Linux scheduler (EEVDF slices, CFS-style sleeper placement; see sim/os.cpp)
  Nanos context_switch = 0;      // a core passes from one thread to a queued one
  Nanos sched_latency = 0;       // a woken sleeper's credit is half of it, before the ncpu factor
  Nanos base_slice = 0;          // a running thread's slice when others wait, before the factor
  Nanos wakeup_granularity = 0;  // a wakee preempts only if this much vruntime behind
  Nanos migration_cost = 0;      // a thread that ran this recently is not pulled (cache-hot)
  Nanos sched_tick = 0;          // the scheduler tick (1/HZ): when idle cores balance

  // threading / ThreadPoolExecutor
  Nanos thread_start = 0;      // Thread.start(): clone + bootstrap, paid by the starter
  Nanos thread_bootstrap = 0;  // new thread's Python-side start-up, under the GIL
  Nanos thread_exit = 0;       // a thread's end after its target returns, GIL released
  Nanos stack_map = 0;         // Thread.start() when glibc has no cached stack: mmap a new one
  Nanos stack_unmap = 0;       // a thread's end when glibc's stack cache is full: munmap
  Nanos pool_submit = 0;       // ThreadPoolExecutor.submit(): Future, _WorkItem, put
  Nanos pool_task = 0;         // worker: get returns, run(), set_result
  Nanos semaphore_acquire = 0;        // Semaphore.acquire(timeout=0) taking a count, in its lock
  Nanos semaphore_acquire_empty = 0;  // ... finding none (Condition.wait(0)), in its lock
  Nanos semaphore_release = 0;        // Semaphore.release(), in its lock

  // multiprocessing: starting and ending processes
  Nanos fork_parent = 0;           // os.fork() in the parent, GIL held
  Nanos fork_child = 0;            // a forked child until its target runs, alone on one core
  Nanos fork_child_shootdowns = 0;  // added with more than one core: TLB-flush IPIs
  Nanos exec_parent = 0;           // spawn: the parent's spawnv_passfds and preparation data
  Nanos interpreter_startup = 0;   // a spawned interpreter until it runs Python code
  Nanos forkserver_request = 0;    // forkserver: the parent's request for one more child
  Nanos forkserver_startup = 0;    // the server until it takes requests (start-up, preload)
  Nanos forkserver_child = 0;      // a child forked by the server until its target runs, alone
  Nanos forkserver_child_shootdowns = 0;  // added per sibling starting on another core
  Nanos process_exit = 0;          // a child's exit after its target until join() returns
  Nanos interpreter_finalize = 0;  // a spawned child's Py_Finalize on top of process_exit

  // multiprocessing: moving objects between processes
  Nanos pickle_message = 0;  // ForkingPickler.dumps or loads of one message, fixed part
  Nanos pickle_per_mib = 0;  // ... and per MiB of pickled data
  Nanos receive_per_mib = 0;  // the receiver's read and loads per MiB (fresh buffers)
  Nanos pipe_message = 0;    // os.write + os.read of one message through a pipe
  Nanos pipe_per_mib = 0;    // ... and per MiB

  // ProcessPoolExecutor (Lib/concurrent/futures/process.py), Python-side costs per task
  Nanos process_submit = 0;       // submit(): Future, _WorkItem, work_ids.put, wake-up write
  Nanos process_dispatch = 0;     // manager thread: move one item to the call queue
  Nanos process_result = 0;       // manager thread: one result to its Future
  Nanos process_worker_task = 0;  // a worker: call_queue.get bookkeeping, _sendback_result

  // subprocess
  Nanos subprocess_spawn = 0;  // subprocess.Popen: fork_exec in the parent, GIL held
  Nanos subprocess_exec = 0;   // the child: exec, dynamic loading, exit

  // asyncio (Lib/asyncio/base_events.py, tasks.py)
  Nanos task_create = 0;     // create_task and gather bookkeeping per task
  Nanos task_step = 0;       // one Task.__step (a handle run) on the loop
  Nanos loop_iteration = 0;  // one _run_once: epoll_wait returning, timers

  // Subinterpreters (PEP 684, PEP 734)
  Nanos interpreter_create = 0;  // an isolated subinterpreter with its own GIL
  Nanos interpreter_call = 0;    // entering a subinterpreter to run one call

  // Free-threaded builds (PEP 703): bytecode runs this much slower than on the GIL build
  Ppm free_threaded_overhead_3_13 = 0;
  Ppm free_threaded_overhead_3_14 = 0;
};

}  // namespace gilsim
