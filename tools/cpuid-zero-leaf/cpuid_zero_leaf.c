// Makes this process see an AMD host whose cache-topology CPUID leaf 0x8000001D is all zeros (as some KVM guests report
// it), so oneDNN's cache-size bug can be reproduced on a host that reports its caches. Test tool only, never shipped.
//
// How: Linux's CPUID faulting (arch_prctl ARCH_SET_CPUID, needs the CPU flag cpuid_fault) turns every CPUID instruction of
// the calling thread, and of the threads it creates afterwards, into SIGSEGV. The handler executes the real CPUID with
// faulting briefly off, zeroes leaf 0x8000001D, writes the registers back and steps over the two-byte instruction. Any
// other SIGSEGV goes to the handler installed before ours (the .NET runtime's), so call sd_cpuid_zero_leaf_enable() after
// the runtime started and before libtorch loads.
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static struct sigaction previous;
static volatile long emulated;

static int set_cpuid_enabled(int enabled) { return (int)syscall(SYS_arch_prctl, ARCH_SET_CPUID, (unsigned long)enabled); }

static void chain(int sig, siginfo_t *info, void *context)
{
    if (previous.sa_flags & SA_SIGINFO) { previous.sa_sigaction(sig, info, context); return; }
    if (previous.sa_handler == SIG_IGN) return;
    if (previous.sa_handler == SIG_DFL) { signal(sig, SIG_DFL); return; } // the fault repeats and ends the process as usual
    previous.sa_handler(sig);
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    greg_t *r = uc->uc_mcontext.gregs;
    const uint8_t *ip = (const uint8_t *)r[REG_RIP];
    if (ip[0] != 0x0F || ip[1] != 0xA2) { chain(sig, info, context); return; }
    uint32_t leaf = (uint32_t)r[REG_RAX], subleaf = (uint32_t)r[REG_RCX], a, b, c, d;
    set_cpuid_enabled(1);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
    set_cpuid_enabled(0);
    if (leaf == 0x8000001D) a = b = c = d = 0;
    r[REG_RAX] = a; r[REG_RBX] = b; r[REG_RCX] = c; r[REG_RDX] = d;
    r[REG_RIP] += 2;
    emulated++;
}

// 0 on success; -1 when the kernel or CPU has no CPUID faulting.
int sd_cpuid_zero_leaf_enable(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_segv;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &previous) != 0) return -1;
    if (set_cpuid_enabled(0) != 0) { sigaction(SIGSEGV, &previous, NULL); return -1; }
    return 0;
}

// How many CPUID instructions were emulated so far (a test checks the shim was really in the path).
long sd_cpuid_zero_leaf_count(void) { return emulated; }
