// SPDX-License-Identifier: MIT
//
// fence_mod_hw.so - the hardware-style driver model as a real loadable
// module: ->enable_signaling arms the interrupt unless the simulated
// hardware already passed the fence, ->signaled polls the hardware seqno.
// The hardware itself (the seqno, the interrupt, fence_module_irq()) is the
// core's. The fences detach at signal.
#include "so_module.h"

namespace {

bool so_enable_signaling(struct dma_fence *f)
{
	host->enter(f, "enable_signaling");
	host->assert_held(f);
	bool ret = true;
	if (host->hw_seqno(f) >= f->seqno)
		ret = false; /* already passed: the core signals it */
	else
		host->arm(f);
	host->exit();
	return ret;
}

bool so_signaled(struct dma_fence *f)
{
	host->enter(f, "signaled");
	bool ret = host->hw_seqno(f) >= f->seqno;
	host->exit();
	return ret;
}

} // namespace

FENCE_SO_MODULE(FENCE_MODEL_HW, "hw", {.enable_signaling = so_enable_signaling, .signaled = so_signaled})
