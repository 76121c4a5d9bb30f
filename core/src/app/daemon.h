#pragma once
// The daemon lifecycle of a runnel process: signals, run until stopped, drain.
//   SIGTERM, SIGINT: drain within shutdown_timeout and exit; a second one exits at once.
//   SIGHUP: logged; configuration reload is not implemented yet (restart to apply changes).
// Call BlockSignals() before any thread is created, so only Run() receives them.

#include "runtime/pipeline.h"

namespace runnel::app {

void BlockSignals();

// Starts the pipeline, waits for a stop signal or for every one-shot input to finish, then shuts
// down. Returns the process exit code: 0 on a clean stop, 1 when start-up failed, or when a
// one-shot run ended with events not delivered.
int Run(runtime::Pipeline& pipeline);

}  // namespace runnel::app
