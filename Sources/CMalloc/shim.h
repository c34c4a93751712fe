// glibc's malloc_trim (<malloc.h>), which Swift's Glibc module leaves out. Declared here rather than by
// including <malloc.h>: that would pull glibc's headers into this module, and declarations such as
// `struct stat` could then be found here rather than in Glibc. (`size_t` is `unsigned long` on every
// 64-bit Linux.)
int malloc_trim(unsigned long pad);
