#ifndef ZSTACK_CLIBVIRT_SHIM_H
#define ZSTACK_CLIBVIRT_SHIM_H

// Umbrella header for the system libvirt (pkg-config `libvirt`, Debian `libvirt-dev`).
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#endif
