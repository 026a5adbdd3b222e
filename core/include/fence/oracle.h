/* SPDX-License-Identifier: MIT */
/*
 * fence/oracle.h - the one line every fencefuzz oracle prints when it fires.
 *
 *	fencefuzz: ORACLE <kind> <signature>
 *
 * <kind> is one of: model (the reference model disagrees), leak (objects
 * left after teardown), lockdep (a locking/RCU rule of a debug build), warn
 * (a WARN under panic_on_warn), bug (BUG_ON, fence_die), trap (an access to
 * an unloaded module), deadlock (the deterministic scheduler's report, a
 * spinlock taken twice), contract (a promise of the API that holds under
 * any interleaving, checked by every runner: harness/src/catalog.h post()),
 * torture (a fence_torture invariant), props (a property falsified), parse
 * (a text program that does not survive format and parse again,
 * fuzz/parse_fuzz.cpp). <signature> says where or what, in [A-Za-z0-9_.:-]
 * (anything else becomes '-'), at most 96 characters. The sanitizers'
 * reports carry their own first line; ci/lib.sh reads both and nothing else.
 *
 * The line goes out with one write(2), so a signal handler may print it.
 */
#pragma once

extern "C++" {

/* fence_oracle - print the oracle line for @kind and @signature (stderr).
 * Context: any, including a signal handler. Return: nothing. */
void fence_oracle(const char *kind, const char *signature) noexcept;

} /* extern "C++" */
