/* Threads: clone through pthread_create, futex through mutexes, condition variables and
 * join, per-thread TLS, and tids that differ from the pid. */
#include "testlib.h"

#include <pthread.h>

#define THREADS 4
#define INCREMENTS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static __thread long thread_local_value = 5;

struct worker {
    int index;
    long pid, tid;
    long tls_seen;
    int turns_taken;
};

static void *work(void *arg) {
    struct worker *self = arg;
    self->pid = RAW(SYS_getpid);
    self->tid = RAW(SYS_gettid);
    thread_local_value += self->index;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    /* Ping-pong: each thread waits for its turn three times. */
    for (int round = 0; round < 3; round++) {
        pthread_mutex_lock(&lock);
        while (turn % THREADS != self->index)
            pthread_cond_wait(&turn_changed, &lock);
        turn++;
        self->turns_taken++;
        pthread_cond_broadcast(&turn_changed);
        pthread_mutex_unlock(&lock);
    }
    self->tls_seen = thread_local_value;
    return (void *)(long)(100 + self->index);
}

static void *short_lived(void *arg) {
    return (void *)((long)arg * 2);
}

int main(int argc, char **argv) {
    tl_start(argc, argv, "threads");
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    long pid = RAW(SYS_getpid);
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (struct worker){.index = i};
        EXPECT_VAL("pthread_create", pthread_create(&threads[i], NULL, work, &workers[i]), 0);
    }
    bool results_ok = true;
    for (int i = 0; i < THREADS; i++) {
        void *result = NULL;
        EXPECT_VAL("pthread_join", pthread_join(threads[i], &result), 0);
        results_ok = results_ok && (long)result == 100 + i;
    }
    EXPECT_TRUE("every thread returned its value", results_ok);
    EXPECT_VAL("counter after mutex-protected increments", counter, THREADS * INCREMENTS);
    EXPECT_VAL("condition variable turns", turn, THREADS * 3);
    bool ids_ok = true, tls_ok = true;
    for (int i = 0; i < THREADS; i++) {
        ids_ok = ids_ok && workers[i].pid == pid && workers[i].tid != pid && workers[i].tid > 0;
        for (int j = 0; j < i; j++)
            ids_ok = ids_ok && workers[i].tid != workers[j].tid;
        tls_ok = tls_ok && workers[i].tls_seen == 5 + i && workers[i].turns_taken == 3;
    }
    EXPECT_TRUE("threads share the pid and have distinct tids", ids_ok);
    EXPECT_TRUE("each thread has its own TLS", tls_ok);
    EXPECT_VAL("main thread TLS untouched", thread_local_value, 5);
    EXPECT_TRUE("main thread tid is still the pid", RAW(SYS_gettid) == pid);

    /* A burst of short-lived threads, each joined before the next starts. */
    for (int i = 0; i < 32; i++) {
        pthread_t t;
        void *result = NULL;
        if (pthread_create(&t, NULL, short_lived, (void *)(long)i) != 0 ||
            pthread_join(t, &result) != 0 || (long)result != i * 2) {
            results_ok = false;
            break;
        }
    }
    EXPECT_TRUE("32 threads created and joined one after another", results_ok);
    return tl_finish();
}
