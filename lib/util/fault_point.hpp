// Named fault points: places in create/start/exec/delete where a test build can make the step
// fail, kill the process, or stop until the test lets it go on. Production builds compile them
// out entirely (meson option fault_points=false): the environment cannot reach them there.
//
// In a test build, with OCIRUN_FAULT_POINT=<name>:
//   OCIRUN_FAULT_MODE=error (default)  fault_point() throws an oci::Error naming the point;
//   OCIRUN_FAULT_MODE=kill             the process SIGKILLs itself there;
//   OCIRUN_FAULT_MODE=pause            it creates $OCIRUN_FAULT_DIR/<name>.reached and waits
//                                      until $OCIRUN_FAULT_DIR/<name>.go exists (races made
//                                      deterministic).
// OCIRUN_FAULT_TRACE=<file> appends the name of every point reached, one per line, so a test
// can list the points on a path and then walk them.
#pragma once

#include "ocirun_config.h"

namespace oci::util {

#if OCIRUN_FAULT_POINTS
void fault_point(const char* name);
#else
inline void fault_point(const char*) {}
#endif

} // namespace oci::util
