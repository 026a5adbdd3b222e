#include <gtest/gtest.h>

#include "fence/fence.h"
#include "fence/module.h"

TEST(Smoke, CreateSignalPut)
{
	struct fence_module *m;
	ASSERT_EQ(fence_module_load("smoke", FENCE_MODEL_NAMES, &m), 0);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	{
		fence::rcu_read_guard g;
		EXPECT_STREQ(dma_fence_driver_name(f), "smoke");
	}
	EXPECT_EQ(dma_fence_get_status(f), 0);
	dma_fence_signal(f);
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(fence_module_unload(m), 0);
	{
		fence::rcu_read_guard g;
		EXPECT_STREQ(dma_fence_driver_name(f), "detached-driver");
	}
	dma_fence_put(f);
	rcu_barrier();
}
