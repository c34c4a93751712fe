// glibc's malloc_trim (<malloc.h>), which Swift's Glibc module leaves out. Only this declaration, rather than
// all of <malloc.h>, so that this module owns no glibc header besides it. (`size_t` is `unsigned long` on
// every 64-bit Linux.)
int malloc_trim(unsigned long pad);
