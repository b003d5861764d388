#ifndef C_SANDBOX_EXEC_H
#define C_SANDBOX_EXEC_H
#include <sys/prctl.h>

/// prctl is variadic, which Swift cannot call directly.
static inline int sandbox_set_parent_death_signal(int signal_number) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal_number, 0, 0, 0);
}

/// unshare(2) is only declared with _GNU_SOURCE, which the Glibc module is built without.
extern int unshare(int flags);

/// New mount, PID and UTS namespaces (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS).
static inline int sandbox_unshare_namespaces(void) {
    return unshare(0x00020000 | 0x20000000 | 0x04000000);
}
#endif
