
/*
 * Copyright (C) routini authors
 *
 * What a route's counters cost a request when every worker adds to one set
 * (the layout of the zone's route records) instead of a slot of its own on
 * its own cache line (the layout before): P processes each count ITER
 * "requests" of WORK spin iterations, each request three atomic adds (a
 * status class, a bucket, the time sum) as the log-phase handler does.
 * Prints CPU nanoseconds per request (each process's own CPU time, so that
 * other load on the machine counts less) for both layouts and for none
 * (the work alone), the median of five runs; the difference is the cost
 * of the counters.  Figures, not a test.
 *
 *   cc -O2 -o build/counter_contention bench/counter_contention.c
 *   build/counter_contention [P [WORK [ITER]]]    default: 4 0 2000000
 */


#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>


#define LINE  64


static volatile uint64_t  sink;


static double
cpu_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


static int
cmp(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


static void
work(long n)
{
    long      i;
    uint64_t  x;

    x = sink;

    for (i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }

    sink = x;
}


/* layout 0: none, 1: one shared set, 2: a slot per process */

static void *
shared(size_t size)
{
    void  *p;

    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
             -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }

    return p;
}


static double
run_once(int layout, int procs, long nwork, long iter)
{
    int        p, status;
    long       i;
    double     t0, total, *cpu;
    uint64_t  *mem, *c, *ready;

    mem = shared((size_t) LINE * procs);      /* the counters */
    ready = shared(LINE);                     /* a start barrier */
    cpu = shared(procs * sizeof(double));     /* each process's CPU time */

    for (p = 0; p < procs; p++) {
        if (fork() != 0) {
            continue;
        }

        c = (layout == 2) ? mem + p * LINE / sizeof(uint64_t) : mem;

        __atomic_fetch_add(ready, 1, __ATOMIC_SEQ_CST);

        while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) < (uint64_t) procs) {
            /* void */
        }

        t0 = cpu_now();

        for (i = 0; i < iter; i++) {
            work(nwork);

            if (layout) {
                __atomic_fetch_add(&c[1 + (i & 3)], 1, __ATOMIC_SEQ_CST);
                __atomic_fetch_add(&c[5 + (i & 1)], 1, __ATOMIC_SEQ_CST);
                __atomic_fetch_add(&c[0], i & 15, __ATOMIC_SEQ_CST);
            }
        }

        cpu[p] = cpu_now() - t0;

        _exit(0);
    }

    while (wait(&status) > 0) { /* void */ }

    total = 0;

    for (p = 0; p < procs; p++) {
        total += cpu[p];
    }

    munmap(mem, (size_t) LINE * procs);
    munmap(ready, LINE);
    munmap(cpu, procs * sizeof(double));

    return total / procs / iter;
}


static double
run(int layout, int procs, long nwork, long iter)
{
    int     k;
    double  t[5];

    for (k = 0; k < 5; k++) {
        t[k] = run_once(layout, procs, nwork, iter);
    }

    qsort(t, 5, sizeof(double), cmp);

    return t[2];
}


int
main(int argc, char **argv)
{
    int     procs;
    long    nwork, iter;
    double  none, shared, slots;

    procs = (argc > 1) ? atoi(argv[1]) : 4;
    nwork = (argc > 2) ? atol(argv[2]) : 0;
    iter = (argc > 3) ? atol(argv[3]) : 2000000;

    none = run(0, procs, nwork, iter);
    shared = run(1, procs, nwork, iter);
    slots = run(2, procs, nwork, iter);

    printf("%d processes on %ld cores, work %ld: CPU ns per request: "
           "work %.1f, shared set %.1f (+%.1f), slot per process %.1f "
           "(+%.1f)\n",
           procs, sysconf(_SC_NPROCESSORS_ONLN), nwork, none, shared,
           shared - none, slots, slots - none);

    return 0;
}
