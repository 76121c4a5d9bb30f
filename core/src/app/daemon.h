#pragma once
// The daemon lifecycle of a runnel process: signals, readiness, the watchdog, reload, drain.
//   SIGTERM, SIGINT: drain within shutdown_timeout and exit; a second one exits at once.
//   SIGHUP: reload the configuration (reload.h); an invalid one changes nothing.
// It speaks the service manager's notification protocol (notify.h): READY=1 once the pipeline
// has started, RELOADING=1 and READY=1 around a reload, STOPPING=1 when the drain begins, and
// WATCHDOG=1 while the pipeline is live when the manager asks for it ($WATCHDOG_USEC).
// Call BlockSignals() before any thread is created, so only Run() receives them.

#include <functional>

#include "runnel/status.h"
#include "runtime/pipeline.h"

namespace runnel::app {

void BlockSignals();

// Starts the pipeline, waits for a stop signal or for every one-shot input to finish, then shuts
// down. `reload` is called on SIGHUP (on this thread). Returns the process exit code: 0 on a
// clean stop, 1 when start-up failed, or when a one-shot run ended with events not delivered.
int Run(runtime::Pipeline& pipeline, const std::function<Status()>& reload);

}  // namespace runnel::app
