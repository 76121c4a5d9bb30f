#include "app/daemon.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "app/notify.h"
#include "runnel/logging.h"

namespace runnel::app {
namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);  // sent to ourselves when every one-shot input has finished
  return set;
}

}  // namespace

void BlockSignals() {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed socket or pipe is an error value, not a death
}

int Run(runtime::Pipeline& pipeline, const std::function<Status()>& reload) {
  Notifier notifier = Notifier::FromEnvironment();
  auto notify = [&notifier](const std::string& state) {
    Status s = notifier.Send(state);
    if (!s.ok()) {
      RUNNEL_LOG_EVERY(kWarn, "", std::chrono::seconds(60)) << s.message();
    }
  };
  Status started = pipeline.Start();
  if (!started.ok()) {
    RUNNEL_LOG(kError, "") << "start-up failed: " << started.message();
    notify("STATUS=start-up failed: " + started.message());
    pipeline.Shutdown();
    return 1;
  }
  RUNNEL_LOG(kInfo, "") << "runnel started";
  notify("READY=1\nSTATUS=running");
  // A write that never returns (a wedged output) stops the pings, so the manager restarts us.
  const auto max_stall = notifier.watchdog_interval().value_or(std::chrono::microseconds(0));
  Watchdog watchdog(&notifier, [&pipeline, max_stall] { return pipeline.CheckLiveness(max_stall); });

  // Turns "every input finished" into a signal, so the main thread waits on signals only.
  std::thread finisher([&pipeline] {
    pipeline.Wait();
    kill(getpid(), SIGUSR1);
  });

  const sigset_t set = HandledSignals();
  int sig = 0;
  while (true) {
    if (sigwait(&set, &sig) != 0) {
      continue;
    }
    if (sig == SIGHUP) {
      notify("RELOADING=1\nSTATUS=reloading the configuration");
      Status reloaded = reload();
      notify(reloaded.ok() ? "READY=1\nSTATUS=running"
                           : "READY=1\nSTATUS=running; the last reload failed (see the log)");
      continue;
    }
    break;
  }
  notify("STOPPING=1\nSTATUS=draining");
  const bool one_shot = sig == SIGUSR1;
  if (!one_shot) {
    RUNNEL_LOG(kInfo, "") << "received " << strsignal(sig)
                          << ", draining (send it again to exit at once)";
  }
  pipeline.RequestStop();
  finisher.join();

  // A second SIGINT/SIGTERM during the drain exits at once. The thread is left behind when the
  // drain completes; the process exits right after.
  // After exit_on_eof (one_shot) the drain is the last delivery; a signal then is the first one
  // the user sent, so the message does not call it a second.
  std::thread([set, one_shot] {
    int again = 0;
    while (sigwait(&set, &again) == 0) {
      if (again == SIGINT || again == SIGTERM) {
        RUNNEL_LOG(kWarn, "") << (one_shot ? "" : "second ") << strsignal(again)
                              << (one_shot ? " during the final drain" : "")
                              << ": exiting without finishing the drain; what was not "
                                 "acknowledged is read again on the next start";
        _exit(130);
      }
    }
  }).detach();

  const uint64_t undelivered = pipeline.Shutdown();
  RUNNEL_LOG(kInfo, "") << "stopped";
  return one_shot && undelivered > 0 ? 1 : 0;
}

}  // namespace runnel::app
