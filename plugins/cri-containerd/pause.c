/* capstan-pause: the process of Capstan's pod sandbox image. It holds the pod's namespaces open,
 * reaps children re-parented to it (it is PID 1 when the pod shares a PID namespace) and exits
 * when asked to stop. Built static so the image needs nothing else. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, &old);
  /* Signals are blocked outside sigsuspend, so a stop request cannot slip in between the check
   * and the wait. */
  while (!stop_requested) sigsuspend(&old);
  return 0;
}
