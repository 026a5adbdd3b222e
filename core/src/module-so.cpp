// SPDX-License-Identifier: MIT
/*
 * DOC: module-so.cpp - real loadable modules: shared objects that go away
 *
 * fence_module_load_so() dlopen()s a module .so (the ABI is in
 * fence/module-abi.h), asks it for its descriptor, lets it build its names,
 * and registers it with the module layer (module.cpp) as a module whose ops
 * tables are the .so's. From then on it is an ordinary module: the same
 * bookkeeping, the same unload rules. fence_module_unload() calls
 * fence_so_unmap() after the grace period, which dlclose()s the .so.
 *
 * Really gone: dlclose() unmaps the .so's code, its ops tables and its name
 * buffers. Right after, the old range is reserved with an inaccessible
 * anonymous mapping (MAP_FIXED_NOREPLACE, PROT_NONE), so the addresses are
 * not handed out again while the fault handler remembers them; the
 * reservation is dropped when module.cpp reuses the dead slot (256 unloads
 * later). A stale ops pointer, a cached name string or a call into the
 * module's code then faults, and the handler (module.cpp) asks
 * fence_so_describe() what the address was:
 *	fencefuzz: access to unloaded module 'gpu0' (id 7): code of
 *	ops[0].get_driver_name (fence_mod_names.so+0x1130), in op get_driver_name
 * If the range is still mapped after dlclose() (RTLD_NODELETE, or a symbol
 * bound STB_GNU_UNIQUE, which makes glibc keep the object), unload WARNs:
 * such a module would not test what it claims to.
 *
 * One load, one instance: dlopen() of a path that is already loaded returns
 * the same object, with the same static data. So when the path is already
 * loaded, the .so is copied to a private file in $TMPDIR (default /tmp),
 * loaded from there and the copy is deleted at unload. The copy keeps its
 * name while loaded so that sanitizer reports can symbolize its frames; the
 * copies a crashed process left behind are deleted by the next process that
 * makes one.
 *
 * Locking: g_so_lock serializes dlopen, dlclose and the range reservation,
 * so that one module's load cannot take the range another's unload is about
 * to reserve. It is taken before module.cpp's registry lock, never after.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "fence/module-abi.h"
#include "module-internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

struct fence_so {
	void *handle;
	const struct fence_module_desc *desc;
	char path[PATH_MAX]; /* what was dlopen()ed: the file or a private copy */
	bool is_copy;
	struct fence_so_dead info; /* filled at load, handed to the dead table at unload */
};

namespace {

std::mutex g_so_lock;

constexpr uintptr_t kPage = 4096;

const char *const kOpNames[] = {
	"get_driver_name", "get_timeline_name", "enable_signaling", "signaled",
	"wait",		   "release",		"set_deadline",
};
static_assert(sizeof(dma_fence_ops) == sizeof(kOpNames) / sizeof(kOpNames[0]) * sizeof(void *),
	      "keep kOpNames in step with struct dma_fence_ops");

void host_assert_held(struct dma_fence *f) { dma_fence_assert_held(f); }

const struct fence_module_host g_host = {
	FENCE_MODULE_ABI_VERSION,
	fence_module_host_enter,
	fence_module_host_exit,
	fence_module_host_hw_seqno,
	fence_module_host_arm,
	host_assert_held,
	fence_module_host_release,
};

const char *base_name(const char *path) noexcept
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Delete the copies in @dir that processes which no longer exist left behind. */
void remove_stale_copies(const char *dir) noexcept
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	while (struct dirent *e = readdir(d)) {
		int pid = 0, n = 0;
		if (sscanf(e->d_name, "fencefuzz-%d-%*6[A-Za-z0-9]-%n", &pid, &n) != 1 || n == 0 ||
		    pid <= 0 || pid == getpid() || !strstr(e->d_name, ".so"))
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* alive, or not ours to judge */
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < static_cast<int>(sizeof(path)))
			unlink(path);
	}
	closedir(d);
}

/* Copy @src to a new private file; its name into @dst. Return: 0 or -errno. */
int copy_file(const char *src, char *dst, size_t len) noexcept
{
	static bool cleaned; /* under g_so_lock */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (!cleaned) {
		cleaned = true;
		remove_stale_copies(tmp);
	}
	if (snprintf(dst, len, "%s/fencefuzz-%d-XXXXXX-%s", tmp, static_cast<int>(getpid()),
		     base_name(src)) >= static_cast<int>(len))
		return -ENAMETOOLONG;
	int out = mkstemps(dst, static_cast<int>(strlen(base_name(src))) + 1);
	if (out < 0)
		return -errno;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int ret = in < 0 ? -errno : 0;
	char buf[16384];
	while (!ret) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0 || write(out, buf, static_cast<size_t>(n)) != n)
			ret = -EIO;
	}
	if (in >= 0)
		close(in);
	if (close(out) && !ret)
		ret = -errno;
	if (ret)
		unlink(dst);
	return ret;
}

struct phdr_query {
	uintptr_t l_addr;
	const char *l_name;
	struct fence_so_dead *info;
	bool found;
};

/* The span of PT_LOAD segments of the object loaded at l_addr, page-aligned. */
int find_range(struct dl_phdr_info *pi, size_t, void *data)
{
	auto *q = static_cast<phdr_query *>(data);
	if (pi->dlpi_addr != q->l_addr || !pi->dlpi_name || strcmp(pi->dlpi_name, q->l_name) != 0)
		return 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0, tlo = UINTPTR_MAX, thi = 0;
	for (int i = 0; i < pi->dlpi_phnum; i++) {
		const ElfW(Phdr) &ph = pi->dlpi_phdr[i];
		if (ph.p_type != PT_LOAD)
			continue;
		uintptr_t s = pi->dlpi_addr + ph.p_vaddr, e = s + ph.p_memsz;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
		if (ph.p_flags & PF_X) {
			tlo = s < tlo ? s : tlo;
			thi = e > thi ? e : thi;
		}
	}
	if (!hi)
		return 0;
	q->info->start = lo & ~(kPage - 1);
	q->info->end = (hi + kPage - 1) & ~(kPage - 1);
	q->info->text_start = tlo == UINTPTR_MAX ? 0 : tlo;
	q->info->text_end = thi;
	q->found = true;
	return 1;
}

int validate(const struct fence_module_desc *d) noexcept
{
	if (!d || d->abi_version != FENCE_MODULE_ABI_VERSION ||
	    d->fence_size != sizeof(struct dma_fence) || d->ops_size != sizeof(struct dma_fence_ops))
		return -ENOEXEC;
	if ((d->model != FENCE_MODEL_NAMES && d->model != FENCE_MODEL_HW) || !d->init || !d->ops ||
	    !d->ops_pinned || !d->driver_name || !d->timeline_name)
		return -EINVAL;
	for (const struct dma_fence_ops *o : {d->ops, d->ops_pinned})
		if (!o->get_driver_name || !o->get_timeline_name)
			return -EINVAL;
	if (!d->ops_pinned->release)
		return -EINVAL;
	return 0;
}

void unload_locked(struct fence_so *so) noexcept
{
	dlclose(so->handle);
	if (so->is_copy)
		unlink(so->path);
}

} // namespace

int fence_module_load_so(const char *name, const char *path, struct fence_module **out) noexcept
{
	if (!name || !path || !out)
		return -EINVAL;

	auto *so = new (std::nothrow) fence_so{};
	if (!so)
		return -ENOMEM;
	std::lock_guard<std::mutex> g(g_so_lock);

	/* Already loaded (by another module, or by anyone): load a private copy. */
	snprintf(so->path, sizeof(so->path), "%s", path);
	if (void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
		dlclose(h);
		if (int ret = copy_file(path, so->path, sizeof(so->path))) {
			fprintf(stderr, "fencefuzz: cannot copy module %s: %s\n", path, strerror(-ret));
			delete so;
			return ret;
		}
		so->is_copy = true;
	}

	so->handle = dlopen(so->path, RTLD_NOW | RTLD_LOCAL);
	if (!so->handle) {
		fprintf(stderr, "fencefuzz: dlopen(%s): %s\n", so->path, dlerror());
		if (so->is_copy)
			unlink(so->path);
		delete so;
		return -ENOENT;
	}

	int ret;
	struct link_map *lm = nullptr;
	phdr_query q = {0, nullptr, &so->info, false};
	auto entry = reinterpret_cast<fence_module_entry_fn>(dlsym(so->handle, FENCE_MODULE_ENTRY_SYMBOL));
	if (!entry) {
		fprintf(stderr, "fencefuzz: %s: no %s\n", path, FENCE_MODULE_ENTRY_SYMBOL);
		ret = -ENOEXEC;
		goto fail;
	}
	so->desc = entry();
	if ((ret = validate(so->desc))) {
		fprintf(stderr, "fencefuzz: %s: bad module descriptor (%s)\n", path,
			ret == -ENOEXEC ? "ABI mismatch" : "missing fields");
		goto fail;
	}
	if (dlinfo(so->handle, RTLD_DI_LINKMAP, &lm) || !lm) {
		ret = -ENOEXEC;
		goto fail;
	}
	q.l_addr = lm->l_addr;
	q.l_name = lm->l_name;
	dl_iterate_phdr(find_range, &q);
	if (!q.found) {
		ret = -ENOEXEC;
		goto fail;
	}
	if ((ret = so->desc->init(&g_host, name)))
		goto fail;

	/* What the fault handler will need once the .so is gone. */
	so->info.ops[0] = reinterpret_cast<uintptr_t>(so->desc->ops);
	so->info.ops[1] = reinterpret_cast<uintptr_t>(so->desc->ops_pinned);
	memcpy(so->info.fn[0], so->desc->ops, sizeof(so->info.fn[0]));
	memcpy(so->info.fn[1], so->desc->ops_pinned, sizeof(so->info.fn[1]));
	so->info.names[0] = reinterpret_cast<uintptr_t>(so->desc->driver_name);
	so->info.names[1] = reinterpret_cast<uintptr_t>(so->desc->timeline_name);
	snprintf(so->info.file, sizeof(so->info.file), "%s", base_name(path));

	ret = fence_module_load_ext(name, so->desc->model, so->desc->ops, so->desc->ops_pinned, so, out);
	if (ret)
		goto fail;
	return 0;

fail:
	unload_locked(so);
	delete so;
	return ret;
}

void fence_so_unmap(struct fence_so *so, struct fence_so_dead *dead) noexcept
{
	std::lock_guard<std::mutex> g(g_so_lock);
	const uintptr_t probe = so->info.fn[0][0]; /* get_driver_name, in its text */
	const uintptr_t start = so->info.start, len = so->info.end - so->info.start;
	unload_locked(so);

	*dead = {};
	Dl_info di;
	if (dladdr(reinterpret_cast<void *>(probe), &di) && di.dli_fname) {
		WARN(1, "dlclose(%s) left the module mapped (RTLD_NODELETE or an STB_GNU_UNIQUE "
			"symbol?): calls into it after unload would not fault\n",
		     so->path);
	} else {
		/* Reserve the old range so that it faults instead of being reused. */
		void *p = mmap(reinterpret_cast<void *>(start), len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == reinterpret_cast<void *>(start))
			*dead = so->info;
		else if (p != MAP_FAILED)
			munmap(p, len); /* an old kernel took it as a hint: not ours to keep */
		/* else someone mapped the range already: nothing to remember. */
	}
	delete so;
}

bool fence_so_describe(const struct fence_so_dead *d, uintptr_t addr, char *buf, size_t len,
		       const char **op) noexcept
{
	if (!d->start || addr < d->start || addr >= d->end)
		return false;
	const uintptr_t off = addr - d->start;
	for (int v = 0; v < 2; v++) {
		if (addr >= d->ops[v] && addr < d->ops[v] + sizeof(struct dma_fence_ops)) {
			snprintf(buf, len, "ops[%d].%s (%s+0x%lx, data)", v,
				 kOpNames[(addr - d->ops[v]) / sizeof(void *)], d->file,
				 static_cast<unsigned long>(off));
			return true;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (addr >= d->names[k] && addr < d->names[k] + FENCE_MODULE_NAME_LEN) {
			snprintf(buf, len, "%s name string (%s+0x%lx)", k ? "timeline" : "driver",
				 d->file, static_cast<unsigned long>(off));
			return true;
		}
	}
	if (addr >= d->text_start && addr < d->text_end) {
		/* The op whose code starts closest below the address. */
		int bv = -1, bi = -1;
		uintptr_t best = 0;
		for (int v = 0; v < 2; v++)
			for (int i = 0; i < 7; i++)
				if (d->fn[v][i] && d->fn[v][i] <= addr && d->fn[v][i] > best) {
					best = d->fn[v][i];
					bv = v;
					bi = i;
				}
		if (bv >= 0 && addr - best < 512) {
			snprintf(buf, len, "code of ops[%d].%s+0x%lx (%s+0x%lx)", bv, kOpNames[bi],
				 static_cast<unsigned long>(addr - best), d->file,
				 static_cast<unsigned long>(off));
			if (!*op)
				*op = kOpNames[bi];
		} else {
			snprintf(buf, len, "code (%s+0x%lx)", d->file, static_cast<unsigned long>(off));
		}
		return true;
	}
	snprintf(buf, len, "data (%s+0x%lx)", d->file, static_cast<unsigned long>(off));
	return true;
}
