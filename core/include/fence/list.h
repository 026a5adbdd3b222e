/* SPDX-License-Identifier: MIT */
/*
 * fence/list.h - the kernel's intrusive doubly linked list, <linux/list.h>.
 * Not thread-safe: callers hold the lock that protects the list.
 */
#pragma once

#include <type_traits>

#include "fence/types.h"

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) {&(name), &(name)}
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *list) noexcept
{
	list->next = list;
	list->prev = list;
}

static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next) noexcept
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

/* list_add - insert @n right after @head (stack order). */
static inline void list_add(struct list_head *n, struct list_head *head) noexcept
{
	__list_add(n, head, head->next);
}

/* list_add_tail - insert @n before @head (queue order). */
static inline void list_add_tail(struct list_head *n, struct list_head *head) noexcept
{
	__list_add(n, head->prev, head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next) noexcept
{
	next->prev = prev;
	prev->next = next;
}

/* list_del - unlink @entry; it is left pointing nowhere useful. */
static inline void list_del(struct list_head *entry) noexcept
{
	__list_del(entry->prev, entry->next);
	entry->next = nullptr;
	entry->prev = nullptr;
}

/* list_del_init - unlink @entry and make it an empty list again. */
static inline void list_del_init(struct list_head *entry) noexcept
{
	__list_del(entry->prev, entry->next);
	INIT_LIST_HEAD(entry);
}

static inline bool list_empty(const struct list_head *head) noexcept
{
	return head->next == head;
}

/* list_replace - @n takes @old's place in its list; @old is left stale. */
static inline void list_replace(struct list_head *old, struct list_head *n) noexcept
{
	n->next = old->next;
	n->next->prev = n;
	n->prev = old->prev;
	n->prev->next = n;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)

/* Iterate over entries; safe against removal (and freeing) of the current one. */
#define list_for_each_entry_safe(pos, n, head, member)                                   \
	for (pos = list_entry((head)->next, std::remove_pointer_t<decltype(pos)>, member),  \
	    n = list_entry(pos->member.next, std::remove_pointer_t<decltype(pos)>, member); \
	     &pos->member != (head);                                                     \
	     pos = n, n = list_entry(n->member.next, std::remove_pointer_t<decltype(n)>, member))

#define list_for_each_entry(pos, head, member)                                           \
	for (pos = list_entry((head)->next, std::remove_pointer_t<decltype(pos)>, member);  \
	     &pos->member != (head);                                                     \
	     pos = list_entry(pos->member.next, std::remove_pointer_t<decltype(pos)>, member))
