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

const std::vector<ProfileParam>& profile_params() {
  static const std::vector<ProfileParam> params = {
      {"eval_breaker_latency", &MP::eval_breaker_latency, 1 * kMicro,
       "drop request set -> the holder reaches its next eval-breaker check",
       "guess: one loop body or call of pure Python (0.05-1 us); check sites in Python/ceval.c"},
      {"gil_wake_latency", &MP::gil_wake_latency, 10 * kMicro,
       "futex/condvar signal -> the woken thread runs on a core",
       "measured on host: threading.Event ping-pong 21 us per round trip, two wake-ups"},
      {"timer_slack", &MP::timer_slack, 50 * kMicro,
       "a timed wait (the GIL's 5 ms timeout) fires this late",
       "Linux timer_slack_ns default for SCHED_OTHER (prctl PR_SET_TIMERSLACK)"},
      {"context_switch", &MP::context_switch, 2 * kMicro,
       "a core passes from one thread to a queued one",
       "guess: 1-3 us direct cost (Tsuna 2010, futex ping-pong)"},
      {"sched_latency", &MP::sched_latency, 6 * kMilli,
       "a woken sleeper is placed this/2 behind the slowest runner, times the ncpu factor",
       "kernel/sched/fair.c sysctl_sched_latency and place_entity (CFS, Linux <= 6.5)"},
      {"base_slice", &MP::base_slice, 750 * kMicro,
       "a running thread's slice while others wait, times 1 + ilog2(min(cores, 8))",
       "kernel/sched/fair.c sysctl_sched_base_slice (EEVDF, Linux 6.6; 0.70 ms later)"},
      {"wakeup_granularity", &MP::wakeup_granularity, 1 * kMilli,
       "a woken thread preempts only a thread this far ahead in vruntime, times the ncpu factor",
       "kernel/sched/fair.c sysctl_sched_wakeup_granularity (CFS, Linux <= 6.5)"},
      {"thread_start", &MP::thread_start, 150 * kMicro,
       "Thread.start() in the starting thread: clone and Python bookkeeping, under the GIL",
       "measured on host: Thread.start()+join() 168 us; the split with thread_bootstrap is a guess"},
      {"thread_bootstrap", &MP::thread_bootstrap, 20 * kMicro,
       "a new thread's _bootstrap_inner up to _started.set(), under the GIL", "guess"},
      {"pool_submit", &MP::pool_submit, 6 * kMicro,
       "ThreadPoolExecutor.submit(): Future, _WorkItem, queue put, _adjust_thread_count",
       "measured on host: submit->result round trip 34 us, less two 11 us wake-ups, halved"},
      {"pool_task", &MP::pool_task, 6 * kMicro,
       "a pool worker per task: get returns, run(), set_result, idle semaphore",
       "measured on host: submit->result round trip 34 us, less two 11 us wake-ups, halved"},
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
    const auto parsed = value.is_string() ? parse_duration(value.get<std::string>()) : std::nullopt;
    if (!parsed)
      src.fail(at, fmt::format("expected a duration string like \"12us\", found {}", value.dump()),
               "write a number and a unit: ns, us, ms or s");
    profile.*param->field = *parsed;
  }
}

}  // namespace

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
