#ifndef ZSTACK_CLIBXML2_SHIM_H
#define ZSTACK_CLIBXML2_SHIM_H

// Umbrella header for the system libxml2 (pkg-config `libxml-2.0`, Debian `libxml2-dev`), the parser libvirt
// itself uses; the KVM agent reads libvirt's XML with it instead of FoundationXML, which would link the whole
// of Foundation and ICU into a static binary.
// Debian's libxml2 is built with ICU, whose headers clash with the toolchain's own copy (_FoundationICU) in
// any module that also sees Foundation. Nothing here uses libxml2's ICU converters; the only declarations the
// flag changes are the members at the end of `xmlCharEncodingHandler`, which Swift never touches.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

// `xmlFree` is a macro over a per-thread function pointer when libxml2 is built with threads: a function
// Swift can call either way.
static inline void zstack_xml_free(void *pointer) { xmlFree(pointer); }

#endif
