/* SPDX-License-Identifier: MIT */
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
void kt_case_init(void);
void kt_signal(void);
int kt_add_cb(void);
int kt_cb_runs(void);
bool kt_is_signaled(void);
void kt_case_fini(void);
#ifdef __cplusplus
}
#endif
