/* SPDX-License-Identifier: MIT */
/*
 * fence/fence.h - C++ helpers on top of the kernel API (never instead of it).
 *
 *	fence::ref f = fence::ref::adopt(fence_module_create_fence(m, 1, 0));
 *	fence::ref g = f;			// dma_fence_get()
 *	{
 *		fence::rcu_read_guard rcu;
 *		puts(dma_fence_driver_name(f.get()));
 *	}
 *	// both references dropped with dma_fence_put() at scope exit
 */
#pragma once

#include <utility>

#include "fence/dma-fence.h"
#include "fence/rcu.h"

namespace fence {

/* ref - owns one reference to a struct dma_fence (or nothing). */
class ref {
public:
	ref() noexcept = default;
	/* Take a new reference to @f (dma_fence_get). */
	explicit ref(struct dma_fence *f) noexcept : f_(dma_fence_get(f)) {}
	/* Take over a reference the caller already owns. */
	static ref adopt(struct dma_fence *f) noexcept
	{
		ref r;
		r.f_ = f;
		return r;
	}
	ref(const ref &o) noexcept : f_(dma_fence_get(o.f_)) {}
	ref(ref &&o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
	ref &operator=(ref o) noexcept
	{
		std::swap(f_, o.f_);
		return *this;
	}
	~ref() { dma_fence_put(f_); }

	struct dma_fence *get() const noexcept { return f_; }
	struct dma_fence *operator->() const noexcept { return f_; }
	explicit operator bool() const noexcept { return f_ != nullptr; }
	/* Give up ownership without dropping the reference. */
	[[nodiscard]] struct dma_fence *release() noexcept { return std::exchange(f_, nullptr); }
	void reset() noexcept { dma_fence_put(std::exchange(f_, nullptr)); }

private:
	struct dma_fence *f_ = nullptr;
};

} // namespace fence
