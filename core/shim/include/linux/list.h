/* SPDX-License-Identifier: MIT */
/*
 * linux/list.h (shim) - circular doubly linked lists with a sentinel head,
 * the API of <linux/list.h>, written for the shims.
 */
#ifndef _FENCEFUZZ_SHIM_LINUX_LIST_H
#define _FENCEFUZZ_SHIM_LINUX_LIST_H
#include <linux/types.h>
#include <linux/container_of.h>

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	WRITE_ONCE(l->next, l);
	l->prev = l;
}
static inline void __ff_list_link(struct list_head *n, struct list_head *before,
				  struct list_head *after)
{
	after->prev = n;
	n->next = after;
	n->prev = before;
	WRITE_ONCE(before->next, n);
}
static inline void list_add(struct list_head *n, struct list_head *head)
{
	__ff_list_link(n, head, head->next);
}
static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	__ff_list_link(n, head->prev, head);
}
static inline void __ff_list_unlink(struct list_head *e)
{
	e->next->prev = e->prev;
	WRITE_ONCE(e->prev->next, e->next);
}
static inline void list_del(struct list_head *e)
{
	__ff_list_unlink(e);
	e->next = (struct list_head *)0x100; /* poison, as the kernel's LIST_POISON1 */
	e->prev = (struct list_head *)0x122;
}
static inline void list_del_init(struct list_head *e)
{
	__ff_list_unlink(e);
	INIT_LIST_HEAD(e);
}
static inline bool list_empty(const struct list_head *head) { return READ_ONCE(head->next) == head; }
static inline void list_move_tail(struct list_head *e, struct list_head *head)
{
	__ff_list_unlink(e);
	list_add_tail(e, head);
}
static inline void list_replace(struct list_head *old, struct list_head *n)
{
	n->next = old->next;
	n->next->prev = n;
	n->prev = old->prev;
	n->prev->next = n;
}
static inline void list_splice_init(struct list_head *from, struct list_head *head)
{
	if (!list_empty(from)) {
		struct list_head *first = from->next, *last = from->prev, *at = head->next;

		first->prev = head;
		head->next = first;
		last->next = at;
		at->prev = last;
		INIT_LIST_HEAD(from);
	}
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)
#define list_last_entry(head, type, member) list_entry((head)->prev, type, member)
#define list_first_entry_or_null(head, type, member) \
	(list_empty(head) ? NULL : list_first_entry(head, type, member))
#define list_next_entry(pos, member) list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_entry_is_head(pos, head, member) (&(pos)->member == (head))
#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_entry(pos, head, member)                                \
	for (pos = list_first_entry(head, typeof(*pos), member);              \
	     !list_entry_is_head(pos, head, member); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)                        \
	for (pos = list_first_entry(head, typeof(*pos), member),              \
	    n = list_next_entry(pos, member);                                 \
	     !list_entry_is_head(pos, head, member); pos = n, n = list_next_entry(n, member))
#endif
