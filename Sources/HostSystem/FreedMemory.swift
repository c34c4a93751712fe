#if canImport(CMalloc)
import CMalloc
#endif

/// Memory the allocator holds free inside the process.
public enum FreedMemory {
    /// Hands the free pages the allocator keeps back to the kernel (glibc's `malloc_trim`), and says whether
    /// there were any. On its own glibc gives back only memory at the top of its main heap: after a burst of
    /// requests served on several threads, what they freed in the middle of each thread's arena stays
    /// resident for the life of the process. The call walks every arena under its lock, so make it when the
    /// process is quiet. Elsewhere than glibc it does nothing.
    @discardableResult
    public static func returnToKernel() -> Bool {
        #if canImport(CMalloc)
        malloc_trim(0) == 1
        #else
        false
        #endif
    }
}
