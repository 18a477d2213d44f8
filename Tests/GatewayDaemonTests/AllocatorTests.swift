import CAllocator
import Testing

/// The C shims the daemon uses to keep its memory down after start-up act on glibc (they once compiled to no-ops: the
/// glibc test ran before any header had defined `__GLIBC__`, so `malloc_trim` never ran).
@Suite("Allocator shims")
struct AllocatorTests {
    @Test("on glibc the shims are real: the mmap threshold is fixed and malloc_trim runs")
    func glibc() {
        #if canImport(Glibc)
        #expect(gatewayd_allocator_is_glibc() == 1)
        #expect(gatewayd_fix_mmap_threshold(128 * 1024) == 1)
        #expect([0, 1].contains(gatewayd_release_free_memory()), "malloc_trim: 1 when it gave memory back")
        #endif
    }
}
