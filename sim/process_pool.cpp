#include "process_pool.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "thread_pool.hpp"
#include "work.hpp"

namespace gilsim {

namespace {
// Lib/concurrent/futures/process.py: EXTRA_QUEUED_CALLS = 1, the call queue holds one more
// item than there are workers so none waits for the manager.
constexpr int kExtraQueuedCalls = 1;

std::string_view process_class(StartMethod method) {
  switch (method) {
    case StartMethod::fork:
      return "ForkProcess";
    case StartMethod::forkserver:
      return "ForkServerProcess";
    case StartMethod::spawn:
      return "SpawnProcess";
  }
  return "Process";
}
}  // namespace

ProcessPoolExecutor::ProcessPoolExecutor(World& world, PyProcess& parent,
                                         const InterpreterConfig& config)
    : world_(world),
      parent_(parent),
      config_(config),
      max_workers_(world.program.workers),
      method_(world.program.start_method) {
  done_.assign(static_cast<std::size_t>(chunks()), 0);
  submitted_.assign(done_.size(), 0);
}

std::int64_t ProcessPoolExecutor::chunks() const {
  const auto tasks = static_cast<std::int64_t>(world_.program.task_kinds.size());
  return (tasks + world_.program.chunksize - 1) / world_.program.chunksize;
}

// A call item pickles the arguments of its chunk's tasks; a result item their results.
Bytes ProcessPoolExecutor::chunk_bytes(std::int64_t chunk, bool result) const {
  const auto tasks = static_cast<std::int64_t>(world_.program.task_kinds.size());
  const std::int64_t first = chunk * world_.program.chunksize;
  const std::int64_t end = std::min(tasks, first + world_.program.chunksize);
  Bytes bytes = 0;
  for (std::int64_t task = first; task < end; ++task) {
    const TaskKind& kind = task_kind(world_, task);
    bytes += result ? kind.result_bytes : kind.arg_bytes;
  }
  return bytes;
}

void ProcessPoolExecutor::map(Tid caller) {
  for (std::int64_t chunk = 0; chunk < chunks(); ++chunk) submit(caller, chunk);
  for (std::int64_t chunk = 0; chunk < chunks(); ++chunk) wait_for(caller, chunk);
}

// submit(): the work item and its id, a byte to the manager's wake-up pipe, then
// _adjust_process_count (spawn, forkserver) and _start_executor_manager_thread.
void ProcessPoolExecutor::submit(Tid caller, std::int64_t chunk) {
  parent_.interp().run_python(caller, world_.profile.process_submit, ThreadState::overhead);
  submitted_[static_cast<std::size_t>(chunk)] = world_.now();
  work_ids_.push_back(chunk);
  ++pending_;
  wake_manager(caller);
  if (method_ != StartMethod::fork) adjust_process_count(caller);
  if (manager_ < 0) {
    // fork: every worker is forked before the manager thread exists (gh-90622).
    if (method_ == StartMethod::fork)
      while (static_cast<int>(workers_.size()) < max_workers_) spawn_process(caller);
    manager_ = parent_.threading().start(caller, "Thread-1", [this](Tid self) { manager(self); });
  }
}

void ProcessPoolExecutor::wake_manager(Tid caller) {
  parent_.interp().run_released(caller, world_.profile.pipe_message, ThreadState::overhead);
  wakeup_ = true;
  world_.os.notify_one(manager_wait_);
}

void ProcessPoolExecutor::wait_for(Tid caller, std::int64_t chunk) {
  while (!done_[static_cast<std::size_t>(chunk)]) {
    waiting_for_ = chunk;
    parent_.interp().wait_released(caller, result_waiter_, ThreadState::idle);
  }
  waiting_for_ = -1;
}

void ProcessPoolExecutor::shutdown(Tid caller) {
  shutting_down_ = true;
  wake_manager(caller);
  parent_.threading().join(caller, manager_);
  fork_server_.stop = true;
  world_.os.notify_all(fork_server_.waiters);
  while (fork_server_.started && !fork_server_.exited)
    parent_.interp().wait_released(caller, fork_server_.exit, ThreadState::idle);
}

// A new worker only if none is idle, up to max_workers.
void ProcessPoolExecutor::adjust_process_count(Tid caller) {
  if (idle_workers_ > 0) {
    --idle_workers_;
    return;
  }
  if (static_cast<int>(workers_.size()) < max_workers_) spawn_process(caller);
}

// Process.start(): the parent's part of the start method, then the child's first thread.
void ProcessPoolExecutor::spawn_process(Tid caller) {
  const MachineProfile& cost = world_.profile;
  Interpreter& interp = parent_.interp();
  switch (method_) {
    case StartMethod::fork:
      interp.run_c(caller, cost.fork_parent, ThreadState::startup);
      break;
    case StartMethod::spawn:
      interp.run_c(caller, cost.exec_parent, ThreadState::startup);
      break;
    case StartMethod::forkserver:
      if (!fork_server_.started) start_fork_server(caller);
      interp.run_c(caller, cost.forkserver_request, ThreadState::startup);
      break;
  }
  Worker& w = workers_.emplace_back();
  w.process = &world_.add_process(
      fmt::format("{}-{}", process_class(method_), workers_.size()), config_);
  w.process->threading().start_main([this, &w](Tid self) {
    worker_startup(w, self);
    worker_main(w, self);
  });
}

// forkserver.ensure_running(): spawn the server, which imports the main module (its preload)
// and then forks every child. The parent does not wait for it to be ready.
void ProcessPoolExecutor::start_fork_server(Tid caller) {
  fork_server_.started = true;
  parent_.interp().run_c(caller, world_.profile.exec_parent, ThreadState::startup);
  PyProcess& server = world_.add_process("forkserver", config_);
  server.threading().start_main([this, &server](Tid self) {
    server.interp().run_c(self, world_.profile.forkserver_startup, ThreadState::startup);
    server.interp().run_python(self, world_.scenario.import_time, ThreadState::startup);
    fork_server_.ready = true;
    world_.os.notify_all(fork_server_.waiters);
    while (!fork_server_.stop)
      server.interp().wait_released(self, fork_server_.waiters, ThreadState::idle);
    fork_server_.exited = true;
    world_.os.notify_all(fork_server_.exit);
  });
}

// From the new process's first instruction to its target running.
void ProcessPoolExecutor::worker_startup(Worker& w, Tid self) {
  Interpreter& interp = w.process->interp();
  const MachineProfile& cost = world_.profile;
  switch (method_) {
    case StartMethod::fork: {  // with one core there is no other CPU's TLB to flush
      const Nanos shootdowns = world_.os.cores() > 1 ? cost.fork_child_shootdowns : 0;
      interp.run_c(self, cost.fork_child + shootdowns, ThreadState::startup);
      break;
    }
    case StartMethod::spawn:
      interp.run_c(self, cost.interpreter_startup, ThreadState::startup);
      interp.run_python(self, world_.scenario.import_time, ThreadState::startup);
      break;
    case StartMethod::forkserver:
      while (!fork_server_.ready)
        interp.wait_released(self, fork_server_.waiters, ThreadState::startup);
      forkserver_child_startup(interp, self);
      break;
  }
}

// Children the server forked slow each other down while they start on different cores: their
// copy-on-write faults flush TLBs, and on a PVM guest each flush stalls the other vCPU too.
// So the start-up runs in slices, each longer by a slice of forkserver_child_shootdowns for
// every sibling starting meanwhile, up to one per other core (with more siblings than cores
// they take turns, as they would one core).
void ProcessPoolExecutor::forkserver_child_startup(Interpreter& interp, Tid self) {
  const MachineProfile& cost = world_.profile;
  const int other_cores = world_.os.cores() - 1;
  if (cost.forkserver_child_shootdowns == 0 || other_cores == 0) {  // nothing to add: one call
    interp.run_c(self, cost.forkserver_child, ThreadState::startup);
    return;
  }
  constexpr int kSlices = 8;
  // Slice i of a whole: the slices sum to it exactly.
  auto slice = [](Nanos whole, int i) { return whole * (i + 1) / kSlices - whole * i / kSlices; };
  ++fork_server_.starting;
  for (int i = 0; i < kSlices; ++i) {
    const int siblings = std::min(fork_server_.starting - 1, other_cores);
    interp.run_c(self,
                 slice(cost.forkserver_child, i) +
                     siblings * slice(cost.forkserver_child_shootdowns, i),
                 ThreadState::startup);
  }
  --fork_server_.starting;
}

// _ExecutorManagerThread.run().
void ProcessPoolExecutor::manager(Tid self) {
  Interpreter& interp = parent_.interp();
  for (;;) {
    add_call_items(self);
    // wait_result_broken_or_wakeup(): one result, or a wake-up; then clear the wake-up pipe.
    while (result_pipe_.empty() && !wakeup_)
      interp.wait_released(self, manager_wait_, ThreadState::idle);
    if (!result_pipe_.empty()) {
      receive_result(self);
    } else {
      interp.run_released(self, world_.profile.pipe_message, ThreadState::overhead);
    }
    wakeup_ = false;
    if (shutting_down_) {
      add_call_items(self);
      if (pending_ == 0) return join_executor_internals(self);
    }
  }
}

// add_call_item_to_queue(): while the call queue is not full.
void ProcessPoolExecutor::add_call_items(Tid self) {
  Interpreter& interp = parent_.interp();
  while (in_flight_ < max_workers_ + kExtraQueuedCalls && !work_ids_.empty()) {
    const std::int64_t chunk = work_ids_.front();
    work_ids_.pop_front();
    interp.run_python(self, world_.profile.process_dispatch, ThreadState::overhead);
    // Queue.put: the first put starts the feeder thread.
    if (feeder_ < 0)
      feeder_ = parent_.threading().start(self, "QueueFeederThread",
                                          [this](Tid feeder_tid) { feeder(feeder_tid); });
    call_buffer_.push_back({chunk, chunk_bytes(chunk, false)});
    ++in_flight_;
    world_.os.notify_one(feeder_wait_);
  }
}

// result_reader.recv(), then process_result_item(): set_result, the idle-worker semaphore.
void ProcessPoolExecutor::receive_result(Tid self) {
  Interpreter& interp = parent_.interp();
  const Message result = result_pipe_.front();
  result_pipe_.pop_front();
  unpickle(interp, self, result.bytes);
  interp.run_python(self, world_.profile.process_result, ThreadState::overhead);
  const auto chunk = static_cast<std::size_t>(result.chunk);
  done_[chunk] = 1;
  --pending_;
  const auto tasks = static_cast<std::int64_t>(world_.program.task_kinds.size());
  const std::int64_t first = result.chunk * world_.program.chunksize;
  for (std::int64_t task = first; task < std::min(tasks, first + world_.program.chunksize); ++task)
    world_.observer.task_finished(task, submitted_[chunk], world_.now());
  if (waiting_for_ == result.chunk) world_.os.notify_all(result_waiter_);
  ++idle_workers_;
}

// shutdown_workers() (a None per worker, through the feeder), close and join the call queue's
// feeder, join every worker process.
void ProcessPoolExecutor::join_executor_internals(Tid self) {
  Interpreter& interp = parent_.interp();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    call_buffer_.push_back({kNone, 0});
    ++in_flight_;
    world_.os.notify_one(feeder_wait_);
  }
  call_queue_closed_ = true;
  world_.os.notify_one(feeder_wait_);
  if (feeder_ >= 0) parent_.threading().join(self, feeder_);
  for (Worker& w : workers_)
    while (!w.exited) interp.wait_released(self, w.sentinel, ThreadState::idle);
}

// Queue._feed: wait for the buffer, pickle each object, write it to the pipe.
void ProcessPoolExecutor::feeder(Tid self) {
  Interpreter& interp = parent_.interp();
  for (;;) {
    while (call_buffer_.empty() && !call_queue_closed_)
      interp.wait_released(self, feeder_wait_, ThreadState::idle);
    if (call_buffer_.empty()) return;
    const Message message = call_buffer_.front();
    call_buffer_.pop_front();
    send(interp, self, call_pipe_, call_readers_, message);
  }
}

// _process_worker: get a call item, run it, send back the result; stop at None.
void ProcessPoolExecutor::worker_main(Worker& w, Tid self) {
  Interpreter& interp = w.process->interp();
  for (;;) {
    while (call_pipe_.empty()) interp.wait_released(self, call_readers_, ThreadState::idle);
    const Message call = call_pipe_.front();
    call_pipe_.pop_front();
    --in_flight_;  // Queue.get: _sem.release() after the read
    unpickle(interp, self, call.bytes);
    if (call.chunk == kNone) break;
    run_chunk(w, self, call.chunk);
    interp.run_python(self, world_.profile.process_worker_task, ThreadState::overhead);
    send(interp, self, result_pipe_, manager_wait_, {call.chunk, chunk_bytes(call.chunk, true)});
  }
  send(interp, self, result_pipe_, manager_wait_, {kNone, 0});  // result_queue.put(os.getpid())
  // The process ends: atexit, os._exit (fork, forkserver), or a full Py_Finalize (spawn).
  const MachineProfile& cost = world_.profile;
  interp.run_c(self, cost.process_exit +
                         (method_ == StartMethod::spawn ? cost.interpreter_finalize : 0),
               ThreadState::overhead);
  w.exited = true;
  world_.os.notify_all(w.sentinel);
}

// _process_chunk: the chunk's tasks in turn, or (threads_per_worker > 1) on a thread pool.
void ProcessPoolExecutor::run_chunk(Worker& w, Tid self, std::int64_t chunk) {
  const auto tasks = static_cast<std::int64_t>(world_.program.task_kinds.size());
  const std::int64_t first = chunk * world_.program.chunksize;
  const std::int64_t end = std::min(tasks, first + world_.program.chunksize);
  Interpreter& interp = w.process->interp();
  if (world_.program.threads_per_worker <= 1) {
    for (std::int64_t task = first; task < end; ++task) run_task(world_, interp, self, task);
    return;
  }
  ThreadPoolExecutor pool(world_, *w.process, world_.program.threads_per_worker,
                          "ThreadPoolExecutor-0", [&](Tid worker, int, std::int64_t i) {
                            run_task(world_, interp, worker, first + i);
                          });
  pool.map(self, end - first);
  pool.shutdown(self);
}

// Connection.send: ForkingPickler.dumps with the GIL held, then os.write with it released.
void ProcessPoolExecutor::send(Interpreter& interp, Tid t, std::deque<Message>& pipe,
                               WaitQueue& reader, Message message) {
  const MachineProfile& cost = world_.profile;
  interp.run_c(t, cost.pickle_message + per_bytes(cost.pickle_per_mib, message.bytes),
               ThreadState::ipc);
  interp.run_released(t, cost.pipe_message + per_bytes(cost.pipe_per_mib, message.bytes),
                      ThreadState::ipc);
  pipe.push_back(message);
  world_.os.notify_one(reader);
}

// Connection.recv_bytes into a fresh BytesIO, then ForkingPickler.loads: the receiver's copies
// land in new memory, where the sender's pickle buffer is reused.
void ProcessPoolExecutor::unpickle(Interpreter& interp, Tid t, Bytes bytes) {
  const MachineProfile& cost = world_.profile;
  interp.run_c(t, cost.pickle_message + per_bytes(cost.receive_per_mib, bytes), ThreadState::ipc);
}

}  // namespace gilsim
