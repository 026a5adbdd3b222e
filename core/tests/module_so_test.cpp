// SPDX-License-Identifier: MIT
//
// Real loadable modules (fence/module-abi.h): driver models built as shared
// objects (core/modules/), loaded with fence_module_load_so() and unloaded
// with dlclose(). The same unload rules as simulated modules, and after
// unload the .so's code and data are really unmapped.
//
// Oracle: a detached fence must outlive its module with no access to the
// unloaded .so (which would fault); the death tests prove that such an
// access does fault and that the report names the module and the op.
// EXPECT failures, WARNs (fatal: e.g. dlclose left the .so mapped),
// sanitizer reports and leaked fence memory mean broken.
//
// FENCE_MOD_NAMES_SO / FENCE_MOD_HW_SO are the paths of the built modules
// (core/tests/so.cmake).
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstring>
#include <string>

#include "fence/fence.h"
#include "fence/module-abi.h"
#include "fence/module.h"
#include "test_ops.h"

using namespace fft;

namespace {

class FenceModuleSoTest : public FenceTest {
protected:
	static struct fence_module *load(const char *name, const char *path)
	{
		struct fence_module *m = nullptr;
		EXPECT_EQ(fence_module_load_so(name, path, &m), 0) << name << " from " << path;
		return m;
	}
	// Whether the dynamic linker still knows the object at @addr.
	static bool mapped(const void *addr)
	{
		Dl_info di;
		return dladdr(addr, &di) != 0 && di.dli_fname != nullptr;
	}
	static const void *driver_name_fn(struct dma_fence *f)
	{
		fence::rcu_read_guard g;
		const struct dma_fence_ops *ops = rcu_dereference(f->ops);
		return ops ? reinterpret_cast<const void *>(ops->get_driver_name) : nullptr;
	}
};

class FenceModuleSoDeathTest : public FenceModuleSoTest {
protected:
	void SetUp() override
	{
		GTEST_FLAG_SET(death_test_style, "threadsafe");
		FenceModuleSoTest::SetUp();
	}
};

} // namespace

TEST_F(FenceModuleSoTest, NamesModuleLoadsIssuesAndUnmapsAtUnload)
{
	struct fence_module *m = load("so0", FENCE_MOD_NAMES_SO);
	ASSERT_NE(m, nullptr);
	EXPECT_STREQ(fence_module_name(m), "so0");
	EXPECT_EQ(fence_module_model(m), FENCE_MODEL_NAMES);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(driver_name(f), "so0");
	EXPECT_EQ(timeline_name(f), "so0.names.so");
	const void *code = driver_name_fn(f);
	ASSERT_NE(code, nullptr);
	EXPECT_TRUE(mapped(code)) << "the op's code is in the .so";

	dma_fence_signal(f);
	EXPECT_EQ(fence_module_pending(m), 1); // reaped at the next create/unload
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_FALSE(mapped(code)) << "dlclose() must unmap the module";

	// The fence is independent of the module.
	EXPECT_EQ(dma_fence_get_status(f), 1);
	EXPECT_EQ(driver_name(f), "detached-driver");
	EXPECT_EQ(timeline_name(f), "signaled-timeline");
	EXPECT_TRUE(dma_fence_is_signaled(f));
	EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
	dma_fence_set_deadline(f, ktime_get());
	EXPECT_NE(dma_fence_describe(f).find("signalled"), std::string::npos);
	dma_fence_put(f);
}

TEST_F(FenceModuleSoTest, UnloadForceCompletesPendingWithENODEV)
{
	struct fence_module *m = load("so1", FENCE_MOD_HW_SO);
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(fence_module_model(m), FENCE_MODEL_HW);
	struct dma_fence *a = fence_module_create_fence(m, 1, 0);
	struct dma_fence *b = fence_module_create_fence(m, 2, FENCE_CREATE_SEQNO64);
	ASSERT_TRUE(a && b);
	EXPECT_EQ(timeline_name(a), "so1.hw.so");
	EXPECT_EQ(fence_module_pending(m), 2);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_EQ(dma_fence_get_status(a), -ENODEV);
	EXPECT_EQ(dma_fence_get_status(b), -ENODEV);
	EXPECT_EQ(driver_name(b), "detached-driver");
	dma_fence_put(a);
	dma_fence_put(b);
}

TEST_F(FenceModuleSoTest, HwModuleSignalsThroughItsOps)
{
	struct fence_module *m = load("so2", FENCE_MOD_HW_SO);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f1 = fence_module_create_fence(m, 1, 0);
	struct dma_fence *f2 = fence_module_create_fence(m, 2, 0);
	struct dma_fence *f3 = fence_module_create_fence(m, 3, 0);
	ASSERT_TRUE(f1 && f2 && f3);
	// ->signaled (the .so's code) polls the hardware.
	EXPECT_FALSE(dma_fence_is_signaled(f1));
	EXPECT_EQ(fence_module_irq(m, 1), 0); // not armed: left for polling
	EXPECT_TRUE(dma_fence_is_signaled(f1));
	// ->enable_signaling (the .so's code) arms the interrupt.
	dma_fence_enable_sw_signaling(f2);
	EXPECT_EQ(fence_module_irq(m, 2), 1);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f2));
	// Passed already: enable_signaling returns false and the core signals.
	fence_module_irq(m, 3);
	dma_fence_enable_sw_signaling(f3);
	EXPECT_TRUE(dma_fence_test_signaled_flag(f3));
	ASSERT_EQ(fence_module_unload(m), 0);
	for (struct dma_fence *f : {f1, f2, f3}) {
		EXPECT_EQ(dma_fence_get_status(f), 1);
		dma_fence_put(f);
	}
}

TEST_F(FenceModuleSoTest, SoModuleChecksTheDriverContract)
{
	// A real module's ops announce themselves through host->enter(): the
	// core checks the same driver contract as for the simulated modules.
	char buf[256];
	fence_module_contract_take(nullptr, 0);
	struct fence_module *m = load("so3", FENCE_MOD_HW_SO);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	dma_fence_enable_sw_signaling(f);
	dma_fence_enable_sw_signaling(f);
	(void)dma_fence_is_signaled(f);
	EXPECT_EQ(fence_module_contract_take(buf, sizeof(buf)), 0) << buf; // legal use
	const struct dma_fence_ops *ops;
	{
		fence::rcu_read_guard g;
		ops = rcu_dereference(f->ops);
	}
	unsigned long flags;
	dma_fence_lock_irqsave(f, flags);
	(void)ops->enable_signaling(f); // a second call, as a buggy core would make
	dma_fence_unlock_irqrestore(f, flags);
	ASSERT_EQ(fence_module_contract_take(buf, sizeof(buf)), 1);
	EXPECT_NE(std::string(buf).find("driver_enable_signaling: ->enable_signaling called a second time"),
		  std::string::npos)
		<< buf;
	EXPECT_EQ(fence_module_irq(m, 1), 1);
	ASSERT_EQ(fence_module_unload(m), 0);
	dma_fence_put(f);
}

TEST_F(FenceModuleSoTest, PinnedFenceKeepsTheSoLoaded)
{
	struct fence_module *m = load("so3", FENCE_MOD_NAMES_SO);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, FENCE_CREATE_EXTERN_LOCK);
	ASSERT_NE(f, nullptr);
	const void *code = driver_name_fn(f);
	EXPECT_EQ(fence_module_live_pinned(m), 1);
	EXPECT_EQ(fence_module_unload(m), -EBUSY);
	EXPECT_TRUE(mapped(code));
	EXPECT_EQ(dma_fence_get_status(f), -ENODEV); // force-completed all the same
	dma_fence_put(f); // ->release runs in the .so
	EXPECT_EQ(fence_module_live_pinned(m), 0);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_FALSE(mapped(code));
}

TEST_F(FenceModuleSoTest, TwoLoadsOfOneFileAreTwoInstances)
{
	struct fence_module *a = load("twin-a", FENCE_MOD_NAMES_SO);
	struct fence_module *b = load("twin-b", FENCE_MOD_NAMES_SO);
	ASSERT_TRUE(a && b);
	struct dma_fence *fa = fence_module_create_fence(a, 1, 0);
	struct dma_fence *fb = fence_module_create_fence(b, 1, 0);
	ASSERT_TRUE(fa && fb);
	EXPECT_EQ(driver_name(fa), "twin-a");
	EXPECT_EQ(driver_name(fb), "twin-b");
	const void *ca = driver_name_fn(fa), *cb = driver_name_fn(fb);
	EXPECT_NE(ca, cb) << "each load must have its own copy of the code";
	ASSERT_EQ(fence_module_unload(a), 0);
	EXPECT_FALSE(mapped(ca));
	EXPECT_TRUE(mapped(cb));
	EXPECT_EQ(driver_name(fb), "twin-b");
	ASSERT_EQ(fence_module_unload(b), 0);
	EXPECT_FALSE(mapped(cb));
	dma_fence_put(fa);
	dma_fence_put(fb);
}

TEST_F(FenceModuleSoTest, LoadErrors)
{
	struct fence_module *m = nullptr;
	EXPECT_EQ(fence_module_load_so("x", "/nonexistent/fence_mod.so", &m), -ENOENT);
	EXPECT_EQ(fence_module_load_so(nullptr, FENCE_MOD_NAMES_SO, &m), -EINVAL);
	EXPECT_EQ(fence_module_load_so("x", FENCE_MOD_NAMES_SO, nullptr), -EINVAL);
	EXPECT_EQ(m, nullptr);
}

// ---- after unload the .so is gone: every stale access faults and is named ----

// A detached fence outlives its module; a call into the unloaded code does not.
TEST_F(FenceModuleSoDeathTest, CallIntoUnloadedCodeNamesModuleAndOp)
{
	struct fence_module *m = load("sodead", FENCE_MOD_NAMES_SO);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const char *(*get_driver_name)(struct dma_fence *);
	{
		fence::rcu_read_guard g;
		get_driver_name = rcu_dereference(f->ops)->get_driver_name; // kept past the section: the bug
	}
	dma_fence_signal(f);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_EQ(dma_fence_get_status(f), 1); // the fence itself is fine
	EXPECT_DEATH((void)get_driver_name(f),
		     "fencefuzz: access to unloaded module 'sodead' \\(id [0-9]+\\): code of "
		     "ops\\[0\\]\\.get_driver_name.*fence_mod_names\\.so.*in op get_driver_name");
	dma_fence_put(f);
}

TEST_F(FenceModuleSoDeathTest, StaleOpsTableNamesTheField)
{
	struct fence_module *m = load("sostale", FENCE_MOD_HW_SO);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const struct dma_fence_ops *ops;
	{
		fence::rcu_read_guard g;
		ops = rcu_dereference(f->ops);
	}
	ASSERT_EQ(fence_module_unload(m), 0); // force-completes f
	EXPECT_EQ(dma_fence_get_status(f), -ENODEV);
	EXPECT_DEATH(fprintf(stderr, "%p\n", reinterpret_cast<void *>(
							 *reinterpret_cast<void *const volatile *>(&ops->signaled))),
		     "unloaded module 'sostale'.*ops\\[0\\]\\.signaled \\(fence_mod_hw\\.so");
	dma_fence_put(f);
}

TEST_F(FenceModuleSoDeathTest, StaleNameStringFromSoFaults)
{
	struct fence_module *m = load("soname", FENCE_MOD_NAMES_SO);
	ASSERT_NE(m, nullptr);
	struct dma_fence *f = fence_module_create_fence(m, 1, 0);
	ASSERT_NE(f, nullptr);
	const char *name;
	{
		fence::rcu_read_guard g;
		name = dma_fence_timeline_name(f); // valid only inside this section
	}
	dma_fence_signal(f);
	ASSERT_EQ(fence_module_unload(m), 0);
	EXPECT_DEATH(fprintf(stderr, "%zu\n", strlen(name)),
		     "unloaded module 'soname'.*timeline name string \\(fence_mod_names\\.so");
	dma_fence_put(f);
}
