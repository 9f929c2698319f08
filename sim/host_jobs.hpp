// Independent jobs on a pool of host threads: each index runs once, the caller places results
// by index (never by completion order), so the outcome does not depend on the number of
// threads. Every simulation runs on a host thread of its own (simulate.cpp), so a job may run
// one without sharing anything with the others.
#pragma once

#include <cstddef>
#include <functional>

namespace gilsim {

// Runs job(0) ... job(count - 1) on `threads` host threads. While they run, the calling thread
// calls tick(jobs_done) a few times a second (and once at the end), when tick is set. If jobs
// throw, jobs after the first failing index are skipped and that index's exception is rethrown:
// the lowest failing index, whatever the number of threads or the timing.
void run_jobs(std::size_t count, int threads, const std::function<void(std::size_t)>& job,
              const std::function<void(std::size_t)>& tick = {});

}  // namespace gilsim
