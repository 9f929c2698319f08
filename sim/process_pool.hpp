// concurrent.futures.ProcessPoolExecutor (Lib/concurrent/futures/process.py, 3.11) and the
// parts of multiprocessing it stands on (Lib/multiprocessing/: popen_fork, popen_spawn_posix,
// popen_forkserver, queues.Queue with its feeder thread, SimpleQueue, connection).
//
// In the parent: the caller's submit() records a work item and wakes the executor manager
// thread through a pipe; the manager moves items into the call queue (at most max_workers + 1
// in flight), whose feeder thread pickles them and writes them to a pipe; the manager reads
// results from the result pipe and completes the futures. All three threads share the parent's
// GIL, so a busy parent slows its pool. Each worker process has its own interpreter and GIL:
// it reads a call item, unpickles it, runs the chunk of tasks (on a thread pool of its own when
// threads_per_worker > 1: the mixed pipeline), pickles the results and writes them back.
// Workers start with the start method's costs: fork all at the first submit; spawn and
// forkserver one per submit while none is idle.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "world.hpp"

namespace gilsim {

class ProcessPoolExecutor {
 public:
  // `config`: the interpreter every worker process runs.
  ProcessPoolExecutor(World& world, PyProcess& parent, const InterpreterConfig& config);

  // list(ex.map(run, tasks, chunksize=k)): submits every chunk, then waits for each in order.
  void map(Tid caller);
  // shutdown(wait=True): wakes the manager, which stops the workers; joins it.
  void shutdown(Tid caller);

 private:
  static constexpr std::int64_t kNone = -1;  // the None sentinel that stops a worker

  struct Message {
    std::int64_t chunk = kNone;
    Bytes bytes = 0;  // pickled size
  };
  struct Worker {
    PyProcess* process = nullptr;
    bool exited = false;
    WaitQueue sentinel;  // p.join() waiters
  };
  // It lives as long as the parent: shutdown stops it and waits for it to exit.
  struct ForkServer {
    bool started = false;
    bool ready = false;
    bool stop = false;
    bool exited = false;
    int starting = 0;   // children between their fork and their target
    WaitQueue waiters;  // children waiting for the server; the server waiting to stop
    WaitQueue exit;     // the parent waiting for the server to exit
  };

  std::int64_t chunks() const;
  Bytes chunk_bytes(std::int64_t chunk, bool result) const;

  // parent: the caller's side
  void submit(Tid caller, std::int64_t chunk);
  void wait_for(Tid caller, std::int64_t chunk);
  void wake_manager(Tid caller);
  // parent: starting workers
  void adjust_process_count(Tid caller);
  void spawn_process(Tid caller);
  void start_fork_server(Tid caller);
  void worker_startup(Worker& w, Tid self);
  void forkserver_child_startup(Interpreter& interp, Tid self);
  // parent: the executor manager thread and the call queue's feeder thread
  void manager(Tid self);
  void add_call_items(Tid self);
  void receive_result(Tid self);
  void join_executor_internals(Tid self);
  void feeder(Tid self);
  // a worker process
  void worker_main(Worker& w, Tid self);
  void run_chunk(Worker& w, Tid self, std::int64_t chunk);
  // pickling and pipes, on thread t of `interp`
  void send(Interpreter& interp, Tid t, std::deque<Message>& pipe, WaitQueue& reader,
            Message message);
  void unpickle(Interpreter& interp, Tid t, Bytes bytes);

  World& world_;
  PyProcess& parent_;
  InterpreterConfig config_;
  int max_workers_;
  StartMethod method_;

  // the caller's futures, by chunk
  std::vector<char> done_;
  std::vector<Nanos> submitted_;
  std::int64_t waiting_for_ = -1;
  WaitQueue result_waiter_;

  // the executor's shared state (under its shutdown_lock in CPython)
  std::deque<std::int64_t> work_ids_;
  std::int64_t pending_ = 0;  // submitted, result not yet received
  bool wakeup_ = false;       // a byte in the _ThreadWakeup pipe
  bool shutting_down_ = false;
  int idle_workers_ = 0;      // _idle_worker_semaphore
  Tid manager_ = -1;
  WaitQueue manager_wait_;    // mp.connection.wait on the result pipe, the wake-up pipe

  // the call queue: buffer (feeder's side), pipe (workers' side), in flight = both
  std::deque<Message> call_buffer_;
  std::deque<Message> call_pipe_;
  int in_flight_ = 0;
  Tid feeder_ = -1;
  bool call_queue_closed_ = false;
  WaitQueue feeder_wait_;   // the feeder on _notempty
  WaitQueue call_readers_;  // workers in call_queue.get()

  std::deque<Message> result_pipe_;
  std::deque<Worker> workers_;  // deque: references stay valid as workers are added
  ForkServer fork_server_;
};

}  // namespace gilsim
