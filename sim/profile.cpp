// The default machine profile. Host figures are from the 2-vCPU Firecracker VM this project is
// developed on (CPython 3.11.7, Linux 6.x), as recorded in ../shared/reference/
// cpython-and-linux.md section 7.5 and re-measured by tools/measure_host.py; "guess" marks a
// constant nobody has measured yet. tools/calibrate.py measures a host profile.
#include "profile.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "gilsim/error.hpp"
#include "json_source.hpp"
#include "units.hpp"

namespace gilsim {

using MP = MachineProfile;

// `host` figures: measured on the development VM (2 vCPUs, CPython 3.11.7, Linux 6.x) by the
// scripts of ../shared/reference/cpython-and-linux.md section 7.5 or by hand as noted;
// tools/calibrate.py measures them on any host.
const std::vector<ProfileParam>& profile_params() {
  constexpr auto D = ParamUnit::duration;
  constexpr auto P = ParamUnit::percent;
  static const std::vector<ProfileParam> params = {
      {"eval_breaker_latency", &MP::eval_breaker_latency, D, 1 * kMicro,
       "drop request set -> the holder reaches its next eval-breaker check",
       "guess: one loop body or call of pure Python (0.05-1 us); check sites in Python/ceval.c"},
      {"gil_wake_latency", &MP::gil_wake_latency, D, 10 * kMicro,
       "futex/condvar signal -> the woken thread runs on a core",
       "measured on host: threading.Event ping-pong 21 us per round trip, two wake-ups"},
      {"wake_jitter", &MP::wake_jitter, D, 4 * kMicro,
       "a wake-up's latency varies this much, uniformly around gil_wake_latency (seeded)",
       "measured on host: wake_after_idle(50us) on 2 cores, p10 20.9 us, p90 24.3 us; the "
       "p10-p90 spread / 0.8 (tools/calibrate.py)"},
      {"timer_slack", &MP::timer_slack, D, 50 * kMicro,
       "a timed wait (the GIL's 5 ms timeout) fires this late",
       "Linux timer_slack_ns default for SCHED_OTHER (prctl PR_SET_TIMERSLACK)"},
      {"idle_exit_latency", &MP::idle_exit_latency, D, 0,
       "a thread woken onto a core idle for longer than idle_poll_window starts this much later",
       "bare metal with a polling idle state: ~0; a KVM guest's halted vCPU: measured on host "
       "(2 vCPUs) 161 us: a wake after 5 ms idle 182 us, after 50 us 21 us; tools/calibrate.py"},
      {"idle_poll_window", &MP::idle_poll_window, D, 200 * kMicro,
       "an idle core still wakes fast for this long (it polls before halting)",
       "Linux virt/kvm/kvm_main.c halt_poll_ns default (KVM_HALT_POLL_NS_DEFAULT 200000)"},
      {"idle_exit_ramp", &MP::idle_exit_ramp, D, 0,
       "the idle exit grows linearly from 0 at idle_poll_window to idle_exit_latency at this "
       "idle time (the host picks deeper idle states for longer idles); 0: all of it at once",
       "0: a step, as on bare metal; measured on the Intel KVM guest (2 vCPUs): wake_after_idle "
       "1 ms 94 us, 2 ms 134 us, 3 ms 165 us, 5 ms 180 us: fitted 2.53 ms; tools/calibrate.py"},
      {"wake_cost", &MP::wake_cost, D, 0,
       "CPU time the waker spends in a futex wake that wakes a thread onto an idle core (the "
       "reschedule IPI; in a KVM guest a VM exit), paid before it next computes",
       "unmeasured: 0, the wake-up's cost stays in gil_wake_latency (bare metal: ~1 us); "
       "measured on the Zen 5 VM: 11 us (tools/calibrate.py wake_cpu_waker: thread_time "
       "across Event.set() with a sleeper, less one without)"},
      {"resume_cost", &MP::resume_cost, D, 0,
       "CPU time a thread that slept spends on an idle core before it runs again (the idle "
       "exit, schedule-in, the syscall's return); part of a wake-up's latency, but CPU time; "
       "from a run queue it pays context_switch instead",
       "unmeasured: 0, it stays in gil_wake_latency (bare metal: ~1 us); measured on the Zen 5 "
       "VM: 15 us (tools/calibrate.py wake_cpu_wakee: thread_time across a blocking "
       "Event.wait(), less a non-blocking one)"},
      {"context_switch", &MP::context_switch, D, 2 * kMicro,
       "a core passes from one thread to a queued one",
       "guess: 1-3 us direct cost (Tsuna 2010, futex ping-pong)"},
      {"sched_latency", &MP::sched_latency, D, 6 * kMilli,
       "a woken sleeper is placed this/2 behind the slowest runner, times the ncpu factor",
       "kernel/sched/fair.c sysctl_sched_latency and place_entity (CFS, Linux <= 6.5)"},
      {"base_slice", &MP::base_slice, D, 750 * kMicro,
       "a running thread's slice while others wait, times 1 + ilog2(min(cores, 8))",
       "kernel/sched/fair.c sysctl_sched_base_slice (EEVDF, Linux 6.6; 0.70 ms later)"},
      {"wakeup_granularity", &MP::wakeup_granularity, D, 1 * kMilli,
       "a woken thread preempts only a thread this far ahead in vruntime, times the ncpu factor",
       "kernel/sched/fair.c sysctl_sched_wakeup_granularity (CFS, Linux <= 6.5)"},
      {"migration_cost", &MP::migration_cost, D, 500 * kMicro,
       "a queued thread that ran this recently is cache-hot: an idle core does not pull it",
       "kernel/sched/fair.c sysctl_sched_migration_cost (task_hot)"},
      {"sched_tick", &MP::sched_tick, D, 4 * kMilli,
       "the scheduler tick, at which an idle core pulls a thread left queued on a busy one "
       "(0: never; only newidle balance moves threads)",
       "1/CONFIG_HZ: Debian's kernels and the validation VMs use HZ=250; nohz_balancer_kick; "
       "tools/calibrate.py reads it from /proc/config.gz"},
      {"thread_start", &MP::thread_start, D, 150 * kMicro,
       "Thread.start() in the starting thread: clone and Python bookkeeping, under the GIL",
       "measured on host: Thread.start()+join() 168 us; the split with thread_bootstrap is a guess"},
      {"thread_bootstrap", &MP::thread_bootstrap, D, 20 * kMicro,
       "a new thread's _bootstrap_inner up to _started.set(), under the GIL", "guess"},
      {"thread_exit", &MP::thread_exit, D, 26 * kMicro,
       "a thread's end after its target returns, once join() may return: PyThreadState_Clear, "
       "glibc's and the kernel's exit; CPU time with the GIL released (a pool worker's relay "
       "of the shutdown sentinel and the joiner's Python are in it too)",
       "measured on the Zen 5 PVM guest: 26 us (tools/calibrate.py thread_exit_chain(cached "
       "stacks), 1 core, less two context switches)"},
      {"stack_map", &MP::stack_map, D, 0,
       "Thread.start() when glibc's stack cache is empty: mmap and guard page of a new 8 MiB "
       "stack, first touches; under the GIL, on top of thread_start",
       "unmeasured: 0, a fresh stack's cost stays in thread_start (calibrated from threads that "
       "keep their stacks); tools/calibrate.py: thread_start_kept less thread_start_kept(cached "
       "stacks)"},
      {"stack_unmap", &MP::stack_unmap, D, 64 * kMicro,
       "a thread's end when glibc's stack cache is full (40 MiB: four 8 MiB stacks, "
       "nptl-stack.c): munmap of a stack, on top of thread_exit",
       "measured on the Zen 5 PVM guest: 64 us (tools/calibrate.py thread_exit_chain less "
       "thread_exit_chain(cached stacks), per unmapped stack, 1 core)"},
      {"pool_submit", &MP::pool_submit, D, 3500,
       "ThreadPoolExecutor.submit(): Future, _WorkItem, queue put (the idle semaphore apart)",
       "measured on host: map(noop) on 4 workers 11.3 us per item (2 cores) fitted through the "
       "model with the semaphore costs, half of it; tools/calibrate.py times submit() alone "
       "(tpe_submit)"},
      {"pool_task", &MP::pool_task, D, 3500,
       "a pool worker per task: get returns, run(), set_result (the idle semaphore apart)",
       "measured on host: map(noop) on 4 workers 11.3 us per item (2 cores), fitted through the "
       "model with pool_submit and the semaphore costs given (tools/calibrate.py)"},
      {"semaphore_acquire", &MP::semaphore_acquire, D, 1100,
       "threading.Semaphore.acquire(timeout=0) that takes a count: bytecode inside its "
       "Condition's lock (a pool's submit, _adjust_thread_count)",
       "measured on the Intel VM (tools/calibrate.py semaphore_acquire): 1.1 us"},
      {"semaphore_acquire_empty", &MP::semaphore_acquire_empty, D, 1700,
       "threading.Semaphore.acquire(timeout=0) that finds no count: Condition.wait(0) inside "
       "its lock",
       "measured on the Intel VM (tools/calibrate.py semaphore_acquire_empty): 1.7 us"},
      {"semaphore_release", &MP::semaphore_release, D, 1700,
       "threading.Semaphore.release(): bytecode inside its Condition's lock (a pool worker "
       "after each task)",
       "measured on the Intel VM (tools/calibrate.py semaphore_release): 1.7 us"},
      {"fork_parent", &MP::fork_parent, D, 3300 * kMicro,
       "os.fork() in the parent (Popen_fork), GIL held: page tables, at-fork hooks",
       "measured on host: Process(target).start() with fork returns after 3.3 ms"},
      {"fork_child", &MP::fork_child, D, 10700 * kMicro,
       "a forked child until its target runs, on a one-core machine: copy-on-write faults, "
       "after-fork hooks, _bootstrap (with more cores fork_child_shootdowns is added)",
       "measured on host: the target runs 14.0 ms after start(), less fork_parent"},
      {"fork_child_shootdowns", &MP::fork_child_shootdowns, D, 0,
       "what more than one core adds to a forked child's start-up: a copy-on-write fault of "
       "a process whose threads ran on several CPUs flushes the others' TLBs (an IPI from "
       "do_wp_page's ptep_clear_flush; in a VM an exit on both CPUs); the parent's faults "
       "interrupt the children, and all of it is charged here to the child",
       "0: the default's fork_child was measured on 2 cores and holds it; on a Zen 5 PVM "
       "guest 24.6 ms against fork_child 15.8 ms (tools/calibrate.py: a fresh pool's first "
       "result with fork on 1 core fits fork_child, on 2 cores this)"},
      {"exec_parent", &MP::exec_parent, D, 3800 * kMicro,
       "spawn/forkserver: the parent's spawnv_passfds (fork_exec) and preparation data, GIL held",
       "measured on host: Process(target).start() with spawn returns after 3.8 ms"},
      {"interpreter_startup", &MP::interpreter_startup, D, 80600 * kMicro,
       "a spawned python until it runs Python code: init, unpickle preparation data, imports",
       "measured on host: a spawn child's target runs 84.4 ms after start(), less exec_parent"},
      {"forkserver_request", &MP::forkserver_request, D, 4300 * kMicro,
       "forkserver: the parent's connect, fd passing and preparation data for one child",
       "measured on host: Process(target).start() with forkserver returns after 4.3 ms"},
      {"forkserver_startup", &MP::forkserver_startup, D, 80600 * kMicro,
       "forkserver: the server until it takes requests (an interpreter's start-up; the "
       "preloaded main module's own import is the scenario's import_time)",
       "not measured apart on the default host: its interpreter_startup, which the server "
       "paid before this parameter (and a profile without it still pays); tools/calibrate.py "
       "fits it to a fresh pool's first result given forkserver_child, its server importing "
       "the tool's gilsim_tools.workload: 112.1 ms on a Zen 5 PVM guest"},
      {"forkserver_child", &MP::forkserver_child, D, 36600 * kMicro,
       "a child the server forked until its target runs (spawn._main, prepare), no sibling "
       "starting beside it",
       "measured on host: the target runs 40.9 ms after start(), less forkserver_request"},
      {"forkserver_child_shootdowns", &MP::forkserver_child_shootdowns, D, 0,
       "what each sibling starting at the same time on another core adds to a forkserver "
       "child's start-up: their copy-on-write faults' TLB flushes (on a PVM guest each one "
       "stalls the other vCPU)",
       "0: not measured on the default host; on a Zen 5 PVM guest 63.6 ms against "
       "forkserver_child 50.3 ms: two children took as long on two vCPUs as on one "
       "(tools/calibrate.py fits it to a warm server's pool of two; measured with one sibling "
       "only)"},
      {"process_exit", &MP::process_exit, D, 1500 * kMicro,
       "a child's exit after its target returns (atexit, os._exit) until its sentinel fires",
       "measured on host: join() after a fork child's last message, 1.5 ms"},
      {"interpreter_finalize", &MP::interpreter_finalize, D, 8700 * kMicro,
       "a spawned child's Py_Finalize, on top of process_exit",
       "measured on host: join() after a spawn child's last message, 10.2 ms, less process_exit"},
      {"pickle_message", &MP::pickle_message, D, 2 * kMicro,
       "ForkingPickler.dumps or loads of one message: the fixed part, C code holding the GIL",
       "measured on host: dumps of a small call tuple 1.7 us"},
      {"pickle_per_mib", &MP::pickle_per_mib, D, 2400 * kMicro,
       "the sender's pickling per MiB of pickled data (dumps into a buffer it reuses)",
       "measured on host: pickle.dumps of a list of 100000 ints (369 kB) 0.86 ms; plain bytes "
       "pickle ~20x faster (0.13 ms/MiB)"},
      {"receive_per_mib", &MP::receive_per_mib, D, 2400 * kMicro,
       "the receiver's part per MiB: Connection._recv reads the message in pipe-sized os.read "
       "chunks into a growing BytesIO, then loads copies the payload out; new buffers each "
       "time, so the receiver takes the page faults",
       "guess: the same as pickle_per_mib (a profile that sets only pickle_per_mib gets its "
       "value) until measured (tools/calibrate.py: ppe_transfer_cpu(receive))"},
      {"pipe_message", &MP::pipe_message, D, 5 * kMicro,
       "os.write and os.read of one message through a pipe, GIL released",
       "measured on host: 100-byte Connection round trip 43.6 us, less two wake-ups and pickling, "
       "halved"},
      {"pipe_per_mib", &MP::pipe_per_mib, D, 5400 * kMicro,
       "moving one MiB through a pipe to another process (both copies)",
       "measured on host: Connection.send_bytes of 10 MiB to a reading process, 195 MB/s"},
      {"process_submit", &MP::process_submit, D, 20 * kMicro,
       "ProcessPoolExecutor.submit(): Future, _WorkItem, work_ids.put, wake-up pipe write",
       "guess, bounded by measured host round trips (trivial submit->result 124-281 us)"},
      {"process_dispatch", &MP::process_dispatch, D, 15 * kMicro,
       "the executor manager thread moving one work item to the call queue (Queue.put)",
       "guess, bounded by measured host round trips"},
      {"process_result", &MP::process_result, D, 20 * kMicro,
       "the executor manager thread handing one result to its Future",
       "guess, bounded by measured host round trips"},
      {"process_worker_task", &MP::process_worker_task, D, 15 * kMicro,
       "a worker process per task: call_queue.get bookkeeping, _sendback_result",
       "guess, bounded by measured host round trips"},
      {"subprocess_spawn", &MP::subprocess_spawn, D, 270 * kMicro,
       "subprocess.Popen in the parent: _posixsubprocess.fork_exec (vfork), GIL held",
       "measured on host: Popen(['/bin/true']) returns after 0.27 ms"},
      {"subprocess_exec", &MP::subprocess_exec, D, 1900 * kMicro,
       "the child of subprocess.run: exec, dynamic loading and exit, on a core",
       "measured on host: subprocess.run(['/bin/true']) 2.23 ms, less subprocess_spawn"},
      {"task_create", &MP::task_create, D, 3 * kMicro,
       "asyncio: create_task and gather bookkeeping per task",
       "measured on host: gather of 10000 sleep(0) tasks 11.6 us per task; the split is a guess"},
      {"task_step", &MP::task_step, D, 3 * kMicro,
       "asyncio: one handle run on the loop (Task.__step, a done callback)",
       "measured on host: gather of 10000 sleep(0) tasks 11.6 us per task; the split is a guess"},
      {"loop_iteration", &MP::loop_iteration, D, 2 * kMicro,
       "asyncio: one _run_once: the selector's epoll_wait returning, due timers", "guess"},
      {"interpreter_create", &MP::interpreter_create, D, 10 * kMilli,
       "an isolated subinterpreter with its own GIL (InterpreterPoolExecutor worker start)",
       "guess: a few ms on bare metal (Py_NewInterpreterFromConfig imports the core modules)"},
      {"interpreter_call", &MP::interpreter_call, D, 20 * kMicro,
       "entering a subinterpreter to run one call and leaving it", "guess"},
      {"free_threaded_overhead_3_13", &MP::free_threaded_overhead_3_13, P, 400'000,
       "3.13t: bytecode slower than on the GIL build (specialisation off)",
       "Doc/howto/free-threading-python.rst (3.13): about 40 % on pyperformance"},
      {"free_threaded_overhead_3_14", &MP::free_threaded_overhead_3_14, P, 80'000,
       "3.14t: bytecode slower than on the GIL build",
       "Doc/howto/free-threading-python.rst (3.14): 1 % (macOS aarch64) to 8 % (x86-64 Linux)"},
  };
  return params;
}

MachineProfile default_profile() {
  MachineProfile profile;
  for (const auto& p : profile_params()) profile.*p.field = p.default_value;
  return profile;
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UserError(path, "cannot read the profile file",
                    "check the path; `gilsim profile` prints the default profile to start from");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string known_params() {
  std::string names;
  for (const auto& p : profile_params()) names += fmt::format("{}{}", names.empty() ? "" : ", ", p.name);
  return names;
}

std::int64_t param_value(const JsonSource& src, const nlohmann::json::json_pointer& at,
                         const ProfileParam& param, const nlohmann::json& value) {
  const std::string text = value.is_string() ? value.get<std::string>() : std::string();
  if (param.unit == ParamUnit::percent) {
    const auto parsed = parse_percent(text);
    if (!parsed)
      src.fail(at, fmt::format("expected a percentage string like \"40%\", found {}",
                               value.dump()),
               "write a number from 0 to 1000 and a percent sign, e.g. \"8%\" or \"12.5%\"");
    return *parsed;
  }
  const auto parsed = parse_duration(text);
  if (!parsed)
    src.fail(at, fmt::format("expected a duration string like \"12us\", found {}", value.dump()),
             "write a number and a unit: ns, us, ms or s");
  return *parsed;
}

void read_params(const JsonSource& src, MachineProfile& profile) {
  using Pointer = nlohmann::json::json_pointer;
  const auto& params = src.root().at("params");
  if (!params.is_object())
    src.fail(Pointer("/params"), "expected an object of parameters",
             R"(write "params": {"gil_wake_latency": "12us"})");
  for (const auto& [key, value] : params.items()) {
    const Pointer at = Pointer("/params") / key;
    const ProfileParam* param = nullptr;
    for (const auto& p : profile_params())
      if (p.name == key) param = &p;
    if (param == nullptr)
      src.fail_key(at, fmt::format("unknown parameter \"{}\"", key),
                   fmt::format("known parameters: {}", known_params()));
    profile.*param->field = param_value(src, at, *param, value);
  }
  // A profile from before the receiver had its own rate measured both sides as one.
  if (params.contains("pickle_per_mib") && !params.contains("receive_per_mib"))
    profile.receive_per_mib = profile.pickle_per_mib;
  // One from before the server had its own start-up started it as a spawned child.
  if (params.contains("interpreter_startup") && !params.contains("forkserver_startup"))
    profile.forkserver_startup = profile.interpreter_startup;
}

}  // namespace

std::string format_param(const MachineProfile& profile, const ProfileParam& param) {
  const std::int64_t value = profile.*param.field;
  return param.unit == ParamUnit::percent ? format_percent(value) : format_duration_exact(value);
}

MachineProfile load_profile(const std::string& path) {
  const JsonSource src = JsonSource::parse(read_file(path), path);
  using Pointer = nlohmann::json::json_pointer;
  if (!src.root().is_object())
    src.fail(Pointer(""), "a profile is a JSON object", R"(write {"name": "myhost", "params": {}})");
  MachineProfile profile = default_profile();
  profile.name = path;
  for (const auto& [key, value] : src.root().items()) {
    if (key == "name" && value.is_string()) {
      profile.name = value.get<std::string>();
    } else if (key == "params") {
      read_params(src, profile);
    } else if (key != "description" && key != "measured") {
      src.fail_key(Pointer("/" + key), fmt::format("unknown field \"{}\"", key),
                   "a profile has name, description, params and measured");
    }
  }
  return profile;
}

MachineProfile resolve_profile(const std::string& name_or_path) {
  return name_or_path == "default" ? default_profile() : load_profile(name_or_path);
}

}  // namespace gilsim
