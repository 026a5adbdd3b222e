/* SPDX-License-Identifier: MIT */
/*
 * bench/ops.h - one fast-path operation per function, for the port
 * (port_ops.cpp, built against fence_core and against the plain-pointer
 * core) and for the kernel tree's dma-fence.c (tree_ops.c, fence_ktree).
 * Each function does the operation once on state its *_setup() made, so
 * both sides pay the same call.
 */
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
void port_setup(void);
void port_init_put(void);	/* kmalloc, dma_fence_init, dma_fence_put -> ->release kfree */
void port_init_signal(void);	/* dma_fence_init on reused storage, dma_fence_signal */
int port_is_signaled(void);	/* dma_fence_is_signaled on an unsignaled fence */
void port_add_remove_cb(void);	/* dma_fence_add_callback + dma_fence_remove_callback */
void port_get_rcu_safe(void);	/* rcu_read_lock, dma_fence_get_rcu_safe, rcu_read_unlock, put */
void port_rcu_lock_unlock(void); /* rcu_read_lock + rcu_read_unlock, uncontended */

void tree_setup(void);
void tree_init_put(void);
void tree_init_signal(void);
int tree_is_signaled(void);
void tree_add_remove_cb(void);
void tree_get_rcu_safe(void);
void tree_rcu_lock_unlock(void);
#ifdef __cplusplus
}
#endif
