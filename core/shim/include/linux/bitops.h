/* SPDX-License-Identifier: MIT */
/*
 * linux/bitops.h (shim) - atomic bit operations on unsigned long words,
 * with the port's orderings (fence/dma-fence.h: test_bit() acquires,
 * set_bit()/clear_bit() release, test_and_*() are acq_rel) and its
 * scheduling points: the read-modify-writes have one before and one after
 * the store, so that a deterministic schedule can stop the kernel file's
 * thread right after it set a flag and before its next plain store (the
 * TIMESTAMP bit and fence->timestamp in dma_fence_signal_timestamp_locked(),
 * whichever order a tree writes them in); test_bit() has none (see
 * fence/dma-fence.h). KTREE_POINT() is nothing in release builds.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_BITOPS_H
#define _FENCEFUZZ_SHIM_LINUX_BITOPS_H
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/wordpart.h>
#include <fencefuzz/ktree-points.h>

#define BITS_PER_LONG 64
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))

static inline bool test_bit(long nr, const volatile unsigned long *addr)
{
	return (__atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_ACQUIRE) & BIT_MASK(nr)) != 0;
}
static inline void set_bit(long nr, volatile unsigned long *addr)
{
	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
	__atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_RELEASE);
	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
}
static inline void clear_bit(long nr, volatile unsigned long *addr)
{
	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
	__atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_RELEASE);
	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
}
static inline bool test_and_set_bit(long nr, volatile unsigned long *addr)
{
	bool was;

	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
	was = (__atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_ACQ_REL) &
	       BIT_MASK(nr)) != 0;
	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
	return was;
}
static inline bool test_and_clear_bit(long nr, volatile unsigned long *addr)
{
	bool was;

	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
	was = (__atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_ACQ_REL) &
	       BIT_MASK(nr)) != 0;
	KTREE_POINT(KTREE_SP_ATOMIC, (const void *)addr);
	return was;
}
/* Non-atomic variants: the caller owns the word. */
static inline void __set_bit(long nr, volatile unsigned long *addr) { addr[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void __clear_bit(long nr, volatile unsigned long *addr) { addr[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline unsigned long __ffs(unsigned long x) { return __builtin_ctzl(x); }
#endif
