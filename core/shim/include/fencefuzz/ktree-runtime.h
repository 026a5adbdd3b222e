/* SPDX-License-Identifier: MIT */
/*
 * fencefuzz/ktree-runtime.h - the C entry points of the fence runtime, for
 * kernel files compiled against the shim headers (core/shim/include).
 *
 * The runtime is the one the port uses (core/src/kernel.cpp, the RCU layer,
 * the deterministic scheduler's hooks); core/shim/src/runtime.cpp wraps it
 * in these extern "C" functions. The kernel's own types cannot cross into
 * C++ (spinlock_t, struct kref, struct rcu_head are C++ structs there), so
 * the C side declares them as opaque structs of the same size and alignment
 * (KTREE_*_SIZE below, static-asserted on both sides) and passes pointers.
 *
 * Every function that can report a misuse takes the caller's __FILE__ and
 * __LINE__ (the shim macros pass them), so a report names the kernel file
 * and line, not the shim's.
 *
 * Valid C and C++. Only this header and the shim headers see it.
 */
#ifndef FENCEFUZZ_KTREE_RUNTIME_H
#define FENCEFUZZ_KTREE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#define KTREE_NOEXCEPT noexcept
#else
#include <stdbool.h>
#define KTREE_NOEXCEPT
#endif

/* Sizes of the runtime's types, as the opaque C structs must have them. */
#define KTREE_SPINLOCK_SIZE 8
#define KTREE_SPINLOCK_ALIGN 4
#define KTREE_KREF_SIZE 4
#define KTREE_RCU_HEAD_SIZE 16
#define KTREE_RCU_HEAD_ALIGN 8

/* ---- spinlock_t (fence/spinlock.h) ---- */
void ktree_spin_lock_init(void *lock) KTREE_NOEXCEPT;
void ktree_spin_lock(void *lock, const char *file, int line) KTREE_NOEXCEPT;
void ktree_spin_unlock(void *lock, const char *file, int line) KTREE_NOEXCEPT;
int ktree_spin_trylock(void *lock) KTREE_NOEXCEPT;
bool ktree_spin_is_locked(void *lock) KTREE_NOEXCEPT;
bool ktree_spin_is_held(const void *lock) KTREE_NOEXCEPT;
bool ktree_in_atomic(void) KTREE_NOEXCEPT;

/* ---- struct mutex and ww_mutex (sleeping locks: shim-only, same waits) ---- */
struct ktree_mutex_state {
	unsigned int locked; /* 0 free, 1 held; atomic */
	unsigned int owner;  /* fence_thread_id() of the holder */
};
void ktree_mutex_lock(struct ktree_mutex_state *m, const char *file, int line) KTREE_NOEXCEPT;
int ktree_mutex_trylock(struct ktree_mutex_state *m) KTREE_NOEXCEPT;
void ktree_mutex_unlock(struct ktree_mutex_state *m, const char *file, int line) KTREE_NOEXCEPT;
bool ktree_mutex_is_held(const struct ktree_mutex_state *m) KTREE_NOEXCEPT;
/* Wait until @m looks free (or @abort(arg) says stop); for wound-wait backoff. */
void ktree_mutex_wait_unlocked(struct ktree_mutex_state *m, bool (*abort_fn)(const void *),
			       const void *arg) KTREE_NOEXCEPT;

/* lockdep_assert_held() failing: prints file:line and dies, as the port's. */
void ktree_lockdep_assert_failed(const char *what, const char *file, int line) KTREE_NOEXCEPT
	__attribute__((noreturn));

/* ---- struct kref (fence/kref.h) ---- */
void ktree_kref_init(void *k) KTREE_NOEXCEPT;
unsigned int ktree_kref_read(const void *k) KTREE_NOEXCEPT;
void ktree_kref_get(void *k) KTREE_NOEXCEPT;
int ktree_kref_put(void *k, void (*release)(void *k)) KTREE_NOEXCEPT;
int ktree_kref_get_unless_zero(void *k) KTREE_NOEXCEPT;

/* ---- RCU (fence/rcu.h) ---- */
void ktree_rcu_read_lock(void) KTREE_NOEXCEPT;
void ktree_rcu_read_unlock(void) KTREE_NOEXCEPT;
bool ktree_rcu_read_lock_held(void) KTREE_NOEXCEPT;
void ktree_synchronize_rcu(void) KTREE_NOEXCEPT;
void ktree_call_rcu(void *head, void (*func)(void *head)) KTREE_NOEXCEPT;
void ktree_rcu_barrier(void) KTREE_NOEXCEPT;
/* kfree_rcu(): the object @offset bytes before @head; @file:@line allocated-site bookkeeping. */
void ktree_kfree_rcu(void *head, size_t offset) KTREE_NOEXCEPT;
/* RCU-lockdep: a failed rcu_dereference_check() condition at @file:@line. */
void ktree_rcu_lockdep_warn(const char *what, const char *file, int line) KTREE_NOEXCEPT;

/* ---- slab (fence/slab.h): the same counts and failslab ---- */
void *ktree_kmalloc(size_t size, unsigned int gfp, const char *file, int line) KTREE_NOEXCEPT;
void ktree_kfree(const void *p) KTREE_NOEXCEPT;
void *ktree_krealloc(const void *p, size_t size, unsigned int gfp, const char *file,
		     int line) KTREE_NOEXCEPT;
size_t ktree_ksize(const void *p) KTREE_NOEXCEPT;
long ktree_slab_live(void) KTREE_NOEXCEPT;
unsigned long ktree_failslab_nth(unsigned long n) KTREE_NOEXCEPT;
/*
 * ktree_slab_report - print every object allocated by a kernel file and
 * still live, as "file:line: N bytes"; return how many. Debug builds only
 * record sites (release: returns 0 and prints nothing).
 */
long ktree_slab_report(const char *why) KTREE_NOEXCEPT;

/* kmem_cache: a named size; TYPESAFE_BY_RCU frees wait a grace period. */
struct ktree_kmem_cache;
struct ktree_kmem_cache *ktree_kmem_cache_create(const char *name, size_t size,
						 unsigned long flags) KTREE_NOEXCEPT;
void *ktree_kmem_cache_alloc(struct ktree_kmem_cache *c, unsigned int gfp, const char *file,
			     int line) KTREE_NOEXCEPT;
void ktree_kmem_cache_free(struct ktree_kmem_cache *c, void *p) KTREE_NOEXCEPT;
void ktree_kmem_cache_destroy(struct ktree_kmem_cache *c, const char *file, int line) KTREE_NOEXCEPT;

/* ---- WARN / BUG (fence/bug.h): panic_on_warn, fence::expect_warn ---- */
void ktree_warn(const char *file, int line, const char *cond, const char *fmt, ...) KTREE_NOEXCEPT
	__attribute__((format(printf, 4, 5)));
void ktree_bug(const char *file, int line, const char *cond) KTREE_NOEXCEPT __attribute__((noreturn));
void ktree_might_sleep(const char *file, int line) KTREE_NOEXCEPT;

/* ---- printk ---- */
int ktree_vprintk(const char *fmt, va_list ap) KTREE_NOEXCEPT;
/* A hook that sees every formatted printk line (the selftest runner counts subtests). */
void ktree_printk_set_hook(void (*hook)(const char *msg)) KTREE_NOEXCEPT;

/* ---- time (fence/sched.h) ---- */
int64_t ktree_ktime_get(void) KTREE_NOEXCEPT;
unsigned long ktree_jiffies(void) KTREE_NOEXCEPT;

/* ---- tasks, sleeping, signals (fence/sched.h) ---- */
struct task_struct;
struct task_struct *ktree_current(void) KTREE_NOEXCEPT;
void ktree_set_current_state(unsigned int state) KTREE_NOEXCEPT;
long ktree_schedule_timeout(long timeout) KTREE_NOEXCEPT;
int ktree_wake_up_state(struct task_struct *t, unsigned int state) KTREE_NOEXCEPT;
bool ktree_signal_pending(struct task_struct *t) KTREE_NOEXCEPT;
void ktree_yield(void) KTREE_NOEXCEPT;
/* One turn of a spin-wait: under a deterministic schedule, block until another
 * logical thread moved (a spinner would starve it); else a pause. */
void ktree_cpu_relax(void) KTREE_NOEXCEPT;
int ktree_num_online_cpus(void) KTREE_NOEXCEPT;

/* ---- kthreads: pthreads whose current is the runtime's task ---- */
struct task_struct *ktree_kthread_run(int (*fn)(void *data), void *data,
				      const char *name) KTREE_NOEXCEPT;
bool ktree_kthread_should_stop(void) KTREE_NOEXCEPT;
int ktree_kthread_stop(struct task_struct *t) KTREE_NOEXCEPT;
void ktree_get_task_struct(struct task_struct *t) KTREE_NOEXCEPT;
void ktree_put_task_struct(struct task_struct *t) KTREE_NOEXCEPT;

/* wait_var_event()/wake_up_var(): one process-wide wait queue. */
long ktree_var_wait(const void *var, long timeout) KTREE_NOEXCEPT;
void ktree_wake_up_var(const void *var) KTREE_NOEXCEPT;

/* ---- timers: one timer thread runs expired timer_list callbacks ---- */
struct timer_list {
	void (*function)(struct timer_list *timer);
	unsigned long expires;
	unsigned int flags;
	int __state; /* runtime-owned: 0 idle, 1 queued, 2 running */
	struct timer_list *__next;
};
void ktree_timer_setup(struct timer_list *t, void (*fn)(struct timer_list *), unsigned int flags) KTREE_NOEXCEPT;
int ktree_mod_timer(struct timer_list *t, unsigned long expires) KTREE_NOEXCEPT;
int ktree_del_timer(struct timer_list *t, bool sync) KTREE_NOEXCEPT;
bool ktree_timer_pending(const struct timer_list *t) KTREE_NOEXCEPT;

/* ---- irq_work: run on the queuing thread once it holds no spinlock ---- */
struct irq_work {
	void (*func)(struct irq_work *work);
	unsigned int __state; /* runtime-owned: bit 0 pending; atomic */
	struct irq_work *__next;
};
bool ktree_irq_work_queue(struct irq_work *work) KTREE_NOEXCEPT;
void ktree_irq_work_sync(struct irq_work *work) KTREE_NOEXCEPT;

/* ---- random numbers: a per-thread generator, seeded from FENCEFUZZ_KTREE_SEED ---- */
uint32_t ktree_get_random_u32(void) KTREE_NOEXCEPT;

/* ---- deterministic scheduler and delay injection points ---- */
void ktree_sched_point(int kind, const void *addr) KTREE_NOEXCEPT;

#ifdef __cplusplus
}
#endif
#endif
