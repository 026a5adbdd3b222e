/* SPDX-License-Identifier: MIT */
/*
 * linux/ww_mutex.h (shim) - wound/wait mutexes with the wait-die algorithm
 * (the reservation class, DEFINE_WD_CLASS, is wait-die), over the shim's
 * struct mutex (linux/mutex.h):
 *  - each ww_acquire_init() takes a stamp from its class (older = smaller);
 *  - ww_mutex_lock() with a context that already holds the lock returns
 *    -EALREADY;
 *  - a context that holds other locks of the class and finds the lock held
 *    by an older context returns -EDEADLK ("dies") and must back off, drop
 *    its locks and take the contended one with ww_mutex_lock_slow();
 *  - otherwise it waits for the lock.
 * Without a context a ww_mutex is a plain mutex.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_WW_MUTEX_H
#define _FENCEFUZZ_SHIM_LINUX_WW_MUTEX_H
#include <linux/mutex.h>
#include <linux/errno.h>
#include <linux/bug.h>

struct ww_class {
	unsigned long stamp; /* atomic */
	const char *name;
	bool is_wait_die;
};
struct ww_acquire_ctx {
	struct task_struct *task;
	unsigned long stamp;
	unsigned int acquired;
	bool done;
	struct ww_class *ww_class;
};
struct ww_mutex {
	struct mutex base;
	struct ww_acquire_ctx *ctx; /* atomic: read by contenders */
	struct ww_class *ww_class;
};

#define DEFINE_WD_CLASS(classname) struct ww_class classname = { .stamp = 0, .name = #classname, .is_wait_die = true }
#define DEFINE_WW_CLASS(classname) struct ww_class classname = { .stamp = 0, .name = #classname, .is_wait_die = false }

static inline void ww_mutex_init(struct ww_mutex *lock, struct ww_class *ww_class)
{
	mutex_init(&lock->base);
	lock->ctx = NULL;
	lock->ww_class = ww_class;
}
static inline void ww_mutex_destroy(struct ww_mutex *lock)
{
	WARN_ON(mutex_is_locked(&lock->base));
}
static inline bool ww_mutex_is_locked(struct ww_mutex *lock) { return mutex_is_locked(&lock->base); }

static inline void ww_acquire_init(struct ww_acquire_ctx *ctx, struct ww_class *ww_class)
{
	ctx->task = current;
	ctx->stamp = __atomic_add_fetch(&ww_class->stamp, 1, __ATOMIC_RELAXED);
	ctx->acquired = 0;
	ctx->done = false;
	ctx->ww_class = ww_class;
}
static inline void ww_acquire_done(struct ww_acquire_ctx *ctx) { ctx->done = true; }
static inline void ww_acquire_fini(struct ww_acquire_ctx *ctx)
{
	WARN_ON(ctx->acquired); /* every lock of the context must be unlocked first */
}

static inline void __ff_ww_acquired(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	__atomic_store_n(&lock->ctx, ctx, __ATOMIC_RELAXED);
	if (ctx)
		ctx->acquired++;
}

/* The waiter dies if it holds locks and the holder is older (wait-die). */
static inline bool __ff_ww_must_die(const void *arg)
{
	const struct ww_mutex *lock = (const struct ww_mutex *)((const void *const *)arg)[0];
	const struct ww_acquire_ctx *ctx = (const struct ww_acquire_ctx *)((const void *const *)arg)[1];
	const struct ww_acquire_ctx *holder = __atomic_load_n(&lock->ctx, __ATOMIC_RELAXED);

	return ctx->acquired > 0 && holder && holder != ctx && holder->stamp < ctx->stamp;
}

static inline int __ff_ww_lock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx, bool slow,
			       const char *file, int line)
{
	const void *arg[2] = { lock, ctx };

	ktree_might_sleep(file, line);
	if (ctx && __atomic_load_n(&lock->ctx, __ATOMIC_RELAXED) == ctx)
		return -EALREADY;
	for (;;) {
		if (ktree_mutex_trylock(&lock->base.__state)) {
			__ff_ww_acquired(lock, ctx);
			return 0;
		}
		if (ctx && !slow && __ff_ww_must_die(arg))
			return -EDEADLK;
		ktree_mutex_wait_unlocked(&lock->base.__state,
					  ctx && !slow ? __ff_ww_must_die : NULL, arg);
	}
}
#define ww_mutex_lock(lock, ctx) __ff_ww_lock((lock), (ctx), false, __FILE__, __LINE__)
#define ww_mutex_lock_interruptible(lock, ctx) ww_mutex_lock((lock), (ctx))
#define ww_mutex_lock_slow(lock, ctx) ((void)__ff_ww_lock((lock), (ctx), true, __FILE__, __LINE__))
#define ww_mutex_lock_slow_interruptible(lock, ctx) __ff_ww_lock((lock), (ctx), true, __FILE__, __LINE__)
static inline int ww_mutex_trylock(struct ww_mutex *lock, struct ww_acquire_ctx *ctx)
{
	if (!ktree_mutex_trylock(&lock->base.__state))
		return 0;
	__ff_ww_acquired(lock, ctx);
	return 1;
}
#define ww_mutex_unlock(lock)                                                      \
	do {                                                                       \
		struct ww_mutex *__ff_l = (lock);                                  \
		struct ww_acquire_ctx *__ff_ctx = __ff_l->ctx;                     \
		if (__ff_ctx)                                                      \
			__ff_ctx->acquired--;                                      \
		__atomic_store_n(&__ff_l->ctx, NULL, __ATOMIC_RELAXED);            \
		ktree_mutex_unlock(&__ff_l->base.__state, __FILE__, __LINE__);     \
	} while (0)
#endif
